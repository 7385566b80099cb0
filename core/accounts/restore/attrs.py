"""What a restored entry gets besides its content: owner, extended attributes, mode and times.

Decided on the calling thread (``Owners.attrs``), applied by whoever holds the entry's descriptor,
in this order: owner, extended attributes, mode, times. Owner before mode, because a chown clears
the setuid/setgid bits and because a set-id file must never exist with the wrong owner: a setuid bit
is kept only when the file's owner is the one the backup recorded, a setgid bit only when its group
is (format 1 entries recorded no owner, so their set-id bits are dropped).

- Owners: as root, from the recorded names where this machine knows them (like borg), else the
  recorded numbers. Not as root, owners cannot be given away: the restoring user owns what is
  written, the group is set where the user belongs to it, and the rest is counted in the result
  (the backup keeps the owners).
- Extended attributes: ``user.*`` and POSIX ACLs (``system.posix_acl_access``/``_default``) always;
  ``trusted.*`` and ``security.*`` as root only; others are not restored. What cannot be set is
  counted with the reason.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import threading
from dataclasses import dataclass

from core.accounts.tree import MODE, MTIME, meta_of
from core.support.dirfds import proc_path
from core.support.names import escape_name

SETID = stat.S_ISUID | stat.S_ISGID
ACLS = (b"system.posix_acl_access", b"system.posix_acl_default")
EXAMPLES = 10


@dataclass(frozen=True)
class NotApplied:
    """Attributes the backup holds that this restore did not apply: ``what`` ("owner", "xattr",
    "setid"), how many entries, up to ten of their paths, and why."""

    what: str
    count: int
    examples: tuple[str, ...]
    reason: str


class Notes:
    """Thread-safe tally of what was not applied."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: dict[tuple[str, str], list] = {}

    def add(self, what: str, shown: str, reason: str) -> None:
        with self._lock:
            slot = self._by.setdefault((what, reason), [0, []])
            slot[0] += 1
            if len(slot[1]) < EXAMPLES:
                slot[1].append(shown)

    def result(self) -> tuple[NotApplied, ...]:
        with self._lock:
            return tuple(NotApplied(what, n, tuple(ex), reason) for (what, reason), (n, ex) in sorted(self._by.items()))


@dataclass(frozen=True)
class Attrs:
    mode: int
    mtime: int
    uid: int | None           # chown to (-1 keeps it); None: no chown at all
    gid: int | None
    want_uid: int | None      # the owner the backup recorded, resolved here (None: not recorded)
    want_gid: int | None
    xattrs: tuple[tuple[bytes, bytes], ...]


class Owners:
    """Turns entries into ``Attrs`` for this restore (root or not); calling thread only."""

    def __init__(self, as_root: bool, notes: Notes):
        self.as_root = as_root
        self.notes = notes
        self.euid = os.geteuid()
        self.groups = set(os.getgroups()) | {os.getegid()}
        self._users: dict[str, int | None] = {}
        self._groups: dict[str, int | None] = {}

    def attrs(self, e, shown: str) -> Attrs:
        meta = meta_of(e)
        want_uid = self._resolve(meta.get("user"), meta.get("uid"), self._users, _uid_of)
        want_gid = self._resolve(meta.get("group"), meta.get("gid"), self._groups, _gid_of)
        if self.as_root:
            uid = -1 if want_uid is None else want_uid
            gid = -1 if want_gid is None else want_gid
            owner = (uid, gid) if (uid, gid) != (-1, -1) else (None, None)
        else:
            gid = want_gid if want_gid in self.groups and want_gid != os.getegid() else None
            owner = (None if gid is None else -1, gid)
            if (want_uid is not None and want_uid != self.euid) or (want_gid is not None and want_gid not in self.groups):
                self.notes.add("owner", shown, "not restoring as root: the owner stays in the backup")
        xattrs = []
        for name, value in meta.get("xattrs", []):
            why = self._refuse_xattr(name)
            if why is None:
                xattrs.append((name, value))
            else:
                self.notes.add("xattr", shown, f"{escape_name(name)}: {why}")
        return Attrs(e[MODE], e[MTIME], owner[0], owner[1], want_uid, want_gid, tuple(xattrs))

    def _refuse_xattr(self, name: bytes) -> str | None:
        if name.startswith(b"user.") or name in ACLS:
            return None
        if name.startswith((b"trusted.", b"security.")):
            return None if self.as_root else "set only by a restore as root"
        return "not restored (system attribute)"

    @staticmethod
    def _resolve(name, number, cache: dict, lookup) -> int | None:
        if name is not None:
            if name not in cache:
                cache[name] = lookup(name)
            if cache[name] is not None:
                return cache[name]
        return number


def _uid_of(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def _gid_of(name: str) -> int | None:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def safe_mode(a: Attrs, st: os.stat_result) -> int:
    """``a.mode`` without a setuid (setgid) bit the file's actual owner (group) does not earn."""
    mode = a.mode
    if stat.S_ISDIR(st.st_mode) or not mode & SETID:
        return mode
    if a.want_uid is None or st.st_uid != a.want_uid:
        mode &= ~stat.S_ISUID
    if a.want_gid is None or st.st_gid != a.want_gid:
        mode &= ~stat.S_ISGID
    return mode


def apply_fd(fd: int, a: Attrs, notes: Notes, shown: str, *, path: bytes | None = None) -> None:
    """Owner, extended attributes, mode and times of the open file ``fd``. ``path``: the calls go
    through this path instead (``/proc/self/fd/N`` of an O_PATH descriptor: FIFOs and devices)."""
    target = fd if path is None else path
    if a.uid is not None:
        try:
            os.chown(target, a.uid, -1 if a.gid is None else a.gid)
        except OSError as exc:
            notes.add("owner", shown, f"cannot set the owner: {exc.strerror}")
    for name, value in a.xattrs:
        try:
            os.setxattr(target, name, value)
        except OSError as exc:
            notes.add("xattr", shown, f"{escape_name(name)}: {exc.strerror}")
    mode = a.mode
    if mode & SETID:
        mode = safe_mode(a, os.fstat(fd))
        if mode != a.mode:
            notes.add("setid", shown, "setuid/setgid dropped: the file's owner is not the one in the backup")
    os.chmod(target, mode)
    os.utime(target, ns=(a.mtime, a.mtime))


def apply_link(dir_fd: int, name: bytes, a: Attrs, notes: Notes, shown: str) -> None:
    """Owner, extended attributes and times of the symlink ``name`` in ``dir_fd`` (never followed;
    a symlink has no mode of its own)."""
    if a.uid is not None:
        try:
            os.chown(name, a.uid, -1 if a.gid is None else a.gid, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as exc:
            notes.add("owner", shown, f"cannot set the owner: {exc.strerror}")
    for xname, value in a.xattrs:
        try:
            os.setxattr(proc_path(dir_fd, name), xname, value, follow_symlinks=False)
        except OSError as exc:
            notes.add("xattr", shown, f"{escape_name(xname)}: {exc.strerror}")
    os.utime(name, ns=(a.mtime, a.mtime), dir_fd=dir_fd, follow_symlinks=False)
