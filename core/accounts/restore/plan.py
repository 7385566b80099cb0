"""The account-restore plan: what a restore will write, keep, skip and remove, decided before anything
is written (decide, then act, as unit imports do).

``plan_files`` and ``plan_settings`` are pure: they take the backup's manifest entries (or saved
settings) and what the target holds now (``LiveTree``, read by ``files.read_live``, which writes
nothing), and return a frozen plan. Unit items carry their import previews (core/unit_import). The
dry run shows the plan; ``apply_restore`` executes exactly that plan.

File actions, per selected entry of the backup (and the parent directories of chosen paths):
- ``restore``: nothing is at the path now (or, in terminate mode, what is there is removed first):
  the entry is written, with its mode, times, owner (as root), extended attributes and holes;
- ``link``: a file of a hard-link group another entry of this plan restores: made a hard link to it
  (``links`` names that entry);
- ``keep``: a directory is there already and is reused (merge);
- ``repair``: a directory an interrupted restore made (its journal says so): reused and given its
  attributes from the backup;
- ``skip``: live data is there and wins (merge), or its parent is live data that is not a directory.
Entries that are malformed, have unsafe names, lie under a parent the target made a symlink or a
file, or are device nodes when not restoring as root are ``refused`` and never written. In terminate
mode, ``remove`` lists what goes first: every name in the target (whole restore) or each chosen path
that exists. ``cleanup`` lists what an interrupted restore left (temp files, its journal); ``root``
is the home directory's own entry when its attributes are applied to the target (a target that does
not exist yet, or a whole terminate restore).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.accounts.tree import KINDS, META, MODE, MTIME, PATH, TARGET, TYPE, XATTR_MAX, meta_of, stored_bytes
from core.errors import InvalidInputError, NotFoundError
from core.support.names import escape_name
from core.unit.records import SECTIONS

MODES = ("merge", "terminate")
RESTORE, LINK, KEEP, REPAIR, SKIP = "restore", "link", "keep", "repair", "skip"
ACTIONS = (RESTORE, LINK, KEEP, REPAIR, SKIP)
_MAX_NS = 1 << 62
_U32 = 1 << 32


# --- what to restore --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemSelection:
    account: bool = False
    units: dict = field(default_factory=dict)   # unit name (or "*") -> tuple of sections
    files: bool = False


ITEMS_HINT = "Use account, units[:UNIT[/SECTION]], files."


def parse_restore_items(text: str) -> ItemSelection:
    """``account,units[:UNIT[/SECTION]],files`` (units may repeat with different names/sections)."""
    if not text:
        raise InvalidInputError("Choose what to restore.", hint=ITEMS_HINT, kind="restore_items_missing")
    account = files = False
    units: dict[str, set] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part == "account":
            account = True
        elif part == "files":
            files = True
        elif part == "units" or part.startswith("units:"):
            rest = part[6:] if part.startswith("units:") else ""
            name, _, section = rest.partition("/")
            name = name or "*"
            if section and section not in SECTIONS:
                raise InvalidInputError(f"Unknown section {section!r}.", hint=f"Use one of {', '.join(SECTIONS)}.")
            units.setdefault(name, set()).update([section] if section else SECTIONS)
        else:
            raise InvalidInputError(f"Unknown restore item {part!r}.", hint=ITEMS_HINT)
    return ItemSelection(account, {k: tuple(s for s in SECTIONS if s in v) for k, v in units.items()}, files)


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InvalidInputError(f"Unknown restore mode {mode!r}.", hint="Use merge or terminate.")
    return mode


# --- names --------------------------------------------------------------------------------------------
def check_rel_path(path: bytes) -> list[bytes]:
    if not isinstance(path, bytes) or not path or path.startswith(b"/") or b"\x00" in path:
        raise ValueError("unsafe name")
    parts = path.split(b"/")
    if any(p in (b"", b".", b"..") for p in parts):
        raise ValueError("unsafe name")
    return parts


def parse_paths(paths: Iterable[str] | None) -> list[bytes] | None:
    """Chosen paths as relative byte paths, or None for everything."""
    if not paths:
        return None
    wanted = []
    for p in paths:
        raw = os.fsencode(p).strip(b"/")
        try:
            check_rel_path(raw)
        except ValueError:
            raise InvalidInputError(f"The path {os.fsdecode(raw)!r} is not a relative path inside the home "
                                    "directory.") from None
        wanted.append(raw)
    return wanted


def selected(path: bytes, wanted: list[bytes] | None) -> bool:
    if wanted is None:
        return True
    return any(path == w or path.startswith(w + b"/") for w in wanted)


def entry_ok(e) -> bool:
    """The shape a restore relies on (a manifest is authenticated, but a restore never trusts it).
    Format 1 entries have 8 fields, format 2 entries a ninth, ``meta``."""
    if not isinstance(e, (list, tuple)) or len(e) not in (8, 9):
        return False
    path, kind, mode, mtime, size, _inode, target, chunks = e[:8]
    if not isinstance(path, bytes) or kind not in KINDS:
        return False
    if not all(type(v) is int for v in (mode, mtime, size)) or not 0 <= mode <= 0o7777:
        return False
    if size < 0 or not -_MAX_NS < mtime < _MAX_NS:
        return False
    if kind == "l" and (not isinstance(target, bytes) or not target or b"\x00" in target):
        return False
    if kind == "f" and (not isinstance(chunks, (list, tuple)) or not all(isinstance(c, str) for c in chunks)):
        return False
    if len(e) > META and not meta_ok(kind, size, e[META]):
        return False
    return kind not in ("c", "b") or len(e) > META      # a device needs its numbers


def meta_ok(kind: str, size: int, meta) -> bool:
    """A format 2 entry's meta (see docs/repository-format.md); unknown keys are ignored."""
    if not isinstance(meta, dict):
        return False
    for key in ("uid", "gid"):
        if key in meta and not (type(meta[key]) is int and 0 <= meta[key] < _U32):
            return False
    for key in ("user", "group"):
        if key in meta and not (isinstance(meta[key], str) and 0 < len(meta[key]) <= 256):
            return False
    xattrs = meta.get("xattrs", [])
    if not isinstance(xattrs, list) or len(xattrs) > 4096:
        return False
    for pair in xattrs:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], bytes)
                and isinstance(pair[1], bytes) and 0 < len(pair[0]) <= 255 and b"\x00" not in pair[0]
                and len(pair[1]) <= XATTR_MAX):
            return False
    link = meta.get("link")
    if link is not None and (kind != "f" or not isinstance(link, bytes) or not link):
        return False
    data = meta.get("data")
    if data is not None:
        if kind != "f" or not isinstance(data, list):
            return False
        end = 0
        for ext in data:
            if not (isinstance(ext, (list, tuple)) and len(ext) == 2 and all(type(v) is int for v in ext)):
                return False
            offset, length = ext
            if offset < end or length <= 0 or offset + length > size:
                return False
            end = offset + length
    rdev = meta.get("rdev")
    if kind in ("c", "b"):
        return (isinstance(rdev, (list, tuple)) and len(rdev) == 2
                and all(type(v) is int and 0 <= v < _U32 for v in rdev))
    return rdev is None


# --- what the target holds now --------------------------------------------------------------------------
@dataclass(frozen=True)
class LiveTree:
    """What ``live.read_live`` found: relative path -> "d" (directory), "f" (file), "l" (symlink) or
    "o" (anything else); paths not in ``kinds`` do not exist (under a real directory). ``root_names``
    is the target's top-level listing; ``exists`` is False when the target itself does not exist.
    ``leftovers`` are what an interrupted restore left in the directories looked at (temp files, its
    journal), ``unfinished`` the directories its journal says it made."""

    exists: bool
    kinds: Mapping[bytes, str]
    root_names: tuple[bytes, ...] = ()
    leftovers: tuple[bytes, ...] = ()
    unfinished: frozenset[bytes] = frozenset()


# --- the plan ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FilesPlan:
    target: str
    mode: str
    entries: tuple            # the selected, well-formed entries of the backup, parents first
    actions: tuple[str, ...]  # per entry: restore | link | keep | repair | skip
    remove: tuple[bytes, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()
    links: Mapping[bytes, bytes] = field(default_factory=dict)   # link entry -> the entry it links to
    cleanup: tuple[bytes, ...] = ()
    root: tuple | None = None  # the home directory's entry, when the target gets its attributes
    as_root: bool = False      # owners, devices, trusted.* and security.* attributes are applied

    def paths(self, action: str) -> list[str]:
        return [escape_name(e[PATH]) for e, a in zip(self.entries, self.actions, strict=True) if a == action]

    @property
    def bytes_to_write(self) -> int:
        return sum(stored_bytes(e) for e, a in zip(self.entries, self.actions, strict=True)
                   if a == RESTORE and e[TYPE] == "f")

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(ACTIONS, 0)
        for a in self.actions:
            out[a] += 1
        return out

    def to_json(self, limit: int | None = None) -> dict:
        def cut(items):
            items = list(items)
            return items if limit is None else items[:limit]

        c = self.counts()
        return {"target": escape_name(self.target), "mode": self.mode, **c, "remove": len(self.remove),
                "refused": len(self.refused), "cleanup": len(self.cleanup), "bytes": self.bytes_to_write,
                "as_root": self.as_root,
                "restore_paths": cut(self.paths(RESTORE)), "link_paths": cut(self.paths(LINK)),
                "skip_paths": cut(self.paths(SKIP)), "remove_paths": cut(escape_name(p) for p in self.remove),
                "refused_paths": cut({"path": p, "reason": why} for p, why in self.refused)}


def plan_files(entries: Iterable, wanted: list[bytes] | None, mode: str, target: str, live: LiveTree, *,
               as_root: bool = False, root_entry=None) -> FilesPlan:
    """Pure: the file part of a restore (see the module docstring). ``as_root``: the restore runs as
    root; ``root_entry``: the backup's entry for the home directory itself (format 2)."""
    check_mode(mode)
    parents = {w[:i] for w in wanted or () for i in range(len(w)) if w[i:i + 1] == b"/"}
    chosen: list = []
    refused: list[tuple[str, str]] = []
    for i, e in enumerate(entries):
        if not entry_ok(e):
            path = e[PATH] if isinstance(e, (list, tuple)) and e and isinstance(e[PATH], bytes) else None
            if path is None or selected(path, wanted):
                shown = escape_name(path) if path is not None else f"<entry {i}>"
                refused.append((shown, "malformed entry in the backup (refused)"))
            continue
        path = e[PATH]
        if not selected(path, wanted):
            if path in parents and e[TYPE] == "d":
                chosen.append(e)        # a parent of a chosen path: made with its attributes if missing
            continue
        try:
            check_rel_path(path)
        except ValueError:
            refused.append((escape_name(path), "unsafe name in the backup (refused)"))
            continue
        if e[TYPE] in ("c", "b") and not as_root:
            refused.append((escape_name(path), "a device node (restored only as root)"))
            continue
        chosen.append(e)
    if wanted is not None and not any(selected(e[PATH], wanted) for e in chosen) and not refused:
        raise NotFoundError("None of the chosen paths is in the backup.", kind="restore_paths_not_found")

    # A chosen path below a parent the target holds as a symlink or a file cannot be written.
    blocked_roots: set[bytes] = set()
    for w in wanted or ():
        parts = w.split(b"/")
        for depth in range(1, len(parts)):
            kind = live.kinds.get(b"/".join(parts[:depth]))
            if kind is not None and kind != "d":
                blocked_roots.add(w)
                break

    kept: list = []
    actions: list[str] = []
    skipped_dirs: list[bytes] = []   # merge: live non-directories where the backup has a directory
    for e in chosen:
        path = e[PATH]
        now = live.kinds.get(path)
        if path in parents and not selected(path, wanted):
            if now is None or now == "d":
                kept.append(e)
                actions.append(RESTORE if now is None else REPAIR if path in live.unfinished else KEEP)
            continue                      # a live file or link there: the chosen path below is refused
        root = next((w for w in blocked_roots if path == w or path.startswith(w + b"/")), None)
        if root is not None:
            refused.append((escape_name(path), "a parent in the target is a symlink or not a directory"))
            continue
        kept.append(e)
        if mode == "terminate":
            actions.append(RESTORE)
            continue
        if any(path.startswith(d + b"/") for d in skipped_dirs):
            actions.append(SKIP)          # its parent is live data that is not a directory
            continue
        if now is None:
            actions.append(RESTORE)
        elif e[TYPE] == "d" and now == "d":
            actions.append(REPAIR if path in live.unfinished else KEEP)
        else:
            actions.append(SKIP)
            if e[TYPE] == "d":
                skipped_dirs.append(path)

    # Hard links: the first restored member of a group is written, the others are linked to it.
    links: dict[bytes, bytes] = {}
    first: dict[bytes, bytes] = {}
    for i, e in enumerate(kept):
        group = meta_of(e).get("link")
        if group is None or actions[i] != RESTORE:
            continue
        if group in first:
            links[e[PATH]] = first[group]
            actions[i] = LINK
        else:
            first[group] = e[PATH]

    remove: tuple[bytes, ...] = ()
    if mode == "terminate":
        if wanted is None:
            remove = tuple(sorted(live.root_names))
        else:
            remove = tuple(w for w in wanted if w in live.kinds and w not in blocked_roots)
    in_backup = {e[PATH] for e in kept}
    cleanup = tuple(p for p in live.leftovers if p not in in_backup)
    root = None
    if (root_entry is not None and entry_ok(root_entry) and root_entry[TYPE] == "d"
            and (not live.exists or (mode == "terminate" and wanted is None))):
        root = tuple(root_entry)
    return FilesPlan(str(target), mode, tuple(kept), tuple(actions), remove, tuple(refused), links, cleanup, root,
                     as_root)


@dataclass(frozen=True)
class SettingsPlan:
    """``create`` (the account is not in the catalog: it is added with the saved id), ``update`` or
    ``none``; ``changes`` are (field, live value, value after)."""

    action: str
    saved: dict
    values: dict
    changes: tuple[tuple[str, object, object], ...]

    def to_json(self) -> dict:
        return {"action": self.action, "changes": [{"field": f, "now": old, "after": new}
                                                   for f, old, new in self.changes]}


_FIELDS = ("email", "home_dir", "units", "excludes")


def plan_settings(saved: dict, live, mode: str) -> SettingsPlan:
    """Pure: the account-settings part of a restore. ``live`` is the catalog's account or None."""
    check_mode(mode)
    after = {"email": saved.get("email", ""), "home_dir": saved["home_dir"],
             "units": sorted(saved.get("units", [])), "excludes": list(saved.get("excludes", []))}
    if live is None:
        values = {"username": saved["username"], "encryption": saved.get("encryption", "app"),
                  "account_id": saved["id"], **after}
        return SettingsPlan("create", saved, values, tuple((f, None, after[f]) for f in _FIELDS))
    if live.status == "deleted":
        raise InvalidInputError(f"The account {saved['username']!r} was deleted; its settings cannot be restored "
                                "onto it.")
    now = {"email": live.email, "home_dir": live.home_dir, "units": sorted(live.units),
           "excludes": list(live.excludes)}
    if mode == "merge":   # live values win; only what is missing is added
        after = {"email": live.email or after["email"], "home_dir": live.home_dir,
                 "units": sorted(set(live.units) | set(after["units"])),
                 "excludes": list(live.excludes) + [x for x in after["excludes"] if x not in live.excludes]}
    changes = tuple((f, now[f], after[f]) for f in _FIELDS if now[f] != after[f])
    return SettingsPlan("update" if changes else "none", saved, after, changes)


@dataclass(frozen=True)
class UnitRestorePlan:
    name: str
    sections: tuple[str, ...]
    source: object    # core.accounts.restore.units.BackupUnitSource
    preview: object   # core.unit_import.ImportPreview

    def to_json(self, limit: int | None = None) -> dict:
        plan = self.preview.plan
        return {"name": self.name, "mode": plan.mode, "sections": list(self.sections),
                "creates_unit": self.preview.target is None, "totals": plan.totals,
                "changes": plan.has_changes}


@dataclass(frozen=True)
class AccountRestorePlan:
    backup_id: str
    account_id: str
    account: str           # username (live, or as saved in the backup)
    mode: str
    settings: SettingsPlan | None
    units: tuple[UnitRestorePlan, ...]
    files: FilesPlan | None
    suspend: bool

    def to_json(self, limit: int | None = None) -> dict:
        return {"backup": self.backup_id, "account": self.account, "account_id": self.account_id,
                "mode": self.mode, "settings": self.settings.to_json() if self.settings else None,
                "units": [u.to_json(limit) for u in self.units],
                "files": self.files.to_json(limit) if self.files else None, "suspend": self.suspend}


__all__ = ["ACTIONS", "KEEP", "LINK", "REPAIR", "RESTORE", "SKIP",
           "AccountRestorePlan", "FilesPlan", "ItemSelection", "LiveTree", "MODES", "SettingsPlan",
           "UnitRestorePlan", "check_rel_path", "entry_ok", "parse_paths", "parse_restore_items", "plan_files",
           "plan_settings", "selected", "MODE", "MTIME", "TARGET"]
