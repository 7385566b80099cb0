"""The destination interface: what every backend (local, SFTP, S3) and every wrapper provides.

Objects are whole byte strings stored under '/'-separated keys relative to the destination's root;
they are written whole and read whole or by byte range (``get_range``: a reader that knows where the
bytes it needs are never downloads what a hostile server appended).
Keys are plain ASCII: segments of letters, digits and ``. _ - = + @``; no empty, ``.`` or ``..``
segment, no leading dot in a segment (names starting with a dot are reserved for temporary files),
no backslash, no leading or trailing '/'. Breaking a rule raises :class:`InvalidInputError` before
anything is sent.

Errors are classified in one place per backend:
- :class:`ObjectNotFoundError`: the object does not exist (``get``, ``stat``).
- :class:`TransientDestinationError`: a retry may help (connection refused/reset, timeout, throttling).
- :class:`PermanentDestinationError`: a retry will not help (credentials refused, unknown or changed
  host key, no such bucket, permission denied, bad configuration).
Messages never carry credentials; URLs are redacted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from core.errors import InvalidInputError

DESTINATION_TYPES = ("local", "sftp", "s3")

_SEGMENT = re.compile(r"^[A-Za-z0-9_=+@-][A-Za-z0-9._=+@-]*$")
_PARTIAL = re.compile(r"^[A-Za-z0-9._=+@-]*$")
MAX_KEY = 1024
MAX_RANGE = 1 << 30          # one ranged read returns at most this many bytes


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    mtime: float | None


@dataclass(frozen=True)
class DestinationConfig:
    """What the catalog stores about a destination. ``params`` never holds a secret.

    local: {path}; sftp: {host, port, user, key_file, known_hosts | host_key, path};
    s3: {endpoint, bucket, prefix, region, access_key_id}. Every type may add {bandwidth_limit} (bytes/s).
    The secret (S3 secret access key; SFTP key passphrase, if any) lives in the secrets store under
    :func:`secret_name` (``destination.<name>.secret``).
    """

    name: str
    type: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    latency_s: float
    write_mib_s: float
    read_mib_s: float
    size: int = 0

    def as_dict(self) -> dict:
        return {"latency_s": self.latency_s, "write_mib_s": self.write_mib_s,
                "read_mib_s": self.read_mib_s, "size": self.size}


@runtime_checkable
class Destination(Protocol):
    name: str

    def put(self, key: str, data: bytes) -> None:
        """Store the whole object, replacing any previous one; atomic where the backend allows."""

    def get(self, key: str) -> bytes:
        """The object's bytes; ObjectNotFoundError if missing."""

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes of the object from byte ``offset``; fewer only where the object ends
        (``b""`` at or past its end); ObjectNotFoundError if missing. Never more than ``length``."""

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix`` (recursive), in ascending byte order."""

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """``list`` with each object's size and modification time, from the listing itself (one
        round trip per page or directory, not one per object)."""

    def stat(self, key: str) -> ObjectInfo:
        """Size and modification time; ObjectNotFoundError if missing."""

    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    def exists(self, key: str) -> bool: ...

    def close(self) -> None: ...


class ExistsViaStat:
    """``exists`` for an adapter whose ``stat`` raises ObjectNotFoundError for a missing object."""

    def exists(self, key: str) -> bool:
        from core.errors import ObjectNotFoundError

        try:
            self.stat(key)  # type: ignore[attr-defined]
        except ObjectNotFoundError:
            return False
        return True


def check_key(key: str) -> str:
    """Return ``key`` if it follows the key rules, else raise InvalidInputError (the key is not echoed
    in full when it is long)."""
    if not isinstance(key, str) or not key:
        raise InvalidInputError("An object key must be a non-empty string.")
    if len(key) > MAX_KEY:
        raise InvalidInputError(f"An object key is longer than {MAX_KEY} characters.")
    if "\\" in key:
        raise InvalidInputError(f"Invalid object key {key!r}: backslashes are not allowed.")
    if key.startswith("/"):
        raise InvalidInputError(f"Invalid object key {key!r}: keys are relative (no leading '/').")
    for seg in key.split("/"):
        if seg in ("", ".", ".."):
            raise InvalidInputError(f"Invalid object key {key!r}: empty, '.' or '..' segment.")
        if not _SEGMENT.match(seg):
            raise InvalidInputError(f"Invalid object key {key!r}: use ASCII letters, digits and . _ - = + @ "
                                    "(no segment may start with '.').")
    return key


def check_range(offset: int, length: int) -> None:
    """A byte range of a ranged read: non-negative integers, at most MAX_RANGE bytes."""
    if type(offset) is not int or type(length) is not int or offset < 0 or length < 0:
        raise InvalidInputError("A byte range needs a non-negative offset and length.")
    if length > MAX_RANGE:
        raise InvalidInputError(f"A ranged read is limited to {MAX_RANGE} bytes.")


def check_prefix(prefix: str) -> str:
    """A listing prefix: '' or a key, or a key followed by '/', or a key whose last segment is partial."""
    if prefix == "":
        return prefix
    if not isinstance(prefix, str):
        raise InvalidInputError("A listing prefix must be a string.")
    head, _, last = prefix.rpartition("/")
    if head:
        check_key(head)
    if not _PARTIAL.match(last) or last in (".", ".."):
        raise InvalidInputError(f"Invalid listing prefix {prefix!r}.")
    if prefix.startswith("/"):
        raise InvalidInputError(f"Invalid listing prefix {prefix!r}: no leading '/'.")
    return prefix


_SECRET_OK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def secret_name(destination_name: str) -> str:
    """The secrets-store name holding a destination's secret: ``destination.<name>.secret``.

    Names the secrets store cannot hold as they are (capitals, dots) get a lowercase form plus a
    short hash, so two destination names never share a secret.
    """
    if _SECRET_OK.match(destination_name):
        return f"destination.{destination_name}.secret"
    safe = re.sub(r"[^a-z0-9_-]", "-", destination_name.lower())[:48].strip("-") or "x"
    digest = hashlib.sha256(destination_name.encode()).hexdigest()[:10]
    return f"destination.{safe}-{digest}.secret"


def describe(config: DestinationConfig) -> str:
    """A one-line, secret-free location: a path, user@host:port/path, or endpoint/bucket/prefix."""
    from core.logsetup import redact

    p = config.params or {}
    if config.type == "local":
        return str(p.get("path", ""))
    if config.type == "sftp":
        port = p.get("port", 22)
        path = p.get("path") or "~"
        return f"{p.get('user', '')}@{p.get('host', '')}:{port} {path}"
    if config.type == "s3":
        endpoint = p.get("endpoint") or "https://s3.amazonaws.com"
        prefix = (p.get("prefix") or "").strip("/")
        return redact(f"{endpoint.rstrip('/')}/{p.get('bucket', '')}" + (f"/{prefix}" if prefix else ""))
    return config.type
