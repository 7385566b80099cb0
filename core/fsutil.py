"""Atomic file writes: temp file in the target directory, fsync, rename, fsync the directory.

Replacing only ever replaces a regular file: a device, a FIFO, a socket, a folder or a symlink at the
target is refused (as root, ``--force`` once replaced ``/dev/full``)."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_replaceable(target) -> None:
    """Raise InvalidInputError unless ``target`` is missing or a regular file (never followed)."""
    import stat

    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError:
        return          # the write itself will report what is wrong with the path
    if not stat.S_ISREG(st.st_mode):
        from core.errors import InvalidInputError

        what = ("a folder" if stat.S_ISDIR(st.st_mode) else "a symbolic link" if stat.S_ISLNK(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a named pipe" if stat.S_ISFIFO(st.st_mode) else "not a regular file")
        raise InvalidInputError(f"{target} is {what}; only a regular file is ever replaced.",
                                kind="not_a_regular_file", data={"path": str(target)})


@contextlib.contextmanager
def atomic_writer(target: Path, *, mode: int = 0o600, overwrite: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file; on clean exit it replaces ``target`` atomically, on error it vanishes.

    With ``overwrite=False`` an existing target is never replaced (``FileExistsError``), and the
    check is race-free: the final step is a hard link, which fails if the name was taken meanwhile.
    With ``overwrite=True`` only a regular file is replaced (checked before writing and again just
    before the rename); anything else raises InvalidInputError and is left as it was.
    """
    target = Path(target)
    if overwrite:
        check_replaceable(target)
    fd, tmp = tempfile.mkstemp(prefix="." + target.name + ".", suffix=".part", dir=target.parent)
    tmp_path = Path(tmp)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            check_replaceable(target)
            os.replace(tmp_path, target)
        else:
            _publish_new(tmp_path, target, mode)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _publish_new(tmp_path: Path, target: Path, mode: int) -> None:
    """Give ``tmp_path`` the name ``target`` only if that name is free, atomically.

    A hard link fails if the name was taken meanwhile. Filesystems without hard links (FAT/exFAT
    sticks, some network shares) instead get the name reserved by an exclusive create, which fails
    the same way when the name is taken, and then replaced by the complete file.
    """
    try:
        os.link(tmp_path, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK,
                             errno.EACCES, errno.EXDEV):
            raise
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)  # FileExistsError if taken
        os.close(fd)
        os.replace(tmp_path, target)
    else:
        tmp_path.unlink()


def atomic_write_bytes(target: Path, data: bytes, *, mode: int = 0o600) -> None:
    with atomic_writer(Path(target), mode=mode) as fh:
        fh.write(data)
