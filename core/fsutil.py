"""Atomic file writes: temp file in the target directory, fsync, rename, fsync the directory."""

from __future__ import annotations

import contextlib
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
            os.link(tmp_path, target)
            tmp_path.unlink()
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_bytes(target: Path, data: bytes, *, mode: int = 0o600) -> None:
    with atomic_writer(Path(target), mode=mode) as fh:
        fh.write(data)
