"""Atomic file writes: temp file in the target directory, fsync, rename, fsync the directory."""

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


@contextlib.contextmanager
def atomic_writer(target: Path, *, mode: int = 0o600, overwrite: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file; on clean exit it replaces ``target`` atomically, on error it vanishes.

    With ``overwrite=False`` an existing target is never replaced (``FileExistsError``), and the
    check is race-free: the final step is a hard link, which fails if the name was taken meanwhile.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix="." + target.name + ".", suffix=".part", dir=target.parent)
    tmp_path = Path(tmp)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
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
