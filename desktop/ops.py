"""Task functions for the desktop: each returns ``fn(reporter)`` for the task runner and calls core only.

Like Anki's ``operations/*.py``: short builders, no UI code inside (they run on a worker thread), no
business logic (that lives in ``core``). Bundle and restore calls go through here so the GUI has one
place that knows their signatures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.progress import Reporter
from core.unit.records import SECTIONS

Task = Callable[[Reporter], Any]


# --- units ------------------------------------------------------------------------------------------
def list_units(ctx) -> Task:
    def fn(reporter: Reporter):
        store = ctx.units
        counts = store.all_counts()
        return [(u, counts.get(u.id)) for u in store.list_units()]
    return fn


# Records per page of a unit browser: about 5,000 rows of the store each (a workspace brings its
# applications along, a plugin its permissions and mappings), a few milliseconds to read.
PAGE = {"plugins": 100, "workspaces": 40, "profiles": 200, "config_keys": 500}


class SectionPages:
    """One section of a unit for the browser, read a page at a time (a sequence: ``len()`` and
    ``[i]``): the page's first key comes from ``key_marks`` (read once, on the worker lane), a page
    is one indexed range read (a few milliseconds), and only the last few pages stay in memory, so a
    million-record unit costs what a thousand-record one does."""

    KEEP = 16  # pages cached

    def __init__(self, store, unit_id: str, section: str, total: int, marks: list[str], page: int):
        self.store, self.unit_id, self.section = store, unit_id, section
        self.total, self.marks, self.page = total, marks, page
        self._cache: dict[int, list[dict]] = {}

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

    def search(self, needle: str, stop=None):
        """Positions of the config keys matching ``needle`` (key or description), for a search on a
        helper thread; values are never read."""
        return self.store.search_config_keys(self.unit_id, needle, stop=stop)

    def is_loaded(self, i: int) -> bool:
        """Whether row ``i`` is in a page held now (reading it costs nothing)."""
        return i // self.page in self._cache

    def clear(self) -> None:
        self._cache.clear()


@dataclass(frozen=True)
class UnitData:
    unit: Any
    counts: Any
    sections: dict[str, Any]  # section -> SectionPages (or a list of wire dicts)
    workspace_names: Any  # a mapping from workspace id to name, read on demand


class WorkspaceNames:
    """Workspace id -> name for the profiles tab, looked up on demand (few at a time) and cached."""

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

    def values(self):
        return list(self._cache.values())


def load_unit(ctx, name: str) -> Task:
    """A unit for the browser: its counts and, per section, the first key of every page. Records are
    read a page at a time when a view shows them (``SectionPages``), so memory does not grow with
    the unit."""
    def fn(reporter: Reporter) -> UnitData:
        store = ctx.units
        unit = store.get_unit(name)
        sections: dict[str, Any] = {}
        with store.read() as conn:
            counts = store.counts(unit.id, conn)
            reporter.stage("read", len(SECTIONS))
            for section in SECTIONS:
                total, marks = store.key_marks(unit.id, section, PAGE[section], conn)
                sections[section] = SectionPages(store, unit.id, section, total, marks, PAGE[section])
                reporter.advance(1)
        return UnitData(unit, counts, sections, WorkspaceNames(store, unit.id))
    return fn


def dispose_later(data: UnitData | None) -> None:
    """Drop a replaced unit's cached pages."""
    if data is None:
        return
    for pages in data.sections.values():
        clear = getattr(pages, "clear", None)
        if clear is not None:
            clear()


def unit_digest(ctx, name: str) -> Task:
    def fn(reporter: Reporter) -> str:
        from core.unit.digest import unit_digest as digest

        return digest(ctx.units, ctx.units.get_unit(name).id)
    return fn


# --- bundles ------------------------------------------------------------------------------------------
def password_strength(password: str) -> tuple[int, str]:
    from core.bundle import password_strength as strength

    return strength(password)


def recovery_status(ctx) -> tuple[str | None, BaseException | None]:
    """The organisation's recovery public key that exports add a slot for (its text form), or ``None``
    when none is configured; a configured but unusable key comes back as the error core raises."""
    from core.bundle import configured_recovery_public_key, format_public_key
    from core.errors import UnitvaultError

    try:
        public = configured_recovery_public_key(ctx.settings)
    except UnitvaultError as exc:
        return None, exc
    return (format_public_key(public) if public else None), None


def export_units(ctx, names: list[str], destination: Path, password: str, *, overwrite: bool = False,
                 name_template: str | None = None, recovery: bool = True) -> Task:
    """One name and a file destination: one bundle. Several names: one bundle per unit into a folder.

    Like ``unitvault export``: a recovery slot for the configured organisation key is added unless
    ``recovery`` is False (the CLI's --no-recovery)."""
    def fn(reporter: Reporter):
        from core import bundle

        kdf = bundle.default_kdf(ctx.settings)
        public = bundle.configured_recovery_public_key(ctx.settings) if recovery else None
        if len(names) == 1 and not destination.is_dir():
            return bundle.export_unit(ctx.units, names[0], destination, password=password,
                                      recovery_public_key=public, kdf=kdf, overwrite=overwrite,
                                      reporter=reporter)
        return bundle.export_units(ctx.units, names, destination,
                                   name_template=name_template or bundle.DEFAULT_TEMPLATE,
                                   password=password, recovery_public_key=public, kdf=kdf,
                                   overwrite=overwrite, reporter=reporter)
    return fn


def verify_bundles(paths: list[Path], password: str) -> Task:
    """Inspect written bundles with the same password: open + a full authenticated scan of each."""
    def fn(reporter: Reporter):
        from core import bundle

        out = []
        for path in paths:
            opened = bundle.open_bundle(path, password=password)
            try:
                out.append((path, opened.scan(reporter)))
            finally:
                close = getattr(opened, "close", None)
                if close:
                    close()
        return out
    return fn


def read_header(path: Path) -> Task:
    def fn(reporter: Reporter):
        from core import bundle

        return bundle.read_header(path)
    return fn


# --- import -------------------------------------------------------------------------------------------
@dataclass
class Validated:
    """A bundle opened with its password and validated in full, with a first preview against the unit
    the bundle came from (or that name as a new unit)."""
    path: Path
    source: Any  # core.unit_import.source.BundleSource
    preview: Any  # core.unit_import.ImportPreview

    @property
    def validation(self):
        return self.preview.validation


def open_and_validate(ctx, path: Path, password: str | None, *, recovery_key_file: Path | None = None) -> Task:
    """Open (header, password or the organisation's recovery key file), then one streaming pass:
    authenticate, validate, plan against the unit. Like ``import --recovery-key FILE``."""
    def fn(reporter: Reporter) -> Validated:
        from core.unit_import.apply import preview_import
        from core.unit_import.source import open_source

        if recovery_key_file is not None:
            from core.bundle import load_recovery_identity

            source = open_source(path, recovery_identity=load_recovery_identity(recovery_key_file))
        else:
            source = open_source(path, password=password)
        reporter.check()
        preview = preview_import(ctx.units, source, source.source_unit_name, reporter=reporter)
        return Validated(path, source, preview)
    return fn


def preview(ctx, validated: Validated, target_name: str, mode: str, sections) -> Task:
    """A new target: validate again against it (the diff needs the target's records)."""
    def fn(reporter: Reporter):
        from core.unit_import.apply import preview_import

        return preview_import(ctx.units, validated.source, target_name, mode=mode, sections=sections,
                              reporter=reporter)
    return fn


def rechoose(preview_obj, mode: str, sections) -> Task:
    """Same target, another mode or section choice: the plan only (no I/O)."""
    def fn(reporter: Reporter):
        return preview_obj.with_choice(mode, sections)
    return fn


def apply(ctx, validated: Validated, preview_obj, *, safety_snapshot: bool, allow_other_unit: bool) -> Task:
    def fn(reporter: Reporter):
        from core.unit_import.apply import apply_import

        return apply_import(ctx.units, ctx.home, ctx.secrets, validated.source, preview_obj,
                            safety_snapshot=safety_snapshot, allow_other_unit=allow_other_unit,
                            reporter=reporter)
    return fn


def undo(ctx, unit_name: str) -> Task:
    def fn(reporter: Reporter):
        from core.unit_import import undo as core_undo

        return core_undo(ctx.units, ctx.home, ctx.secrets, unit_name)
    return fn
