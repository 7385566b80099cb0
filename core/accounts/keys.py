"""Account key objects (``accounts/<uuid>/key``): what each one holds and how each is opened.

- ``app`` (format 1 and 2): the 64-byte data key wrapped by a 32-byte key in the app's secret store
  (``account-key.<uuid>``). Format 2 adds a **recovery slot** when an organisation recovery key is
  configured: the same data key sealed to the recovery X25519 public key, so a fresh installation
  holding the recovery key file opens every app-held backup.
- ``owner`` format 1: the data key wrapped by Argon2id(passphrase) (every backup needs the passphrase).
- ``owner`` format 2, **write-only**: the owner's X25519 public key, the app's 32-byte write secret
  sealed to it, and a tag made with a key only the owner can derive (so nobody can slip in another
  write secret). The app stores the write secret, never the owner's private key, which comes from
  the passphrase (Argon2id) or from an owner key file.

Everything read from a key object is checked (formats, lengths, KDF caps before deriving).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field

from core.accounts.crypto import AccountKeys, open_sealed_to, seal_to, x25519_private, x25519_public_of
from core.errors import (
    IntegrityError,
    InvalidInputError,
    PassphraseRequired,
    UnsupportedBundleError,
    WrongPasswordError,
)

KEY_FORMAT_V1 = 1
KEY_FORMAT = 2
# Caps checked before deriving, so a hostile key object cannot make us allocate gigabytes.
KDF_CAPS = {"m_kib": (8 * 1024, 1024 * 1024), "t": (1, 10), "p": (1, 16)}
DEFAULT_KDF = {"m_kib": 64 * 1024, "t": 3, "p": 2}
MAX_KEY_OBJECT = 16 * 1024
RECOVERY_INFO = b"unitvault repository v2 recovery slot"
WRITE_SECRET_INFO = b"unitvault repository v2 owner write secret"
OWNER_KEY_PREFIX = "UVOWN1-"
ACCOUNT_KEY_PREFIX = "UVACC1-"


@dataclass(frozen=True)
class Credentials:
    """What a caller can offer to open an account's key, besides the app's own secrets."""

    passphrase: str | None = field(default=None, repr=False)     # the owner's passphrase
    owner_key: bytes | None = field(default=None, repr=False)    # the owner's key file (instead of a passphrase)
    recovery: bytes | None = field(default=None, repr=False)     # the organisation's recovery private key
    account_key: bytes | None = field(default=None, repr=False)  # an app-held account key from its printed kit

    @property
    def has_owner_secret(self) -> bool:
        return bool(self.passphrase) or self.owner_key is not None

    @classmethod
    def of(cls, passphrase=None, credentials: Credentials | None = None) -> Credentials:
        if credentials is not None:
            return credentials if passphrase is None else Credentials(passphrase, credentials.owner_key,
                                                                      credentials.recovery, credentials.account_key)
        return cls(passphrase=passphrase)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s, name: str, size: int | None = None, max_size: int = 4096) -> bytes:
    if not isinstance(s, str) or len(s) > max_size:
        raise IntegrityError(f"The object {name} is malformed.", details=[name])
    try:
        raw = base64.b64decode(s, validate=True)
    except Exception:
        raise IntegrityError(f"The object {name} is malformed.", details=[name]) from None
    if size is not None and len(raw) != size:
        raise IntegrityError(f"The object {name} is malformed.", details=[name])
    return raw


def _wrap_ad(account_id: str, mode: str) -> bytes:
    return b"unitvault key\x00" + account_id.encode() + b"\x00" + mode.encode()


def parse_key_doc(raw: bytes, account_id: str, name: str) -> dict:
    """The key object's JSON, checked for shape; never trusted beyond that."""
    if len(raw) > MAX_KEY_OBJECT:
        raise IntegrityError(f"The object {name} is too large to be a key.", details=[name])
    try:
        doc = json.loads(raw)
    except Exception:
        raise IntegrityError(f"The object {name} is damaged.", details=[name]) from None
    if not isinstance(doc, dict) or doc.get("account") != account_id:
        raise IntegrityError(f"The object {name} is not the key of account {account_id}.", details=[name])
    if doc.get("format") not in (KEY_FORMAT_V1, KEY_FORMAT) or doc.get("mode") not in ("app", "owner"):
        raise IntegrityError(f"The key of account {account_id} is not one this version reads.", details=[name])
    return doc


def is_write_only(doc: dict) -> bool:
    return doc.get("mode") == "owner" and doc.get("format") == KEY_FORMAT


# --- Argon2id ------------------------------------------------------------------------------------
def derive_owner_key(passphrase: str, salt: bytes, kdf: dict) -> bytes:
    for name, (lo, hi) in KDF_CAPS.items():
        value = kdf.get(name)
        if type(value) is not int or not lo <= value <= hi:
            raise UnsupportedBundleError("The account key asks for key-derivation parameters out of range.")
    if len(salt) != 16:
        raise UnsupportedBundleError("The account key has a salt of the wrong size.")
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(passphrase.encode("utf-8"), salt, time_cost=kdf["t"], memory_cost=kdf["m_kib"],
                           parallelism=kdf["p"], hash_len=32, type=Type.ID)


def _kdf_of(doc: dict, name: str) -> tuple[dict, bytes]:
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise UnsupportedBundleError("The account key uses an unknown key derivation.")
    return {k: kdf.get(k) for k in ("m_kib", "t", "p")}, _unb64(kdf.get("salt"), name, 16)


# --- app-held keys, and owner keys of format 1 ---------------------------------------------------------
def recipient_id(public_key: bytes) -> str:
    """A short, public name for a recovery public key (to tell whether a slot is for the configured one)."""
    return hashlib.sha256(b"unitvault recovery recipient\x00" + public_key).hexdigest()[:16]


def recovery_slot(account_id: str, data_key: bytes, public_key: bytes) -> dict:
    return {"recipient": recipient_id(public_key),
            "sealed": _b64(seal_to(public_key, data_key, RECOVERY_INFO, _wrap_ad(account_id, "recovery")))}


def app_key_doc(account_id: str, data_key: bytes, app_key: bytes, recovery_public: bytes | None) -> dict:
    nonce = os.urandom(12)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    doc: dict = {"format": KEY_FORMAT, "account": account_id, "mode": "app", "nonce": _b64(nonce),
                 "wrapped": _b64(AESGCM(app_key).encrypt(nonce, data_key, _wrap_ad(account_id, "app")))}
    if recovery_public is not None:
        doc["recovery"] = recovery_slot(account_id, data_key, recovery_public)
    return doc


def owner_v1_key_doc(account_id: str, data_key: bytes, passphrase: str, kdf: dict | None = None) -> dict:
    """Format 1 owner key (kept for tests of reading version 1; new owner keys are write-only)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kdf = dict(kdf or DEFAULT_KDF)
    salt = os.urandom(16)
    wrapping = derive_owner_key(passphrase, salt, kdf)
    nonce = os.urandom(12)
    return {"format": KEY_FORMAT_V1, "account": account_id, "mode": "owner",
            "kdf": {"name": "argon2id", **kdf, "salt": _b64(salt)}, "nonce": _b64(nonce),
            "wrapped": _b64(AESGCM(wrapping).encrypt(nonce, data_key, _wrap_ad(account_id, "owner")))}


def recovery_recipient(doc: dict) -> str | None:
    slot = doc.get("recovery")
    return slot.get("recipient") if isinstance(slot, dict) and isinstance(slot.get("recipient"), str) else None


def open_symmetric(doc: dict, account_id: str, name: str, *, app_key: bytes | None,
                   creds: Credentials) -> tuple[bytes, str]:
    """(the 64-byte data key, what opened it: "app", "account", "recovery" or "owner") of an app key
    or a format-1 owner key."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    mode = doc["mode"]
    if mode == "app":
        keys_to_try = [(k, how) for k, how in ((app_key, "app"), (creds.account_key, "account")) if k is not None]
        for key, how in keys_to_try:
            if len(key) != 32:
                continue
            try:
                return AESGCM(key).decrypt(_unb64(doc.get("nonce"), name, 12), _unb64(doc.get("wrapped"), name),
                                           _wrap_ad(account_id, "app")), how
            except InvalidTag:
                continue
        if creds.recovery is not None:
            slot = doc.get("recovery")
            if not isinstance(slot, dict):
                raise WrongPasswordError(f"The key of account {account_id} has no recovery slot (it was made "
                                         "before a recovery key was configured, and not backed up since).",
                                         hint="The account's exported key opens it.", kind="no_recovery_slot")
            data_key = open_sealed_to(x25519_private(creds.recovery), _unb64(slot.get("sealed"), name),
                                      RECOVERY_INFO, _wrap_ad(account_id, "recovery"))
            if data_key is None or len(data_key) != 64:
                raise WrongPasswordError(f"The recovery key does not open the key of account {account_id}.",
                                         kind="wrong_recovery_key")
            return data_key, "recovery"
        if keys_to_try:
            raise IntegrityError(f"The app key does not open the key of account {account_id}.", details=[name])
        raise PassphraseRequired(f"The key of account {account_id} is not in this installation's secrets.",
                                 hint="The organisation's recovery key or the account's exported key opens it.",
                                 kind="app_key_missing", data={"account": account_id})
    if not creds.passphrase:
        raise PassphraseRequired(f"Account {account_id} uses an owner-held key; its owner's passphrase is needed.",
                                 data={"account": account_id})
    kdf, salt = _kdf_of(doc, name)
    wrapping = derive_owner_key(creds.passphrase, salt, kdf)
    try:
        return AESGCM(wrapping).decrypt(_unb64(doc.get("nonce"), name, 12), _unb64(doc.get("wrapped"), name),
                                        _wrap_ad(account_id, "owner")), "owner"
    except InvalidTag:
        raise WrongPasswordError("The owner's passphrase does not open this account's key.",
                                 hint="Check the passphrase (it is case-sensitive).") from None


# --- owner-held, write-only keys (format 2) ----------------------------------------------------------
@dataclass(frozen=True)
class OwnerWriter:
    """What the app keeps (in its secret store) to write an owner-held account unattended: the write
    secret, and the public parts of the owner's key object (to recreate it at a new destination and
    to notice a key object that was swapped)."""

    write_secret: bytes = field(repr=False)
    owner_public: bytes
    kdf: dict            # {"name": "argon2id", m_kib, t, p, salt} or {"name": "key-file"}
    auth: bytes

    def to_secret(self) -> bytes:
        return json.dumps({"scheme": "write-only", "write_secret": _b64(self.write_secret),
                           "owner_public": _b64(self.owner_public), "kdf": self.kdf,
                           "auth": _b64(self.auth)}, sort_keys=True).encode()

    @classmethod
    def from_secret(cls, raw: bytes) -> OwnerWriter | None:
        try:
            d = json.loads(raw)
            if d.get("scheme") != "write-only":
                return None
            return cls(_unb64(d["write_secret"], "secret", 32), _unb64(d["owner_public"], "secret", 32),
                       dict(d["kdf"]), _unb64(d["auth"], "secret", 32))
        except (ValueError, KeyError, TypeError, AttributeError, IntegrityError):
            return None

    def key_doc(self, account_id: str) -> dict:
        return {"format": KEY_FORMAT, "account": account_id, "mode": "owner", "scheme": "write-only",
                "kdf": self.kdf, "owner_public": _b64(self.owner_public),
                "write_secret": _b64(seal_to(self.owner_public, self.write_secret, WRITE_SECRET_INFO,
                                             _wrap_ad(account_id, "owner-write"))),
                "auth": _b64(self.auth)}

    def matches(self, doc: dict, name: str) -> bool:
        return (_unb64(doc.get("owner_public"), name, 32) == self.owner_public
                and _unb64(doc.get("auth"), name, 32) == self.auth and doc.get("kdf") == self.kdf)


def _owner_material(creds: Credentials, kdf: dict, name: str) -> bytes:
    """The 32 bytes behind the owner's key pair: Argon2id of the passphrase, or the key file itself."""
    if kdf.get("name") == "key-file":
        if creds.owner_key is None:
            raise PassphraseRequired("This account's owner reads its backups with a key file, not a passphrase.",
                                     kind="owner_key_file_missing")
        return creds.owner_key
    if not creds.passphrase:
        raise PassphraseRequired("Reading this account's backups needs the owner's passphrase.")
    params, salt = _kdf_of({"kdf": kdf}, name)
    return derive_owner_key(creds.passphrase, salt, params)


def _owner_pair(material: bytes) -> tuple[bytes, bytes, bytes]:
    """(private, public, auth key) from the owner's material."""
    from core.accounts.crypto import hkdf

    private = hkdf(material, b"unitvault owner x25519 key")
    return private, x25519_public_of(private), hkdf(material, b"unitvault owner authentication key")


def _auth_tag(auth_key: bytes, account_id: str, owner_public: bytes, write_secret: bytes) -> bytes:
    return hmac.new(auth_key, b"unitvault owner key\x00" + account_id.encode() + b"\x00" + owner_public + write_secret,
                    hashlib.sha256).digest()


def new_owner_writer(account_id: str, creds: Credentials, kdf_params: dict | None = None) -> OwnerWriter:
    """A new write-only owner key: the owner's key pair from the passphrase (new salt) or key file."""
    if creds.owner_key is not None:
        kdf: dict = {"name": "key-file"}
    elif creds.passphrase:
        params = dict(kdf_params or DEFAULT_KDF)
        kdf = {"name": "argon2id", **params, "salt": _b64(os.urandom(16))}
    else:
        raise PassphraseRequired("An owner-held key needs the owner's passphrase (or key file) once, to be made.",
                                 data={"account": account_id})
    _private, public, auth_key = _owner_pair(_owner_material(creds, kdf, "new key"))
    write_secret = os.urandom(32)
    return OwnerWriter(write_secret, public, kdf, _auth_tag(auth_key, account_id, public, write_secret))


def open_write_only(doc: dict, account_id: str, name: str, creds: Credentials) -> tuple[OwnerWriter, object]:
    """With the owner's passphrase or key file: (the writer's record, the owner's private key), the key
    object checked against the owner's authentication tag."""
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") not in ("argon2id", "key-file"):
        raise UnsupportedBundleError("The account key uses an unknown key derivation.")
    private, public, auth_key = _owner_pair(_owner_material(creds, kdf, name))
    if _unb64(doc.get("owner_public"), name, 32) != public:
        raise WrongPasswordError("The owner's passphrase or key file does not open this account's key.",
                                 hint="Check the passphrase (it is case-sensitive) or the key file.")
    priv = x25519_private(private)
    secret = open_sealed_to(priv, _unb64(doc.get("write_secret"), name), WRITE_SECRET_INFO,
                            _wrap_ad(account_id, "owner-write"))
    auth = _unb64(doc.get("auth"), name, 32)
    if secret is None or len(secret) != 32 or not hmac.compare_digest(
            auth, _auth_tag(auth_key, account_id, public, secret)):
        raise IntegrityError(f"The object {name} was not made with the owner's key (changed at the destination).",
                             details=[name])
    return OwnerWriter(secret, public, dict(kdf), auth), priv


def writer_keys(account_id: str, writer: OwnerWriter, sessions=None) -> AccountKeys:
    return AccountKeys.from_write_secret(account_id, writer.write_secret, writer.owner_public, sessions=sessions)


# --- text forms: owner key files and exported account keys --------------------------------------------
def generate_owner_key() -> bytes:
    return os.urandom(32)


def format_owner_key(raw: bytes) -> str:
    from core.bundle.keys import format_key

    return format_key(OWNER_KEY_PREFIX, raw)


def format_account_key(raw: bytes) -> str:
    from core.bundle.keys import format_key

    return format_key(ACCOUNT_KEY_PREFIX, raw)


def parse_owner_key(text: str) -> bytes:
    from core.bundle.keys import parse_key

    return parse_key(OWNER_KEY_PREFIX, text, "owner key")


def parse_account_key(text: str) -> bytes:
    from core.bundle.keys import parse_key

    return parse_key(ACCOUNT_KEY_PREFIX, text, "account key")


def load_owner_key(path) -> bytes:
    """The owner's key from an owner key file (read with the secret-file cap)."""
    from core.logsetup import register_secret
    from core.support.secretfiles import read_secret_file

    key = parse_owner_key(read_secret_file(path, "owner key"))
    register_secret(format_owner_key(key))
    return key


def load_account_key(path) -> bytes:
    """An app-held account key from the text of its kit (read with the secret-file cap)."""
    from core.logsetup import register_secret
    from core.support.secretfiles import read_secret_file

    key = parse_account_key(read_secret_file(path, "account key"))
    register_secret(format_account_key(key))
    return key


def check_public_key(public: bytes) -> bytes:
    if not isinstance(public, (bytes, bytearray)) or len(public) != 32:
        raise InvalidInputError("A public key must be 32 bytes.")
    return bytes(public)
