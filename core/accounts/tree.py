"""Walking an account's home directory: what a backup records about each file.

Entries are lists (compact in msgpack), see docs/repository-format.md:
``[path, type, mode, mtime_ns, size, inode, target, chunks, meta]`` with ``path`` and ``target`` as
bytes (any file name survives). Types: "d" directory, "f" file, "l" symlink (never followed), "p"
FIFO, "c"/"b" character/block device. Sockets are skipped and counted. ``meta`` (format 2) holds
what format 1 did not keep: owner and group (numbers and names), extended attributes, the hard-link
group, the data extents of a sparse file, a device's numbers. Format 1 entries have 8 fields.

The walk goes through directory descriptors, one name at a time (paths longer than PATH_MAX work,
and a directory swapped for a symlink during the walk is not followed).
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import stat
from collections.abc import Iterator
from typing import NamedTuple

from core.support.dirfds import DIR_FLAGS, proc_path

PATH, TYPE, MODE, MTIME, SIZE, INODE, TARGET, CHUNKS, META = range(9)
KINDS = ("d", "f", "l", "p", "c", "b")
SPECIAL = {stat.S_IFIFO: "p", stat.S_IFCHR: "c", stat.S_IFBLK: "b"}
XATTR_MAX = 64 << 10          # Linux's limit for one value
XATTR_NAME_MAX = 255


def meta_of(e) -> dict:
    """The entry's meta map ({} for a format 1 entry)."""
    return e[META] if len(e) > META and isinstance(e[META], dict) else {}


def stored_bytes(e) -> int:
    """Bytes a file's chunks hold: its size, or for a sparse file the sum of its data extents."""
    data = meta_of(e).get("data")
    return e[SIZE] if data is None else sum(n for _o, n in data)


def exclude_spec(patterns):
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


class Found(NamedTuple):
    rel: bytes
    kind: str
    st: os.stat_result
    target: bytes | None          # a symlink's target
    xattrs: list                  # [[name, value], ...]


def walk(root: str, excludes=(), skipped: list | None = None) -> Iterator[Found]:
    """Every entry below ``root`` in a stable order (sorted by name, parents first)."""
    spec = exclude_spec(excludes)
    root_fd = os.open(os.fsencode(root), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def skip(rel: bytes) -> None:
        if skipped is not None:
            skipped.append(rel)

    def rec(dfd: int, rel_b: bytes):
        try:
            with os.scandir(dfd) as it:
                names = sorted((os.fsencode(e.name), e) for e in it)
        except OSError:
            skip(rel_b or b".")
            return
        for name, e in names:
            rel = rel_b + b"/" + name if rel_b else name
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                skip(rel)
                continue
            mode = st.st_mode
            is_dir = stat.S_ISDIR(mode)
            if spec is not None:
                text = os.fsdecode(rel) + ("/" if is_dir else "")
                if spec.match_file(text):
                    continue
            if is_dir:
                try:
                    sub = os.open(name, DIR_FLAGS, dir_fd=dfd)
                except OSError:
                    skip(rel)
                    continue
                try:
                    yield Found(rel, "d", st, None, read_xattrs(sub))
                    yield from rec(sub, rel)
                finally:
                    os.close(sub)
            elif stat.S_ISREG(mode):
                yield Found(rel, "f", st, None, read_xattrs(dfd, name))
            elif stat.S_ISLNK(mode):
                try:
                    target = os.readlink(name, dir_fd=dfd)
                except OSError:
                    skip(rel)
                    continue
                yield Found(rel, "l", st, target, read_xattrs(dfd, name))
            elif stat.S_IFMT(mode) in SPECIAL:
                yield Found(rel, SPECIAL[stat.S_IFMT(mode)], st, None, read_xattrs(dfd, name))
            else:
                skip(rel)      # sockets: nothing to restore

    try:
        yield from rec(root_fd, b"")
    finally:
        os.close(root_fd)


def read_xattrs(fd: int, name: bytes | None = None) -> list:
    """Extended attributes of the open file ``fd``, or of ``name`` in the directory ``fd`` (never
    following a link): ``[[name bytes, value bytes], ...]`` sorted by name; [] where unsupported."""
    path = fd if name is None else proc_path(fd, name)
    try:
        names = os.listxattr(path, follow_symlinks=False) if name is not None else os.listxattr(fd)
    except OSError:
        return []
    out = []
    for n in sorted(names):
        try:
            value = os.getxattr(path, n, follow_symlinks=False) if name is not None else os.getxattr(fd, n)
        except OSError:
            continue               # removed since the listing, or not readable by us
        out.append([os.fsencode(n), value])
    return out


_names: dict[tuple[str, int], str | None] = {}


def owner_names(uid: int, gid: int) -> tuple[str | None, str | None]:
    """The user and group names of ``uid``/``gid`` on this machine (None where there is none)."""
    user = _names.get(("u", uid), "")
    if user == "":
        try:
            user = pwd.getpwuid(uid).pw_name
        except KeyError:
            user = None
        _names[("u", uid)] = user
    group = _names.get(("g", gid), "")
    if group == "":
        try:
            group = grp.getgrgid(gid).gr_name
        except KeyError:
            group = None
        _names[("g", gid)] = group
    return user, group


def base_meta(st: os.stat_result, xattrs: list) -> dict:
    """Owner, group and extended attributes of an entry (the meta every kind has)."""
    meta: dict = {"uid": st.st_uid, "gid": st.st_gid}
    user, group = owner_names(st.st_uid, st.st_gid)
    if user is not None:
        meta["user"] = user
    if group is not None:
        meta["group"] = group
    if xattrs:
        meta["xattrs"] = xattrs
    return meta


def data_extents(fd: int, size: int) -> list[list[int]] | None:
    """The data extents ``[[offset, length], ...]`` of a file with holes (SEEK_DATA/SEEK_HOLE), or
    None when it has none (or the filesystem cannot say)."""
    if size == 0:
        return None
    out: list[list[int]] = []
    offset = 0
    try:
        while offset < size:
            try:
                start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError as exc:
                if exc.errno == errno.ENXIO:     # only a hole from here to the end
                    break
                raise
            if start >= size:
                break
            end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
            out.append([start, end - start])
            offset = end
    except OSError:
        return None
    finally:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
        except OSError:
            pass
    if out == [[0, size]]:
        return None
    return out
