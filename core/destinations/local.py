"""A destination in a local directory (or a mounted drive): plain files, written atomically.

Each put writes a temporary ``.<name>.<random>.part`` file next to the target, fsyncs it and renames
it over the target (then fsyncs the directory), so a reader sees the old object or the new one.
The root directory must exist: if it vanished (an unmounted drive), writes fail instead of
silently recreating it on the wrong disk.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

from core.destinations.base import ExistsViaStat, ObjectInfo, check_key, check_prefix, check_range
from core.errors import DestinationError, ObjectNotFoundError, PermanentDestinationError, TransientDestinationError
from core.fsutil import atomic_writer

_TRANSIENT_ERRNOS = {errno.EIO, errno.ETIMEDOUT, errno.ESTALE, errno.EAGAIN, errno.EINTR, errno.EBUSY,
                     errno.ECONNRESET, errno.EHOSTDOWN}


class LocalDestination(ExistsViaStat):
    type = "local"

    def __init__(self, name: str, path: str | os.PathLike):
        self.name = name
        self.root = Path(path)

    # --- the one place errors are classified ----------------------------------------------------
    def _error(self, exc: OSError, what: str, key: str | None) -> DestinationError:
        where = f"{key!r} at destination {self.name!r}" if key else f"destination {self.name!r} ({self.root})"
        if isinstance(exc, (FileNotFoundError, NotADirectoryError, IsADirectoryError)) and key and what in ("read", "stat"):
            return ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")
        reason = exc.strerror or type(exc).__name__
        if exc.errno in _TRANSIENT_ERRNOS:
            return TransientDestinationError(f"Cannot {what} {where}: {reason}.")
        if isinstance(exc, PermissionError):
            return PermanentDestinationError(f"Cannot {what} {where}: permission denied.",
                                             hint="Check the folder's owner and permissions.")
        return PermanentDestinationError(f"Cannot {what} {where}: {reason}.")

    def _check_root(self) -> None:
        if not self.root.is_dir():
            raise PermanentDestinationError(
                f"The folder {self.root} of destination {self.name!r} does not exist.",
                hint="Mount the drive or recreate the folder, then try again.")

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    # --- the interface ----------------------------------------------------------------------------
    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        self._check_root()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with atomic_writer(path, mode=0o600) as fh:
                fh.write(data)
        except OSError as exc:
            raise self._error(exc, "write", key) from None

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError as exc:
            if not isinstance(exc, (FileNotFoundError, NotADirectoryError, IsADirectoryError)):
                raise self._error(exc, "read", key) from None
            self._check_root()
            raise self._error(exc, "read", key) from None

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        path = self._path(key)
        check_range(offset, length)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            if isinstance(exc, (FileNotFoundError, NotADirectoryError, IsADirectoryError)):
                self._check_root()
            raise self._error(exc, "read", key) from None
        try:
            import stat as _st

            if not _st.S_ISREG(os.fstat(fd).st_mode):
                raise ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")
            parts, want = [], length
            while want:
                got = os.pread(fd, want, offset)
                if not got:
                    break
                parts.append(got)
                offset += len(got)
                want -= len(got)
            return b"".join(parts)
        except OSError as exc:
            raise self._error(exc, "read", key) from None
        finally:
            os.close(fd)

    def stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        try:
            st = path.stat()
        except OSError as exc:
            if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
                self._check_root()
            raise self._error(exc, "stat", key) from None
        if not _is_regular(st.st_mode):
            raise ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")
        return ObjectInfo(key, st.st_size, st.st_mtime)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            self._check_root()
            return
        except IsADirectoryError:
            return
        except OSError as exc:
            raise self._error(exc, "delete", key) from None

    def list(self, prefix: str = "") -> Iterator[str]:
        for key, _entry in self._entries(prefix):
            yield key

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for key, entry in self._entries(prefix):
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue                                   # gone since it was listed
            except OSError as exc:
                raise self._error(exc, "stat", key) from None
            yield ObjectInfo(key, st.st_size, st.st_mtime)

    def _entries(self, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
        check_prefix(prefix)
        self._check_root()
        head = prefix.rpartition("/")[0]
        start = self.root.joinpath(*head.split("/")) if head else self.root
        yield from self._walk(start, head, prefix)

    def _walk(self, directory: Path, rel: str, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
        """Keys under ``directory`` in ascending byte order: siblings sorted with a '/' after
        directory names, which is exactly how their keys compare."""
        try:
            with os.scandir(directory) as it:
                entries = [(e.name + "/" if e.is_dir(follow_symlinks=False) else e.name, e) for e in it
                           if not e.name.startswith(".")]
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            raise self._error(exc, "list", None) from None
        entries.sort(key=lambda pair: pair[0])
        for sort_name, entry in entries:
            key = f"{rel}/{entry.name}" if rel else entry.name
            if sort_name.endswith("/"):
                if key.startswith(prefix) or prefix.startswith(key + "/"):
                    yield from self._walk(Path(entry.path), key, prefix)
            elif entry.is_file(follow_symlinks=False) and key.startswith(prefix):
                yield key, entry

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"LocalDestination({self.name!r}, {str(self.root)!r})"


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)
