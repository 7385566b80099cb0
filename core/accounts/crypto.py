"""The account's keys and the one way every repository object is sealed.

- The data key (64 random bytes) = an AES-256-GCM key for objects + an HMAC-SHA256 key for blob ids.
  It is stored at the destination only wrapped: by a 32-byte key the app holds in its secret store
  ("app" mode, secret ``account-key.<uuid>``) or by a key derived from the owner's passphrase with
  Argon2id ("owner" mode; the passphrase is never stored).
- A sealed object is ``UVO1 | flags | nonce(12) | AES-GCM(ciphertext+tag)``; the associated data names
  the account, the object's kind and its id (and any clear header), so an object renamed or moved to
  another account fails to authenticate. ``flags`` bit 0 = zstd-compressed plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from dataclasses import dataclass
from functools import cached_property

from core.errors import IntegrityError, UnsupportedBundleError, WrongPasswordError

MAGIC = b"UVO1"
FLAG_ZSTD = 1
KEY_FORMAT = 1
# Caps checked before deriving, so a hostile key file cannot make us allocate gigabytes.
KDF_CAPS = {"m_kib": (8 * 1024, 1024 * 1024), "t": (1, 10), "p": (1, 16)}
DEFAULT_KDF = {"m_kib": 64 * 1024, "t": 3, "p": 2}
MAX_OBJECT_PLAINTEXT = 64 << 20
SAMPLE = 64 << 10
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


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s) -> bytes:
    try:
        return base64.b64decode(s, validate=True)
    except Exception:
        raise IntegrityError("The account key file is malformed.") from None


def associated_data(account_id: str, kind: str, object_id: str, extra: bytes = b"") -> bytes:
    return b"unitvault\x00" + account_id.encode() + b"\x00" + kind.encode() + b"\x00" + object_id.encode() + b"\x00" + extra


@dataclass(frozen=True)
class AccountKeys:
    account_id: str
    enc_key: bytes
    id_key: bytes

    @classmethod
    def from_data_key(cls, account_id: str, data_key: bytes) -> AccountKeys:
        if len(data_key) != 64:
            raise IntegrityError("The account's data key has the wrong length.")
        return cls(account_id, data_key[:32], data_key[32:])

    @cached_property
    def _aead(self):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self.enc_key)

    def blob_id(self, data) -> str:
        """The keyed hash naming a blob; the content's plain hash never leaves the machine."""
        return hmac.new(self.id_key, data, hashlib.sha256).hexdigest()

    def seal(self, kind: str, object_id: str, plaintext, *, compress: bool = False, extra_ad: bytes = b"",
             level: int = 3) -> bytes:
        flags = 0
        if compress:
            packed = compress_if_useful(plaintext, level)
            if packed is not None:
                plaintext, flags = packed, FLAG_ZSTD
        nonce = os.urandom(12)
        ad = associated_data(self.account_id, kind, object_id, extra_ad) + bytes([flags])
        return MAGIC + bytes([flags]) + nonce + self._aead.encrypt(nonce, plaintext, ad)

    def open(self, kind: str, object_id: str, sealed, *, name: str, extra_ad: bytes = b"",
             max_size: int = MAX_OBJECT_PLAINTEXT) -> bytes:
        """Authenticate and decrypt; any failure raises IntegrityError naming ``name``."""
        from cryptography.exceptions import InvalidTag

        sealed = memoryview(sealed)
        if len(sealed) < 4 + 1 + 12 + 16 or bytes(sealed[:4]) != MAGIC:
            raise IntegrityError(f"The object {name} is damaged (bad header).", details=[name])
        flags = sealed[4]
        nonce = bytes(sealed[5:17])
        ad = associated_data(self.account_id, kind, object_id, extra_ad) + bytes([flags])
        try:
            plain = self._aead.decrypt(nonce, sealed[17:], ad)
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


def _wrap_ad(account_id: str, mode: str) -> bytes:
    return b"unitvault key\x00" + account_id.encode() + b"\x00" + mode.encode()


def derive_owner_key(passphrase: str, salt: bytes, kdf: dict) -> bytes:
    for name, (lo, hi) in KDF_CAPS.items():
        value = kdf.get(name)
        if not isinstance(value, int) or not lo <= value <= hi:
            raise UnsupportedBundleError("The account key file asks for key-derivation parameters out of range.")
    if len(salt) != 16:
        raise UnsupportedBundleError("The account key file has a salt of the wrong size.")
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(passphrase.encode("utf-8"), salt, time_cost=kdf["t"], memory_cost=kdf["m_kib"],
                           parallelism=kdf["p"], hash_len=32, type=Type.ID)


def wrap_data_key(account_id: str, data_key: bytes, *, mode: str, app_key: bytes | None = None,
                  passphrase: str | None = None, kdf: dict | None = None) -> dict:
    """The key file's content (JSON-ready): the data key wrapped by the app key or the passphrase."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    doc: dict = {"format": KEY_FORMAT, "account": account_id, "mode": mode}
    if mode == "app":
        wrapping = app_key
    else:
        kdf = dict(kdf or DEFAULT_KDF)
        salt = os.urandom(16)
        wrapping = derive_owner_key(passphrase or "", salt, kdf)
        doc["kdf"] = {"name": "argon2id", **kdf, "salt": _b64(salt)}
    nonce = os.urandom(12)
    doc["nonce"] = _b64(nonce)
    doc["wrapped"] = _b64(AESGCM(wrapping).encrypt(nonce, data_key, _wrap_ad(account_id, mode)))
    return doc


def unwrap_data_key(doc: dict, account_id: str, *, app_key: bytes | None = None,
                    passphrase: str | None = None) -> AccountKeys:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT or doc.get("account") != account_id:
        raise IntegrityError(f"The key file of account {account_id} is not one this version reads.")
    mode = doc.get("mode")
    if mode == "app":
        if app_key is None:
            raise IntegrityError(f"The app key of account {account_id} is not in this installation's secrets.")
        wrapping = app_key
    elif mode == "owner":
        kdf = doc.get("kdf") or {}
        if kdf.get("name") != "argon2id":
            raise UnsupportedBundleError("The account key file uses an unknown key derivation.")
        wrapping = derive_owner_key(passphrase or "", _unb64(kdf.get("salt", "")),
                                    {k: kdf.get(k) for k in ("m_kib", "t", "p")})
    else:
        raise IntegrityError(f"The key file of account {account_id} has an unknown mode.")
    try:
        data_key = AESGCM(wrapping).decrypt(_unb64(doc.get("nonce", "")), _unb64(doc.get("wrapped", "")),
                                            _wrap_ad(account_id, mode))
    except (InvalidTag, ValueError):
        if mode == "owner":
            raise WrongPasswordError("The owner's passphrase does not open this account's key.",
                                     hint="Check the passphrase (it is case-sensitive).") from None
        raise IntegrityError(f"The app key does not open the key file of account {account_id}.") from None
    return AccountKeys.from_data_key(account_id, data_key)
