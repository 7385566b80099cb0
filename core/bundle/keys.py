"""File keys and key slots: Argon2id password slots, X25519 recovery slots, raw-key slots (spec §4).

Every slot wraps the same random 32-byte file key with AES-256-GCM under a one-time wrapping key
(nonce: 12 zero bytes, which is safe because each wrapping key is used exactly once: it depends on
a fresh random salt or ephemeral key). A failed unwrap means the credential is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time

from core.bundle import limits as L
from core.bundle.header import KdfParams, PasswordSlot, Slot, check_kdf, decode_password_slot, encode_password_slot
from core.errors import InvalidInputError, UnsupportedBundleError, WrongPasswordError

_ZERO_NONCE = bytes(12)
INFO_PASSWORD = b"unitvault bundle v1 password slot"
INFO_RECOVERY = b"unitvault bundle v1 recovery slot"
INFO_RAW_KEY = b"unitvault bundle v1 raw-key slot"


def random_bytes(n: int) -> bytes:
    """All randomness a writer uses comes from here (the test-vector generator replaces it)."""
    return os.urandom(n)


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _wrap(wrap_key: bytes, file_key: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(wrap_key).encrypt(_ZERO_NONCE, file_key, None)


def _unwrap(wrap_key: bytes, wrapped: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(wrap_key).decrypt(_ZERO_NONCE, wrapped, None)
    except InvalidTag:
        return None


def new_file_key() -> bytes:
    return random_bytes(L.FILE_KEY_SIZE)


# --- Argon2id ------------------------------------------------------------------------------------
def argon2id(password: str, salt: bytes, kdf: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=kdf.t, memory_cost=kdf.m_kib,
                           parallelism=kdf.p, hash_len=32, type=Type.ID)


def check_writer_kdf(kdf: KdfParams) -> None:
    """A writer never goes below the spec's floor (nor above what readers accept)."""
    if kdf.m_kib < L.KDF_FLOOR_M or kdf.t < L.KDF_FLOOR_T or kdf.p < L.KDF_FLOOR_P:
        raise InvalidInputError(
            f"Key-derivation parameters below the floor (memory {L.KDF_FLOOR_M} KiB, {L.KDF_FLOOR_T} passes).")
    try:
        check_kdf(kdf)
    except UnsupportedBundleError as exc:
        raise InvalidInputError(exc.message) from None


def password_slot(password: str, file_key: bytes, kdf: KdfParams) -> Slot:
    salt = random_bytes(L.SALT_SIZE)
    wrap_key = _hkdf(argon2id(password, salt, kdf), b"", INFO_PASSWORD)
    return encode_password_slot(kdf, salt, _wrap(wrap_key, file_key))


def open_password_slot(slot: Slot, password: str) -> bytes:
    ps: PasswordSlot = decode_password_slot(slot)   # caps checked again, before the KDF
    wrap_key = _hkdf(argon2id(password, ps.salt, ps.kdf), b"", INFO_PASSWORD)
    key = _unwrap(wrap_key, ps.wrapped)
    if key is None:
        raise WrongPasswordError("The password is wrong for this bundle.")
    return key


def raw_key_slot(raw_key: bytes, file_key: bytes) -> Slot:
    _check_raw_key(raw_key)
    salt = random_bytes(L.SALT_SIZE)
    return Slot(L.SLOT_RAW_KEY, salt + _wrap(_hkdf(raw_key, salt, INFO_RAW_KEY), file_key))


def open_raw_key_slot(slot: Slot, raw_key: bytes) -> bytes:
    _check_raw_key(raw_key)
    salt, wrapped = slot.body[:L.SALT_SIZE], slot.body[L.SALT_SIZE:]
    key = _unwrap(_hkdf(raw_key, salt, INFO_RAW_KEY), wrapped)
    if key is None:
        raise WrongPasswordError("The key held by the app does not open this bundle (not the right password or key).")
    return key


def _check_raw_key(raw_key: bytes) -> None:
    if not isinstance(raw_key, (bytes, bytearray)) or len(raw_key) != 32:
        raise InvalidInputError("A raw bundle key must be 32 bytes.")


# --- X25519 recovery slot (age-style) ------------------------------------------------------------
def recovery_slot(public_key: bytes, file_key: bytes) -> Slot:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    if len(public_key) != 32:
        raise InvalidInputError("A recovery public key must be 32 bytes.")
    eph = X25519PrivateKey.from_private_bytes(random_bytes(32))
    eph_pub = _raw_public(eph.public_key())
    shared = eph.exchange(X25519PublicKey.from_public_bytes(public_key))
    if shared == bytes(32):
        raise InvalidInputError("The recovery public key is not usable.")
    wrap_key = _hkdf(shared, eph_pub + public_key, INFO_RECOVERY)
    return Slot(L.SLOT_RECOVERY, eph_pub + _wrap(wrap_key, file_key))


def open_recovery_slot(slot: Slot, identity: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    if not isinstance(identity, (bytes, bytearray)) or len(identity) != 32:
        raise InvalidInputError("A recovery key must be 32 bytes.")
    priv = X25519PrivateKey.from_private_bytes(bytes(identity))
    eph_pub, wrapped = slot.body[:32], slot.body[32:]
    try:
        shared = priv.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    except ValueError:
        shared = bytes(32)
    key = None
    if shared != bytes(32):
        key = _unwrap(_hkdf(shared, eph_pub + _raw_public(priv.public_key()), INFO_RECOVERY), wrapped)
    if key is None:
        raise WrongPasswordError("The recovery key does not open this bundle (use the bundle's password instead).")
    return key


def _raw_public(pub) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def generate_recovery_key() -> tuple[bytes, bytes]:
    """A new recovery key pair: (private 32 bytes, public 32 bytes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    priv = X25519PrivateKey.generate()
    raw = priv.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    return raw, _raw_public(priv.public_key())


def public_from_private(private: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return _raw_public(X25519PrivateKey.from_private_bytes(private).public_key())


# --- text form of recovery keys: "UVPUB1-<base32>" / "UVSEC1-<base32>" ------------------------------
PUB_PREFIX = "UVPUB1-"
SEC_PREFIX = "UVSEC1-"


def _checksum(prefix: str, key: bytes) -> bytes:
    return hashlib.sha256(prefix.encode() + key).digest()[:4]


def format_key(prefix: str, key: bytes) -> str:
    """32-byte key + 4-byte checksum, RFC 4648 base32 without padding (58 characters)."""
    return prefix + base64.b32encode(key + _checksum(prefix, key)).decode().rstrip("=")


def parse_key(prefix: str, text: str, what: str) -> bytes:
    compact = "".join(text.split()).upper()
    match = re.search(re.escape(prefix) + r"([A-Z2-7]{58})", compact)
    if not match:
        raise InvalidInputError(f"No {what} found (it starts with {prefix}).")
    raw = base64.b32decode(match.group(1) + "======")
    key, check = raw[:32], raw[32:]
    if _checksum(prefix, key) != check:
        raise InvalidInputError(f"The {what} has a typo (its checksum does not match).")
    return key


def format_public_key(public: bytes) -> str:
    return format_key(PUB_PREFIX, public)


def parse_public_key(text: str) -> bytes:
    return parse_key(PUB_PREFIX, text, "recovery public key")


def format_private_key(private: bytes) -> str:
    return format_key(SEC_PREFIX, private)


def parse_private_key(text: str) -> bytes:
    return parse_key(SEC_PREFIX, text, "recovery key")


def load_recovery_identity(path) -> bytes:
    """The private recovery key from a ``recovery.key`` file (or any text holding ``UVSEC1-...``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(64 * 1024)
    except FileNotFoundError:
        raise InvalidInputError(f"The recovery key file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Cannot read the recovery key file {path} ({type(exc).__name__}).") from None
    key = parse_private_key(text)
    from core.logsetup import register_secret

    register_secret(format_private_key(key))
    return key


RECOVERY_SETTING = "recovery/public_key"                 # the organisation's public key, text form
KDF_SETTINGS = ("kdf/m_kib", "kdf/t", "kdf/p")             # calibrated Argon2id parameters


def configured_recovery_public_key(settings) -> bytes | None:
    text = settings.get(RECOVERY_SETTING)
    return parse_public_key(text) if text else None


# --- KDF defaults and calibration -------------------------------------------------------------------
def spec_default_kdf() -> KdfParams:
    return KdfParams(L.KDF_DEFAULT_M, L.KDF_DEFAULT_T, L.KDF_DEFAULT_P)


def floor_kdf() -> KdfParams:
    return KdfParams(L.KDF_FLOOR_M, L.KDF_FLOOR_T, L.KDF_FLOOR_P)


def default_kdf(settings=None) -> KdfParams:
    """The spec default unless ``kdf calibrate`` stored values (kdf/m_kib, kdf/t, kdf/p); never below the floor."""
    d = spec_default_kdf()
    if settings is None:
        return d
    m, t, p = KDF_SETTINGS
    kdf = KdfParams(settings.get_int(m, d.m_kib), settings.get_int(t, d.t), settings.get_int(p, d.p))
    try:
        check_writer_kdf(kdf)
    except InvalidInputError:
        return d
    return kdf


def calibrate_kdf(target_seconds: tuple[float, float] = (0.5, 1.0), *, p: int = 2,
                  measure=None) -> KdfParams:
    """Parameters whose Argon2id takes about ``target_seconds`` here, never below the floor.

    Starts at 256 MiB and 2 passes; adds passes (up to the cap), then memory, or lowers memory to the
    floor if even that is too slow. A handful of trial runs, each under about a second.
    """
    lo, hi = target_seconds
    mid = (lo + hi) / 2
    salt = bytes(16)

    def run(k: KdfParams) -> float:
        if measure is not None:          # tests pass a cost model instead of running Argon2id
            return measure(k)
        start = time.perf_counter()
        argon2id("calibration", salt, k)
        return time.perf_counter() - start

    m, t = L.KDF_DEFAULT_M, L.KDF_FLOOR_T
    k = KdfParams(m, t, p)
    took = run(k)
    while took > hi and m > L.KDF_FLOOR_M:
        m //= 2
        k = KdfParams(m, t, p)
        took = run(k)
    if took < lo:
        per_pass = took / t
        want = max(t, min(L.KDF_T_MAX, round(mid / max(per_pass, 1e-6))))
        if want == L.KDF_T_MAX and per_pass * want < lo:
            while m * 2 <= L.KDF_M_MAX and per_pass * want < lo:
                m *= 2
                per_pass *= 2
            want = max(L.KDF_FLOOR_T, min(L.KDF_T_MAX, round(mid / per_pass)))
        k = KdfParams(m, want, p)
    check_writer_kdf(k)
    return k
