"""Directories reached through descriptors, one component at a time, never through a symlink.

Paths of any length work (each name is opened relative to its parent's descriptor), and a symlink
planted anywhere on the way is refused, never followed. ``DirCache`` keeps recently used directory
descriptors; who owns which descriptor is simple: the cache's own descriptors never leave it, and
``open`` hands out a new one (a dup) that the caller owns and closes, so evicting an entry, or
forgetting a directory that was removed, can never close or repurpose a descriptor in use.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class DirCache:
    """Directories below ``root_fd`` (owned by the caller, never closed here). One thread only:
    give workers their own descriptors from ``open``."""

    def __init__(self, root_fd: int, size: int = 128, *, on_mkdir: Callable[[tuple], None] | None = None):
        self.root_fd = root_fd
        self._fds: OrderedDict[tuple, int] = OrderedDict()
        self._size = size
        self._on_mkdir = on_mkdir
        self.fresh: set[tuple] = set()   # directories made here (nothing else can be in them)

    def open(self, parts, create: bool = False) -> int:
        """A descriptor of the directory ``parts`` (made, mode 0700, if missing and ``create``),
        owned by the caller."""
        return os.dup(self._lookup(tuple(parts), create))

    @contextlib.contextmanager
    def opened(self, parts, create: bool = False) -> Iterator[int]:
        fd = self.open(parts, create)
        try:
            yield fd
        finally:
            os.close(fd)

    def forget(self, parts) -> None:
        """``parts`` was removed: close the cached descriptors of it and of everything below it."""
        key = tuple(parts)
        n = len(key)
        for k in [k for k in self._fds if k[:n] == key]:
            os.close(self._fds.pop(k))
        self.fresh = {k for k in self.fresh if k[:n] != key}

    def mkdir(self, parent_fd: int, parts, mode: int = 0o700) -> None:
        """Make the directory ``parts`` (in ``parent_fd``, its parent) and remember it as fresh."""
        key = tuple(parts)
        if self._on_mkdir is not None:
            self._on_mkdir(key)          # journalled before it exists
        os.mkdir(key[-1], mode, dir_fd=parent_fd)
        self.fresh.add(key)

    def _lookup(self, key: tuple, create: bool) -> int:
        """The cache's own descriptor: valid only until the next call on this cache."""
        if not key:
            return self.root_fd
        fd = self._fds.get(key)
        if fd is not None:
            self._fds.move_to_end(key)
            return fd
        parent = self._lookup(key[:-1], create)
        name = key[-1]
        try:
            fd = os.open(name, DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                raise
            try:
                self.mkdir(parent, key)
            except FileExistsError:
                pass
            fd = _open_dir(name, parent)
        except OSError as exc:
            _refuse_links(exc)
            raise
        self._fds[key] = fd
        while len(self._fds) > self._size:
            _k, old = self._fds.popitem(last=False)
            os.close(old)
        return fd

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


def _open_dir(name: bytes, parent: int) -> int:
    try:
        return os.open(name, DIR_FLAGS, dir_fd=parent)
    except OSError as exc:
        _refuse_links(exc)
        raise


def _refuse_links(exc: OSError) -> None:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        raise OSError(errno.ENOTDIR, "a parent is a symlink or not a directory") from None


def lexists(name: bytes, dir_fd: int) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return None


def silent_unlink(name: bytes, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def proc_path(fd: int, name: bytes | None = None) -> bytes:
    """``/proc/self/fd/FD[/NAME]``: the open file ``fd`` itself, or ``name`` inside the directory
    ``fd``, for the calls that take no descriptor (xattrs of links and special files, chmod of an
    O_PATH descriptor). Short whatever the real path's length."""
    base = b"/proc/self/fd/%d" % fd
    return base if name is None else base + b"/" + name
