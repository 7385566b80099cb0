"""A destination on an SFTP server, through fsspec's ``sshfs`` (asyncssh underneath).

The server's host key is always checked: against a known_hosts file (the one configured, else
``~/.ssh/known_hosts``) or against a pinned public key. An unknown or changed key is a
:class:`PermanentDestinationError`; nothing is ever accepted automatically. Authentication uses
only the configured private key (no agent, no ~/.ssh/config, no passwords); the key's passphrase,
if any, comes from the secrets store.

Writes go to a temporary ``.<name>.<random>.part`` file in the target's folder and are renamed over
the target with OpenSSH's ``posix-rename`` (atomic); servers without it get remove + rename.
The connection opens on first use; after a transient failure it is dropped and the next call
reconnects, so a retry wrapper can recover from a cut connection.
"""

from __future__ import annotations

import errno
import os
import posixpath
import secrets as _secrets
import socket
import stat as _stat
import threading
from collections.abc import Iterator

from core.destinations.base import ExistsViaStat, ObjectInfo, check_key, check_prefix, check_range
from core.errors import DestinationError, ObjectNotFoundError, PermanentDestinationError, TransientDestinationError
from core.logsetup import get_logger
from core.support.text import printable

log = get_logger("destinations.sftp")

_NET_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT,
               errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN, errno.ENOTCONN}


class SFTPDestination(ExistsViaStat):
    type = "sftp"

    def __init__(self, name: str, *, host: str, user: str, key_file: str, port: int = 22,
                 known_hosts: str | None = None, host_key: str | None = None, path: str = "",
                 passphrase: bytes | str | None = None, timeout: float = 60.0, connect_timeout: float = 15.0):
        self.name = name
        self.host = host
        self.port = int(port)
        self.user = user
        self.key_file = os.path.expanduser(key_file)
        self.known_hosts = os.path.expanduser(known_hosts) if known_hosts else None
        self.host_key = host_key
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self._passphrase = passphrase.decode() if isinstance(passphrase, bytes) else passphrase
        root = path or ""
        if root in ("", "."):
            self._prefix = ""
        elif root.strip("/") == "":
            self._prefix = "/"
        else:
            self._prefix = root.rstrip("/") + "/"
        self._fs = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    # --- the one place errors are classified ----------------------------------------------------
    def _classify(self, exc: BaseException, what: str, key: str | None) -> DestinationError:
        import asyncssh
        from asyncssh import sftp
        from fsspec.asyn import FSTimeoutError

        server = f"the SFTP server {self.where} (destination {self.name!r})"
        if isinstance(exc, DestinationError):
            return exc
        if isinstance(exc, (sftp.SFTPNoSuchFile, FileNotFoundError)) and key is not None and what in ("read", "stat"):
            return ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")
        if isinstance(exc, asyncssh.HostKeyNotVerifiable):
            if self.host_key:
                why = "does not match the pinned host key"
            else:
                why = f"is not listed in {self.known_hosts or '~/.ssh/known_hosts'}"
            return PermanentDestinationError(
                f"The host key of {server} {why}; refusing to connect.",
                hint=f"Check the server's fingerprint (ssh-keyscan -p {self.port} {self.host}) and add it to "
                     "the known_hosts file, or pin the server's key in the destination.", kind="host_key_unknown",
                data={"host": self.host, "port": self.port})
        if isinstance(exc, (asyncssh.PermissionDenied, PermissionError)) and what == "connect":
            return PermanentDestinationError(
                f"{_cap(server)} refused the key {self.key_file} for user {self.user!r}.",
                hint="Add the key's public half to the user's authorized_keys on the server.")
        if isinstance(exc, asyncssh.KeyImportError):
            return PermanentDestinationError(f"Cannot use the key file {self.key_file}: {exc}.",
                                             hint="An encrypted key needs its passphrase in the destination's secret.")
        if isinstance(exc, (sftp.SFTPPermissionDenied, PermissionError)):
            return PermanentDestinationError(f"Cannot {what} {_obj(key)}on {server}: permission denied.")
        if isinstance(exc, (sftp.SFTPNoConnection, sftp.SFTPConnectionLost, asyncssh.ConnectionLost,
                            asyncssh.DisconnectError, ConnectionError, TimeoutError, FSTimeoutError,
                            EOFError)):
            reason = _reason(exc)
            return TransientDestinationError(f"Cannot {what} {_obj(key)}on {server}: {reason}.")
        if isinstance(exc, socket.gaierror):
            cls = TransientDestinationError if exc.errno == socket.EAI_AGAIN else PermanentDestinationError
            return cls(f"Cannot resolve the host name {self.host!r} of destination {self.name!r}.")
        if isinstance(exc, OSError) and exc.errno in _NET_ERRNOS:
            return TransientDestinationError(f"Cannot {what} {_obj(key)}on {server}: {_reason(exc)}.")
        if isinstance(exc, sftp.SFTPError):
            reason = printable(exc.reason or "failure", limit=120)    # the server's words, escaped
            return PermanentDestinationError(f"Cannot {what} {_obj(key)}on {server}: {reason}.")
        if isinstance(exc, OSError):
            return PermanentDestinationError(f"Cannot {what} {_obj(key)}on {server}: {_reason(exc)}.")
        log.error("unexpected SFTP error %s during %s", type(exc).__name__, what, exc_info=exc)
        return PermanentDestinationError(f"Cannot {what} {_obj(key)}on {server} ({type(exc).__name__}).")

    # --- connection ----------------------------------------------------------------------------------
    def _known_hosts_arg(self):
        import asyncssh

        if self.host_key:
            try:
                key = asyncssh.import_public_key(self.host_key.strip())
            except (asyncssh.KeyImportError, ValueError):
                raise PermanentDestinationError(
                    f"The pinned host key of destination {self.name!r} is not a valid public key.",
                    hint="Give it as 'TYPE BASE64', e.g. the second and third fields of a known_hosts line.") from None
            return ([key], [], [])
        path = self.known_hosts or os.path.expanduser("~/.ssh/known_hosts")
        if not os.path.isfile(path):
            raise PermanentDestinationError(
                f"The known_hosts file {path} of destination {self.name!r} does not exist, so the server "
                "cannot be verified.",
                hint="Create it with ssh-keyscan (after checking the fingerprint) or pin the server's key in the "
                     "destination.", kind="known_hosts_missing", data={"path": path})
        return path

    def _get_fs(self):
        with self._lock:
            if self._closed:
                raise PermanentDestinationError(f"Destination {self.name!r} was closed.")
            if self._fs is None:
                self._fs = self._connect()
            return self._fs

    def _connect(self):
        from sshfs import SSHFileSystem

        _quiet_asyncio_send_warnings()

        known_hosts = self._known_hosts_arg()
        if not os.path.isfile(self.key_file):
            raise PermanentDestinationError(f"The key file {self.key_file} of destination {self.name!r} does not exist.")
        options = dict(port=self.port, username=self.user, client_keys=[self.key_file], known_hosts=known_hosts,
                       agent_path=None, config=[], preferred_auth="publickey", password=None,
                       gss_auth=False, gss_kex=False, x509_trusted_certs=None, x509_trusted_cert_paths=None,
                       connect_timeout=self.connect_timeout, login_timeout=self.connect_timeout,
                       keepalive_interval=30, keepalive_count_max=3, skip_instance_cache=True,
                       timeout=self.connect_timeout + 5)
        if self._passphrase:
            options["passphrase"] = self._passphrase
        try:
            return SSHFileSystem(self.host, **options)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise self._classify(exc, "connect", None) from None

    def _drop(self, fs) -> None:
        with self._lock:
            if self._fs is fs:
                self._fs = None
        try:  # the connection is broken: close it on its loop without waiting for a goodbye
            fs.loop.call_soon_threadsafe(fs._client.close)
        except Exception as exc:
            log.debug("dropping an SFTP connection failed: %s", type(exc).__name__)

    def _run(self, what: str, key: str | None, coro_fn, *args, size: int = 0):
        from fsspec.asyn import sync

        fs = self._get_fs()
        try:
            return sync(fs.loop, coro_fn, fs, *args, timeout=self.timeout + size / 262144)
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            err = self._classify(exc, what, key)
            if isinstance(err, TransientDestinationError):
                self._drop(fs)
            raise err from None

    def _remote(self, key: str) -> str:
        return self._prefix + key

    # --- the interface ------------------------------------------------------------------------------
    def put(self, key: str, data: bytes) -> None:
        path = self._remote(check_key(key))
        parent, base = posixpath.split(path)
        tmp = posixpath.join(parent, f".{base}.{_secrets.token_hex(6)}.part")
        self._run("write", key, _put, path, tmp, bytes(data), size=len(data))

    def get(self, key: str) -> bytes:
        return self._run("read", key, _get, self._remote(check_key(key)))

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        path = self._remote(check_key(key))
        check_range(offset, length)
        return self._run("read", key, _get_range, path, offset, length, size=length)

    def stat(self, key: str) -> ObjectInfo:
        attrs = self._run("stat", key, _stat_path, self._remote(check_key(key)))
        if attrs is None or attrs.permissions is None or not _stat.S_ISREG(attrs.permissions):
            raise ObjectNotFoundError(f"Object {key!r} does not exist at destination {self.name!r}.")
        return ObjectInfo(key, int(attrs.size or 0), float(attrs.mtime) if attrs.mtime is not None else None)

    def delete(self, key: str) -> None:
        self._run("delete", None, _remove, self._remote(check_key(key)))

    def list(self, prefix: str = "") -> Iterator[str]:
        for info in self.list_info(prefix):
            yield info.key

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        check_prefix(prefix)
        head = prefix.rpartition("/")[0]
        yield from self._walk(head, prefix)

    def _walk(self, rel: str, prefix: str) -> Iterator[ObjectInfo]:
        directory = self._remote(rel) if rel else (self._prefix.rstrip("/") or ("/" if self._prefix else "."))
        entries = self._run("list", None, _readdir, directory)
        for sort_name, is_dir, size, mtime in entries:
            name = sort_name.rstrip("/")
            key = f"{rel}/{name}" if rel else name
            if is_dir:
                if key.startswith(prefix) or prefix.startswith(key + "/"):
                    yield from self._walk(key, prefix)
            elif key.startswith(prefix):
                yield ObjectInfo(key, size, mtime)

    def close(self) -> None:
        with self._lock:
            fs, self._fs = self._fs, None
            self._closed = True
        if fs is not None:
            _close_fs(fs)

    def __repr__(self) -> str:
        return f"SFTPDestination({self.name!r}, {self.user}@{self.where})"


class _DropSendWarnings:
    """asyncio logs "socket.send() raised exception." for every write to a cut connection; the cut is
    already reported as one TransientDestinationError, so those lines are noise on the terminal."""

    def filter(self, record) -> bool:
        return not str(record.msg).startswith("socket.send() raised exception")


_FILTER = _DropSendWarnings()


def _quiet_asyncio_send_warnings() -> None:
    import logging

    logger = logging.getLogger("asyncio")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _obj(key: str | None) -> str:
    return f"{key!r} " if key else ""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "the connection was cut"
    if isinstance(exc, TimeoutError) or type(exc).__name__ == "FSTimeoutError":
        return "timed out"
    text = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or ""
    text = printable(str(text).strip().rstrip("."), limit=120)
    return f"{text[:1].lower()}{text[1:]}" if text else type(exc).__name__


def _close_fs(fs) -> None:
    from fsspec.asyn import sync

    async def aclose():
        client = fs._client
        client.close()
        await client.wait_closed()

    try:
        sync(fs.loop, aclose, timeout=5)
    except BaseException as exc:  # closing a dead connection: nothing left to do
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        log.debug("closing an SFTP connection failed: %s", type(exc).__name__)


# --- coroutines run on fsspec's I/O loop ---------------------------------------------------------
async def _put(fs, path: str, tmp: str, data: bytes) -> None:
    from asyncssh import sftp

    async with fs._pool.get() as ch:
        try:
            handle = await ch.open(tmp, "wb")
        except sftp.SFTPNoSuchFile:
            await ch.makedirs(posixpath.dirname(tmp) or ".", exist_ok=True)
            handle = await ch.open(tmp, "wb")
        try:
            try:
                await handle.write(data)
            finally:
                await handle.close()
            try:
                await ch.posix_rename(tmp, path)
            except sftp.SFTPOpUnsupported:
                try:
                    await ch.remove(path)
                except sftp.SFTPNoSuchFile:
                    pass
                await ch.rename(tmp, path)
        except BaseException:
            try:
                await ch.remove(tmp)
            except Exception:  # the connection may be gone; the .part file is ignored by listings
                pass
            raise


async def _get(fs, path: str) -> bytes:
    from asyncssh import sftp

    async with fs._pool.get() as ch:
        try:
            async with ch.open(path, "rb") as handle:
                return await handle.read()
        except sftp.SFTPFailure:
            attrs = await ch.stat(path)
            if _stat.S_ISDIR(attrs.permissions or 0):  # a folder is not an object
                raise sftp.SFTPNoSuchFile("not a file") from None
            raise


async def _get_range(fs, path: str, offset: int, length: int) -> bytes:
    from asyncssh import sftp

    async with fs._pool.get() as ch:
        try:
            async with ch.open(path, "rb") as handle:
                parts, want = [], length
                while want:   # a server may answer a large read in pieces; stop at the end of the file
                    got = await handle.read(want, offset)
                    if not got:
                        break
                    parts.append(got)
                    offset += len(got)
                    want -= len(got)
                return b"".join(parts)
        except sftp.SFTPFailure:
            attrs = await ch.stat(path)
            if _stat.S_ISDIR(attrs.permissions or 0):
                raise sftp.SFTPNoSuchFile("not a file") from None
            raise


async def _stat_path(fs, path: str):
    from asyncssh import sftp

    async with fs._pool.get() as ch:
        try:
            return await ch.stat(path)
        except sftp.SFTPNoSuchFile:
            return None


async def _remove(fs, path: str) -> None:
    from asyncssh import sftp

    async with fs._pool.get() as ch:
        try:
            await ch.remove(path)
        except sftp.SFTPNoSuchFile:
            pass
        except sftp.SFTPFailure:
            # removing a directory by its name: not an object, so nothing to delete
            attrs = await ch.stat(path)
            if not _stat.S_ISDIR(attrs.permissions or 0):
                raise


async def _readdir(fs, directory: str) -> list[tuple[str, bool, int, float | None]]:
    """Entries of ``directory`` as (name, is_dir, size, mtime), dot names skipped, in key order; []
    if missing."""
    from asyncssh import sftp

    async with fs._pool.get() as ch:
        try:
            names = await ch.readdir(directory)
        except (sftp.SFTPNoSuchFile, sftp.SFTPFailure):
            return []
    out = []
    for n in names:
        name = n.filename if isinstance(n.filename, str) else n.filename.decode("utf-8", "replace")
        if not name or name.startswith("."):
            continue
        perms = n.attrs.permissions or 0
        if _stat.S_ISDIR(perms):
            out.append((name + "/", True, 0, None))
        elif _stat.S_ISREG(perms):
            out.append((name, False, int(n.attrs.size or 0), float(n.attrs.mtime) if n.attrs.mtime is not None else None))
    out.sort(key=lambda e: e[0])
    return out


def fetch_host_key(host: str, port: int = 22, timeout: float = 15.0) -> tuple[str, str]:
    """The host key an SFTP server presents, fetched WITHOUT trusting it: (``"TYPE BASE64"``, its
    SHA256 fingerprint as OpenSSH prints it). Nothing is authenticated or sent besides the key
    exchange; the caller shows the fingerprint and pins the key only once a person confirmed it."""
    import asyncio

    import asyncssh

    async def get():
        return await asyncio.wait_for(asyncssh.get_server_host_key(host, int(port), config=[]), timeout)

    where = f"{host}:{port}"
    try:
        key = asyncio.run(get())
    except TimeoutError:
        raise TransientDestinationError(f"The SFTP server {where} did not answer within {timeout:.0f} s.") from None
    except socket.gaierror as exc:
        cls = TransientDestinationError if exc.errno == socket.EAI_AGAIN else PermanentDestinationError
        raise cls(f"Cannot resolve the host name {host!r}.") from None
    except (OSError, asyncssh.Error) as exc:
        raise TransientDestinationError(f"Cannot reach the SFTP server {where}: {_reason(exc)}.") from None
    if key is None:
        raise PermanentDestinationError(f"The SFTP server {where} presented no host key.")
    text = key.export_public_key("openssh").decode("ascii").split()
    return " ".join(text[:2]), key.get_fingerprint("sha256")
