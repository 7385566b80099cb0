"""Walking an account's home directory: what a snapshot records about each file.

Entries are lists (compact in msgpack): ``[path, type, mode, mtime_ns, size, inode, target, chunks]``
with ``path`` and ``target`` as bytes (any file name survives), type "d" (directory), "f" (file) or
"l" (symlink, never followed). Other kinds (sockets, devices, fifos) are skipped and counted.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

PATH, TYPE, MODE, MTIME, SIZE, INODE, TARGET, CHUNKS = range(8)


def exclude_spec(patterns):
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def walk(root: str, excludes=(), skipped: list | None = None) -> Iterator[tuple[bytes, str, os.stat_result]]:
    """(relative path bytes, type, lstat) in a stable order (sorted by name, parents first)."""
    spec = exclude_spec(excludes)
    broot = os.fsencode(root)

    def rec(dir_b: bytes, rel_b: bytes):
        try:
            with os.scandir(dir_b) as it:
                names = sorted(it, key=lambda e: e.name)
        except OSError:
            if skipped is not None:
                skipped.append(rel_b or b".")
            return
        for e in names:
            rel = rel_b + b"/" + e.name if rel_b else e.name
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                if skipped is not None:
                    skipped.append(rel)
                continue
            mode = st.st_mode
            is_dir = stat.S_ISDIR(mode)
            if spec is not None:
                text = os.fsdecode(rel) + ("/" if is_dir else "")
                if spec.match_file(text):
                    continue
            if is_dir:
                yield rel, "d", st
                yield from rec(e.path, rel)
            elif stat.S_ISREG(mode):
                yield rel, "f", st
            elif stat.S_ISLNK(mode):
                yield rel, "l", st
            elif skipped is not None:
                skipped.append(rel)

    yield from rec(broot, b"")
