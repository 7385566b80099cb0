"""What a backup holds, for choosing what to restore or download: its account settings, its units
(sections and their counts) and an index of its files (a folder's children with sizes and dates,
totals per folder, search), read from the manifest alone (no file content is downloaded).

Names in the index are bytes, as in the backup; ``FileNode.path`` and ``name`` are their text form
(core/support/names.py ``escape_name``), ``raw`` the exact bytes. ``restore_path(raw)`` is what a
restore or download request takes (``os.fsdecode``: the name as a shell would give it).
"""

from __future__ import annotations

import datetime as _dt
import os
from bisect import bisect_left
from dataclasses import dataclass

from core.accounts.restore.plan import entry_ok
from core.accounts.tree import MODE, MTIME, PATH, SIZE, TARGET, TYPE, stored_bytes
from core.support.names import escape_name
from core.unit.records import SECTIONS

KIND_NAMES = {"d": "folder", "f": "file", "l": "symlink", "p": "FIFO", "c": "character device",
              "b": "block device"}


def _iso(ns: int) -> str:
    try:
        moment = _dt.datetime.fromtimestamp(ns / 1e9, _dt.UTC)
    except (OverflowError, OSError, ValueError):
        return ""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class FileNode:
    raw: bytes               # the relative path in the backup (exact bytes)
    path: str                # ... as text (escaped)
    name: str                # the last part, as text
    kind: str                # d f l p c b
    mode: int
    size: int                # a file's size; a folder's: every file below it
    mtime: str               # ISO 8601, UTC
    entries: int = 0         # a folder: the entries below it (every depth)
    target: str | None = None  # a symlink's target, as text

    @property
    def is_dir(self) -> bool:
        return self.kind == "d"

    def as_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "type": KIND_NAMES.get(self.kind, self.kind),
                "mode": f"{self.mode:04o}", "size": self.size, "mtime": self.mtime, "entries": self.entries,
                "target": self.target}


def restore_path(raw: bytes) -> str:
    """The path as restore and download requests take it (raw bytes, as a shell gives them)."""
    return os.fsdecode(raw)


class FileIndex:
    """The files of one backup, by folder. Built once from the manifest's entries (parents first);
    every question after that is answered from memory."""

    def __init__(self, entries, root: bytes = b""):
        self.root = root
        self._entries = [e for e in entries if entry_ok(e)]
        self._paths = [e[PATH] for e in self._entries]
        self._order = sorted(range(len(self._paths)), key=self._paths.__getitem__)
        self._sorted = [self._paths[i] for i in self._order]
        self._by_path = {p: i for i, p in enumerate(self._paths)}
        self._children: dict[bytes, list[int]] = {}
        self._size: dict[bytes, int] = {}
        self._count: dict[bytes, int] = {}
        total = 0
        for i, e in enumerate(self._entries):
            path = e[PATH]
            parent = path.rpartition(b"/")[0]
            self._children.setdefault(parent, []).append(i)
            size = stored_bytes(e) if e[TYPE] == "f" else 0
            total += size
            for anc in _ancestors(path):
                self._size[anc] = self._size.get(anc, 0) + size
                self._count[anc] = self._count.get(anc, 0) + 1
        self.total_size = total
        self.total_entries = len(self._entries)

    def _node(self, i: int) -> FileNode:
        e = self._entries[i]
        path = e[PATH]
        kind = e[TYPE]
        size = self._size.get(path, 0) if kind == "d" else e[SIZE]
        target = escape_name(e[TARGET]) if kind == "l" and isinstance(e[TARGET], bytes) else None
        return FileNode(path, escape_name(path), escape_name(path.rpartition(b"/")[2]), kind, e[MODE], size,
                        _iso(e[MTIME]), self._count.get(path, 0) if kind == "d" else 0, target)

    def node(self, raw: bytes) -> FileNode | None:
        i = self._by_path.get(raw)
        return None if i is None else self._node(i)

    def children(self, raw: bytes = b"") -> list[FileNode]:
        """A folder's entries, folders first, then by name (``b""``: the home directory itself)."""
        nodes = [self._node(i) for i in self._children.get(raw, ())]
        nodes.sort(key=lambda n: (not n.is_dir, n.raw))
        return nodes

    def has_children(self, raw: bytes) -> bool:
        return bool(self._children.get(raw))

    def below(self, raw: bytes) -> int:
        """How many entries lie below ``raw`` (``b""``: all of them)."""
        return self.total_entries if raw == b"" else self._count.get(raw, 0)

    def under(self, raw: bytes) -> list[bytes]:
        """Every path below the folder ``raw``, in path order."""
        if raw == b"":
            return list(self._sorted)
        prefix = raw + b"/"
        start = bisect_left(self._sorted, prefix)
        out = []
        for p in self._sorted[start:]:
            if not p.startswith(prefix):
                break
            out.append(p)
        return out

    def search(self, text: str, limit: int = 1000) -> list[FileNode]:
        """Entries whose path contains ``text`` (case-insensitive, on the text form), in path order."""
        needle = text.strip().casefold()
        if not needle:
            return []
        out = []
        for i in self._order:
            if needle in escape_name(self._paths[i]).casefold():
                out.append(self._node(i))
                if len(out) >= limit:
                    break
        return out


def _ancestors(path: bytes):
    """Every folder above ``path``: b"" (the home directory) first, then a, a/b, ..."""
    yield b""
    pos = path.find(b"/")
    while pos != -1:
        yield path[:pos]
        pos = path.find(b"/", pos + 1)


@dataclass(frozen=True)
class UnitInBackup:
    name: str
    display_name: str
    unit_id: str
    sections: dict            # section -> record count
    size: int

    def as_dict(self) -> dict:
        return {"name": self.name, "display_name": self.display_name, "unit_id": self.unit_id,
                "sections": dict(self.sections), "size": self.size}


@dataclass(frozen=True)
class BackupContents:
    entry: object                     # core.catalog.BackupEntry
    account_settings: dict | None     # as saved: username, email, home_dir, units, excludes, ...
    units: tuple[UnitInBackup, ...]
    files: FileIndex | None
    home_dir: str                     # the home directory the files were backed up from (text form)


def contents_of(entry, manifest: dict) -> BackupContents:
    settings = manifest.get("account_settings")
    units = []
    for u in manifest.get("units") or ():
        try:
            sections = {s: int(u["sections"][s]["count"]) for s in SECTIONS if s in u.get("sections", {})}
            units.append(UnitInBackup(str(u["name"]), str(u.get("display_name") or u["name"]), str(u["unit_id"]),
                                      sections, int(u.get("bytes", 0))))
        except (KeyError, TypeError, ValueError):
            continue                  # a malformed unit item: a restore refuses it too
    files = manifest.get("files")
    index = None
    root = ""
    if isinstance(files, dict):
        raw_root = files.get("root") if isinstance(files.get("root"), bytes) else b""
        index = FileIndex(files.get("entries") or (), raw_root)
        root = escape_name(raw_root)
    return BackupContents(entry, dict(settings) if isinstance(settings, dict) else None, tuple(units), index, root)


def read_contents(ctx, backup_id: str, *, credentials=None, reporter=None) -> BackupContents:
    """Open the backup's manifest (no pack index, no content) and index what it holds."""
    from core.accounts.keys import Credentials
    from core.accounts.opened import mark_authenticated, use_destination
    from core.accounts.repository import Repository
    from core.errors import PassphraseRequired

    entry = ctx.catalog.backups.get(backup_id)
    if reporter is not None:
        reporter.stage("reading the backup's contents")
    with use_destination(ctx, entry.destination) as dest:
        repo = Repository(dest, entry.destination)
        repo.check()
        keys = repo.unlock(entry.account_id, ctx.secrets, credentials=Credentials.of(None, credentials))
        if not keys.can_read_content:
            raise PassphraseRequired("Reading this backup needs the owner's key; the app can only write it.")
        _header, manifest = repo.read_backup(keys, backup_id)
        mark_authenticated(ctx, entry)
    return contents_of(entry, manifest)
