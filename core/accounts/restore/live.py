"""The read-only look at a restore target that the plan is computed from (``read_live``).

One listing per directory the plan needs, each directory opened relative to its parent's descriptor
and never through a symlink (paths of any length work); directories below a live symlink or file are
not looked into. It also finds what an interrupted restore left: its temp files
(``.<name>.uvrestore-<run>-<n>``) in the directories listed, and its journal
(``.uvrestore-journal-<run>`` in the target root, the directories it made, NUL-separated), so the
next restore removes the temp files and gives those directories their attributes.
"""

from __future__ import annotations

import os
import re
import stat

from core.accounts.restore.plan import LiveTree
from core.accounts.tree import PATH
from core.support.dirfds import DirCache

TEMP_NAME = re.compile(rb"\A\..*\.uvrestore-[0-9a-f]{8}-[0-9]+\Z", re.DOTALL)
JOURNAL_NAME = re.compile(rb"\A\.uvrestore-journal-[0-9a-f]{8}\Z")
JOURNAL_MAX = 64 << 20


def read_live(target: str, entries, wanted: list[bytes] | None) -> LiveTree:
    """What ``target`` holds at the paths the plan needs (reads only)."""
    try:
        root_fd = os.open(os.fsencode(target), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        return LiveTree(False, {})
    except NotADirectoryError:
        return LiveTree(True, {}, ())
    dirs = DirCache(root_fd)
    listings: dict[bytes, dict[bytes, str] | None] = {}
    kinds: dict[bytes, str] = {}
    leftovers: list[bytes] = []
    unfinished: set[bytes] = set()

    def listing(rel_dir: bytes) -> dict[bytes, str] | None:
        if rel_dir in listings:
            return listings[rel_dir]
        if rel_dir:
            parent, _, name = rel_dir.rpartition(b"/")
            up = listing(parent)
            if up is None or up.get(name) != "d":
                listings[rel_dir] = None
                return None
        found: dict[bytes, str] = {}
        try:
            with dirs.opened(rel_dir.split(b"/") if rel_dir else ()) as fd, os.scandir(fd) as it:
                for d in it:
                    name = os.fsencode(d.name)
                    if d.is_symlink():
                        found[name] = "l"
                    elif d.is_dir(follow_symlinks=False):
                        found[name] = "d"
                    elif d.is_file(follow_symlinks=False):
                        found[name] = "f"
                        if TEMP_NAME.match(name):
                            leftovers.append(rel_dir + b"/" + name if rel_dir else name)
                        elif not rel_dir and JOURNAL_NAME.match(name):
                            leftovers.append(name)
                            unfinished.update(_read_journal(fd, name))
                    else:
                        found[name] = "o"
        except OSError:
            found = {}
        listings[rel_dir] = found
        return found

    def look(rel: bytes) -> None:
        parent, _, name = rel.rpartition(b"/")
        got = listing(parent)
        if got is not None and name in got:
            kinds[rel] = got[name]

    try:
        listing(b"")
        for w in wanted or ():
            parts = w.split(b"/")
            for depth in range(1, len(parts) + 1):
                look(b"/".join(parts[:depth]))
        for e in entries:
            look(e[PATH])
    finally:
        dirs.close()
        os.close(root_fd)
    return LiveTree(True, kinds, tuple(sorted(listing(b"") or ())), tuple(leftovers), frozenset(unfinished))


def _read_journal(dir_fd: int, name: bytes) -> list[bytes]:
    """The directories an interrupted restore's journal lists (bounded; never through a link)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return []
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        data = b""
        while len(data) <= JOURNAL_MAX:
            got = os.read(fd, 1 << 20)
            if not got:
                break
            data += got
    except OSError:
        return []
    finally:
        os.close(fd)
    return [p for p in data[:JOURNAL_MAX].split(b"\0") if p]
