"""The one way every repository object is sealed, and the key material behind it.

Two schemes (docs/repository-format.md, "Keys"):

- **symmetric** (app-held keys, and owner-held keys of format 1): a 64-byte data key = an AES-256-GCM
  key for every object + an HMAC-SHA256 key for blob ids. Whoever can write can read.
- **write-only** (owner-held keys of format 2, after Tarsnap's write-only keys): the app holds a
  32-byte *write secret* giving the blob-id key and a *write key* that seals only what the writer must
  read back (pack indexes, the incremental cache, session objects). Content (blobs, manifests, meta)
  is sealed under a random per-run *session key*, which is wrapped to the owner's X25519 public key
  and forgotten when the run ends: only the owner's private key (from a passphrase or a key file,
  never stored by the app) reads it back.

A sealed object is ``UVO1 | flags | nonce(12) | AES-GCM`` (data key or write key) or
``UVO2 | flags | session id(16) | nonce(12) | AES-GCM`` (session key). The associated data names the
account, the object's kind and id (and any clear header) and binds the flags and the session id, so
an object renamed, moved to another account or re-labelled fails to authenticate.
``flags`` bit 0 = zstd-compressed plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from core.errors import IntegrityError, PassphraseRequired

MAGIC = b"UVO1"
MAGIC_SESSION = b"UVO2"
FLAG_ZSTD = 1
MAX_OBJECT_PLAINTEXT = 64 << 20
SAMPLE = 64 << 10
SYMMETRIC, WRITE_ONLY = "symmetric", "write-only"
# Objects a write-only writer seals with its write key because it reads them back itself.
WRITER_KINDS = frozenset({"index", "cache", "session"})
_local = threading.local()


def _compressor(level: int):
    cache = getattr(_local, "zc", None)
    if cache is None:
        cache = _local.zc = {}
    zc = cache.get(level)
    if zc is None:
        import zstandard

        zc = cache[level] = zstandard.ZstdCompressor(level=level)
    return zc


def _decompressor():
    """One per thread: creating a zstd decompression context costs more than decompressing a small blob."""
    dc = getattr(_local, "zd", None)
    if dc is None:
        import zstandard

        dc = _local.zd = zstandard.ZstdDecompressor()
    return dc


def compress_if_useful(data, level: int) -> bytes | None:
    """zstd of ``data`` when it saves at least 3%; large data is sampled first, so incompressible
    content (media, archives, random) costs one small trial instead of a full pass."""
    if len(data) <= 64:
        return None
    zc = _compressor(level)
    if len(data) > 4 * SAMPLE:
        sample = bytes(memoryview(data)[len(data) // 2:len(data) // 2 + SAMPLE])
        if len(zc.compress(sample)) > SAMPLE * 0.95:
            return None
    packed = zc.compress(data)
    return packed if len(packed) < len(data) - len(data) // 32 else None


def prepare(plaintext, compress: bool, level: int = 3) -> tuple[int, bytes]:
    """(flags, payload): the plaintext compressed when asked and worth it."""
    if compress:
        packed = compress_if_useful(plaintext, level)
        if packed is not None:
            return FLAG_ZSTD, packed
    return 0, plaintext


def associated_data(account_id: str, kind: str, object_id: str, extra: bytes = b"") -> bytes:
    return b"unitvault\x00" + account_id.encode() + b"\x00" + kind.encode() + b"\x00" + object_id.encode() + b"\x00" + extra


def hkdf(ikm: bytes, info: bytes, salt: bytes = b"", length: int = 32) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(ikm)


def _aesgcm(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


# --- X25519 wrapping (age-style): a secret sealed to a public key ---------------------------------
_ZERO_NONCE = bytes(12)


def _raw_public(pub) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def x25519_private(raw: bytes):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.from_private_bytes(bytes(raw))


def x25519_public_of(raw_private: bytes) -> bytes:
    return _raw_public(x25519_private(raw_private).public_key())


def seal_to(public_key: bytes, secret: bytes, info: bytes, ad: bytes) -> bytes:
    """``ephemeral public (32) | AES-GCM(HKDF(ECDH), zero nonce, secret, ad)``: only the holder of
    the private key opens it (the wrapping key is fresh each time, so the zero nonce is safe)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    if len(public_key) != 32:
        raise IntegrityError("A public key has the wrong length.")
    eph = X25519PrivateKey.generate()
    eph_pub = _raw_public(eph.public_key())
    shared = eph.exchange(X25519PublicKey.from_public_bytes(public_key))
    if shared == bytes(32):
        raise IntegrityError("A public key is not usable.")
    return eph_pub + _aesgcm(hkdf(shared, info, eph_pub + public_key)).encrypt(_ZERO_NONCE, secret, ad)


def open_sealed_to(private_key, sealed: bytes, info: bytes, ad: bytes) -> bytes | None:
    """The secret of ``seal_to``, or None when this private key does not open it."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    if len(sealed) < 32 + 16:
        return None
    eph_pub, body = bytes(sealed[:32]), bytes(sealed[32:])
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    except ValueError:
        return None
    if shared == bytes(32):
        return None
    try:
        return _aesgcm(hkdf(shared, info, eph_pub + _raw_public(private_key.public_key()))).decrypt(
            _ZERO_NONCE, body, ad)
    except InvalidTag:
        return None


# --- sessions (write-only accounts) --------------------------------------------------------------
SESSION_INFO = b"unitvault repository v2 session key"


def session_ad(account_id: str, session_id: str) -> bytes:
    return b"unitvault session\x00" + account_id.encode() + b"\x00" + session_id.encode()


class SessionKeys:
    """Opens the session keys of a write-only account with the owner's private key (reading only).

    ``load(session id)`` returns the session object's plaintext (authenticated with the write key by
    the repository); each session key is unwrapped once and cached (thread-safe)."""

    def __init__(self, account_id: str, owner_private, load: Callable[[str], bytes]):
        self.account_id = account_id
        self._private = owner_private
        self._load = load
        self._cache: dict[str, object] = {}
        self._lock = threading.Lock()

    def aead(self, session_id: str, name: str):
        with self._lock:
            got = self._cache.get(session_id)
        if got is not None:
            return got
        wrapped = self._load(session_id)
        key = open_sealed_to(self._private, wrapped, SESSION_INFO, session_ad(self.account_id, session_id))
        if key is None or len(key) != 32:
            raise IntegrityError(f"The session of {name} does not open with the owner's key.", details=[name])
        aead = _aesgcm(key)
        with self._lock:
            self._cache[session_id] = aead
        return aead


@dataclass(frozen=True)
class Session:
    """This run's content key (write-only accounts): the app holds it only while the run lasts."""

    id: str
    key: bytes = field(repr=False)

    @classmethod
    def new(cls) -> Session:
        return cls(os.urandom(16).hex(), os.urandom(32))


# --- the account's keys ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountKeys:
    """What one account's objects are sealed and named with.

    symmetric: ``enc_key`` seals everything. write-only: ``write_key`` seals WRITER_KINDS, ``session``
    (while backing up) seals content, ``sessions`` (when the owner's key was given) opens content.
    """

    account_id: str
    enc_key: bytes | None = field(repr=False)
    id_key: bytes = field(repr=False)
    write_key: bytes | None = field(default=None, repr=False)
    session: Session | None = None
    sessions: SessionKeys | None = field(default=None, repr=False, compare=False)
    owner_public: bytes | None = None     # write-only: session keys are sealed to it

    @classmethod
    def from_data_key(cls, account_id: str, data_key: bytes) -> AccountKeys:
        if len(data_key) != 64:
            raise IntegrityError("The account's data key has the wrong length.")
        return cls(account_id, data_key[:32], data_key[32:])

    @classmethod
    def from_write_secret(cls, account_id: str, secret: bytes, owner_public: bytes, *,
                          sessions: SessionKeys | None = None) -> AccountKeys:
        if len(secret) != 32 or len(owner_public) != 32:
            raise IntegrityError("The account's write secret has the wrong length.")
        return cls(account_id, None, hkdf(secret, b"unitvault repository v2 blob ids", account_id.encode()),
                   hkdf(secret, b"unitvault repository v2 write key", account_id.encode()), sessions=sessions,
                   owner_public=owner_public)

    @property
    def scheme(self) -> str:
        return SYMMETRIC if self.enc_key is not None else WRITE_ONLY

    @property
    def can_read_content(self) -> bool:
        return self.enc_key is not None or self.sessions is not None

    def with_session(self, session: Session) -> AccountKeys:
        return AccountKeys(self.account_id, self.enc_key, self.id_key, self.write_key, session, self.sessions,
                           self.owner_public)

    def sealed_session(self) -> bytes:
        """This run's session key sealed to the owner (the session object's plaintext)."""
        return seal_to(self.owner_public, self.session.key, SESSION_INFO, session_ad(self.account_id, self.session.id))

    @cached_property
    def _aead(self):
        return _aesgcm(self.enc_key if self.enc_key is not None else self.write_key)

    @cached_property
    def _session_aead(self):
        return _aesgcm(self.session.key)

    @cached_property
    def header_key(self) -> bytes:
        """Authenticates a backup's clear header (format 2), so a scan can check it with the keys
        the app holds, without reading the manifest."""
        return hkdf(self.id_key, b"unitvault repository v2 backup header", self.account_id.encode())

    def header_tag(self, backup_id: str, header: bytes) -> bytes:
        return hmac.new(self.header_key, backup_id.encode() + b"\x00" + header, hashlib.sha256).digest()

    def blob_id(self, data) -> str:
        """The keyed hash naming a blob; the content's plain hash never leaves the machine."""
        return hmac.new(self.id_key, data, hashlib.sha256).hexdigest()

    def path_id(self, path: bytes) -> bytes:
        """A keyed hash of a file's path (the write-only cache names files by it, never by name)."""
        return hmac.new(self.id_key, b"path\x00" + bytes(path), hashlib.sha256).digest()[:16]

    def seal(self, kind: str, object_id: str, plaintext, *, compress: bool = False, extra_ad: bytes = b"",
             level: int = 3) -> bytes:
        flags, payload = prepare(plaintext, compress, level)
        return self.seal_prepared(kind, object_id, flags, payload, extra_ad=extra_ad)

    def sealed_size(self, kind: str, payload) -> int:
        """The length ``seal_prepared`` will return for ``payload``."""
        session = self.enc_key is None and kind not in WRITER_KINDS
        return 4 + 1 + (16 if session else 0) + 12 + len(payload) + 16

    def seal_prepared(self, kind: str, object_id: str, flags: int, payload, *, extra_ad: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        ad = associated_data(self.account_id, kind, object_id, extra_ad) + bytes([flags])
        if self.enc_key is not None or kind in WRITER_KINDS:
            return MAGIC + bytes([flags]) + nonce + self._aead.encrypt(nonce, payload, ad)
        if self.session is None:
            raise IntegrityError("Internal error: content of a write-only account sealed outside a session.")
        sid = bytes.fromhex(self.session.id)
        return MAGIC_SESSION + bytes([flags]) + sid + nonce + self._session_aead.encrypt(nonce, payload, ad + sid)

    def open(self, kind: str, object_id: str, sealed, *, name: str, extra_ad: bytes = b"",
             max_size: int = MAX_OBJECT_PLAINTEXT) -> bytes:
        """Authenticate and decrypt; any failure raises IntegrityError naming ``name``; content of a
        write-only account without the owner's key raises PassphraseRequired."""
        from cryptography.exceptions import InvalidTag

        sealed = memoryview(sealed)
        magic = bytes(sealed[:4])
        symmetric_ok = self.enc_key is not None or kind in WRITER_KINDS
        if magic == MAGIC and symmetric_ok and len(sealed) >= 5 + 12 + 16:
            start, sid, aead = 5, b"", self._aead
        elif magic == MAGIC_SESSION and not symmetric_ok and len(sealed) >= 5 + 16 + 12 + 16:
            start, sid = 21, bytes(sealed[5:21])
            if self.session is not None and sid.hex() == self.session.id:
                aead = self._session_aead
            elif self.sessions is None:
                raise PassphraseRequired("Reading this backup's content needs the owner's key.",
                                         hint="Give the owner's passphrase or key file.")
            else:
                aead = self.sessions.aead(sid.hex(), name)
        else:
            raise IntegrityError(f"The object {name} is damaged (bad header).", details=[name])
        flags = sealed[4]
        nonce = bytes(sealed[start:start + 12])
        ad = associated_data(self.account_id, kind, object_id, extra_ad) + bytes([flags]) + sid
        try:
            plain = aead.decrypt(nonce, sealed[start + 12:], ad)
        except InvalidTag:
            raise IntegrityError(f"The object {name} failed authentication (damaged, moved or renamed).",
                                 details=[name]) from None
        if flags & FLAG_ZSTD:
            import zstandard

            try:
                plain = _decompressor().decompress(plain, max_output_size=max_size)
            except zstandard.ZstdError:
                raise IntegrityError(f"The object {name} could not be decompressed.", details=[name]) from None
        return plain


def new_data_key() -> bytes:
    return os.urandom(64)
