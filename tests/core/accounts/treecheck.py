"""Every byte and attribute of a tree, read through directory descriptors (paths of any length).

``describe(root)`` maps each relative path (bytes) to what a user relies on: type, mode, mtime,
owner and group, extended attributes, content (files), data extents (sparse files), target (links),
device numbers, and which other paths are the same file (hard links). Two trees are the same when
their descriptions are equal.
"""

from __future__ import annotations

import hashlib
import os
import stat

from core.accounts.tree import data_extents

FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def describe(root, *, dir_mtimes: bool = True, owners: bool = True, xattrs: bool = True) -> dict:
    out: dict[bytes, tuple] = {}
    inodes: dict[int, list[bytes]] = {}
    fd = os.open(os.fsencode(root), FLAGS)
    try:
        _walk(fd, b"", out, inodes, dir_mtimes, owners, xattrs)
    finally:
        os.close(fd)
    for paths in inodes.values():
        if len(paths) > 1:
            first = min(paths)
            for p in paths:
                out[p] = (*out[p], ("same file as", first))
    return out


def _walk(dfd: int, rel: bytes, out: dict, inodes: dict, dir_mtimes: bool, owners: bool, xattrs: bool) -> None:
    with os.scandir(dfd) as it:
        names = sorted(os.fsencode(e.name) for e in it)
    for name in names:
        path = rel + b"/" + name if rel else name
        st = os.lstat(name, dir_fd=dfd)
        kind = stat.S_IFMT(st.st_mode)
        desc = [kind, stat.S_IMODE(st.st_mode)]
        if kind != stat.S_IFDIR or dir_mtimes:
            desc.append(st.st_mtime_ns)
        if owners:
            desc.append((st.st_uid, st.st_gid))
        if xattrs and kind != stat.S_IFLNK:
            p = b"/proc/self/fd/%d/%s" % (dfd, name)
            desc.append(tuple(sorted((n, os.getxattr(p, n, follow_symlinks=False))
                                     for n in os.listxattr(p, follow_symlinks=False))))
        if kind == stat.S_IFREG:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
            try:
                h = hashlib.sha256()
                while chunk := os.read(fd, 1 << 20):
                    h.update(chunk)
                desc += [st.st_size, h.hexdigest()]
                if st.st_blocks * 512 < st.st_size:
                    desc.append(("extents", tuple(map(tuple, data_extents(fd, st.st_size) or []))))
            finally:
                os.close(fd)
            inodes.setdefault(st.st_ino, []).append(path)
        elif kind == stat.S_IFLNK:
            desc.append(os.readlink(name, dir_fd=dfd))
        elif kind in (stat.S_IFCHR, stat.S_IFBLK):
            desc.append((os.major(st.st_rdev), os.minor(st.st_rdev)))
        out[path] = tuple(desc)
        if kind == stat.S_IFDIR:
            sub = os.open(name, FLAGS, dir_fd=dfd)
            try:
                _walk(sub, path, out, inodes, dir_mtimes, owners, xattrs)
            finally:
                os.close(sub)
