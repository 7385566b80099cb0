"""A unit read a page at a time, for browsers: memory that does not grow with the unit.

``SectionPages`` is a sequence (``len()``, ``[i]``) over one section in key order. Opening it reads
only the key index (the first key of every page, ``UnitStore.key_marks``); a page is one indexed
range read of a few milliseconds; only the last few pages stay in memory. A million-record unit
costs what a thousand-record one does.
"""

from __future__ import annotations

from collections.abc import Iterator

# Records per page: about 5,000 rows of the store each (a workspace brings its applications along,
# a plugin its permissions and mappings).
PAGE = {"plugins": 100, "workspaces": 40, "profiles": 200, "config_keys": 500}


class SectionPages:
    KEEP = 16  # pages held

    def __init__(self, store, unit_id: str, section: str, total: int, marks: list[str], page: int):
        self.store, self.unit_id, self.section = store, unit_id, section
        self.total, self.marks, self.page = total, marks, page
        self._cache: dict[int, list[dict]] = {}

    @classmethod
    def open(cls, store, unit_id: str, section: str, conn=None) -> SectionPages:
        page = PAGE[section]
        total, marks = store.key_marks(unit_id, section, page, conn)
        return cls(store, unit_id, section, total, marks, page)

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, i: int) -> dict:
        if i < 0:
            i += self.total
        if not 0 <= i < self.total:
            raise IndexError(i)
        p, r = divmod(i, self.page)
        rows = self._cache.pop(p, None)
        if rows is None:
            rows = list(self.store.iter_wire(self.unit_id, self.section, start=self.marks[p], limit=self.page))
            while len(self._cache) >= self.KEEP:
                self._cache.pop(next(iter(self._cache)))
        self._cache[p] = rows  # most recently used last
        if r >= len(rows):  # the unit changed under the browser: show what is there
            raise IndexError(i)
        return rows[r]

    def is_loaded(self, i: int) -> bool:
        """Whether row ``i`` is in a page held now (reading it costs nothing)."""
        return i // self.page in self._cache

    def search(self, needle: str, stop=None) -> Iterator[int]:
        """Positions of the config keys whose key or description contains ``needle`` (for a search on
        a helper thread; values are never read, so secrets are never searched)."""
        return self.store.search_config_keys(self.unit_id, needle, stop=stop)

    def clear(self) -> None:
        self._cache.clear()


class WorkspaceNames:
    """Workspace id -> name (a profile's workspaces are shown by name), looked up on demand, cached."""

    def __init__(self, store, unit_id: str, keep: int = 4096):
        self.store, self.unit_id, self.keep = store, unit_id, keep
        self._cache: dict[str, str] = {}

    def get(self, ws_id: str, default=None):
        name = self._cache.get(ws_id)
        if name is None:
            wire = next(iter(self.store.iter_wire(self.unit_id, "workspaces", start=ws_id, limit=1)), None)
            if wire is None or wire["id"] != ws_id:
                return default
            if len(self._cache) >= self.keep:
                self._cache.clear()
            name = self._cache[ws_id] = wire["name"]
        return name

    def values(self) -> list[str]:
        """The names looked up so far."""
        return list(self._cache.values())
