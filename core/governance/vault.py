"""A user's vault: the secrets of their user-configured backups (their destination's credentials and
the key their backups are encrypted with), sealed with a key derived from their own password.

The vault key is Argon2id(password, salt) with the parameters in the vault's clear header (checked
against caps before deriving). The content is AES-256-GCM under that key, bound to the user's id.
The app keeps the sealed text in the catalog and the key only in the memory of a process the user
signed in to with their password, so neither an admin nor the app alone can open it. When an admin
resets a user's password, the vault is gone (nobody can re-seal it), and with it the key of the
user's own backups: they stay at the user's destination, readable by nobody. Changing one's own
password (the old one given) re-seals the vault under the new one.

``VaultSecrets`` is the vault as a secret store (the interface of core/secrets.py): the backup code
reads and writes its keys and credentials there, exactly as it does the app's store, and never
falls back to the app's store (an admin's key must never open a user's backups, nor the reverse).
"""

from __future__ import annotations

import base64
import json
import os
import threading

from core.errors import IntegrityError, UnitvaultError, UnsupportedBundleError, WrongPasswordError

VAULT_FORMAT = 1
KDF = {"m_kib": 64 * 1024, "t": 3, "p": 2}
KDF_CAPS = {"m_kib": (8 * 1024, 1024 * 1024), "t": (1, 10), "p": (1, 16)}
MAX_VAULT = 256 * 1024


class VaultLocked(UnitvaultError):
    """The user's vault is needed and this process does not hold its key (no password was given)."""

    kind = "vault_locked"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _ad(user_id: str) -> bytes:
    return b"unitvault vault\x00" + user_id.encode()


def _header(text: str) -> dict:
    if not isinstance(text, str) or len(text) > MAX_VAULT:
        raise IntegrityError("The user's vault is damaged.")
    try:
        doc = json.loads(text)
    except ValueError:
        raise IntegrityError("The user's vault is damaged.") from None
    if not isinstance(doc, dict) or doc.get("format") != VAULT_FORMAT:
        raise IntegrityError("The user's vault is not one this version reads.")
    return doc


def _kdf(doc: dict) -> tuple[dict, bytes]:
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise UnsupportedBundleError("The user's vault uses an unknown key derivation.")
    params = {k: kdf.get(k) for k in KDF_CAPS}
    for name, (lo, hi) in KDF_CAPS.items():
        if type(params[name]) is not int or not lo <= params[name] <= hi:
            raise UnsupportedBundleError("The user's vault asks for key-derivation parameters out of range.")
    try:
        salt = base64.b64decode(kdf.get("salt", ""), validate=True)
    except Exception:
        raise IntegrityError("The user's vault is damaged.") from None
    if len(salt) != 16:
        raise IntegrityError("The user's vault is damaged.")
    return params, salt


def _derive(password: str, params: dict, salt: bytes) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=params["t"], memory_cost=params["m_kib"],
                           parallelism=params["p"], hash_len=32, type=Type.ID)


class VaultKey:
    """The derived key and the header it belongs to (sealing again keeps the same salt)."""

    __slots__ = ("key", "kdf")

    def __init__(self, key: bytes, kdf: dict):
        self.key, self.kdf = key, kdf

    def __repr__(self) -> str:
        return "VaultKey(...)"


def new_key(password: str, kdf: dict | None = None) -> VaultKey:
    params = dict(kdf or KDF)
    salt = os.urandom(16)
    return VaultKey(_derive(password, params, salt), {"name": "argon2id", **params, "salt": _b64(salt)})


def key_for(sealed: str, password: str) -> VaultKey:
    """The key of an existing vault, from the password (nothing is opened yet)."""
    doc = _header(sealed)
    params, salt = _kdf(doc)
    return VaultKey(_derive(password, params, salt), doc["kdf"])


def seal(key: VaultKey, user_id: str, content: dict) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    body = json.dumps(content, separators=(",", ":"), sort_keys=True).encode()
    sealed = AESGCM(key.key).encrypt(nonce, body, _ad(user_id))
    return json.dumps({"format": VAULT_FORMAT, "kdf": key.kdf, "nonce": _b64(nonce), "sealed": _b64(sealed)},
                      separators=(",", ":"))


def open_vault(key: VaultKey, user_id: str, sealed: str) -> dict:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    doc = _header(sealed)
    try:
        nonce = base64.b64decode(doc.get("nonce", ""), validate=True)
        body = base64.b64decode(doc.get("sealed", ""), validate=True)
    except Exception:
        raise IntegrityError("The user's vault is damaged.") from None
    if len(nonce) != 12 or doc.get("kdf") != key.kdf:
        raise WrongPasswordError("The password does not open this user's vault.")
    try:
        plain = AESGCM(key.key).decrypt(nonce, body, _ad(user_id))
    except InvalidTag:
        raise WrongPasswordError("The password does not open this user's vault.") from None
    content = json.loads(plain)
    return content if isinstance(content, dict) else {}


class VaultSecrets:
    """The vault's secrets as a secret store; ``changed`` tells the caller to seal and save it again."""

    backend_name = "vault"

    def __init__(self, content: dict | None = None):
        raw = (content or {}).get("secrets", {})
        self._values: dict[str, bytes] = {k: base64.b64decode(v) for k, v in raw.items()
                                          if isinstance(k, str) and isinstance(v, str)}
        self._lock = threading.Lock()
        self.changed = False

    def get(self, name: str) -> bytes | None:
        with self._lock:
            return self._values.get(name)

    def set(self, name: str, value: bytes) -> None:
        from core.secrets import _check_name

        _check_name(name)
        with self._lock:
            if self._values.get(name) != bytes(value):
                self._values[name] = bytes(value)
                self.changed = True

    def delete(self, name: str) -> None:
        with self._lock:
            if self._values.pop(name, None) is not None:
                self.changed = True

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._values)

    def content(self) -> dict:
        with self._lock:
            return {"secrets": {k: _b64(v) for k, v in sorted(self._values.items())}}

    def __repr__(self) -> str:
        return f"VaultSecrets({len(self._values)} secrets)"
