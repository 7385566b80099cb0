"""Backup tokens (after OpenProject's): a random secret a user must present to export a unit and to
start a backup or a download. Shown once when made; only its SHA-256 is stored (the token is 256
random bits, so a fast hash is enough) and it is compared in constant time.

A token made by a password-less user (signed in by the OS or SSO, so nobody typed a password for it)
becomes valid only after a waiting period, unless an admin allows it at once."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import secrets

PREFIX = "uvbt_"
DEFAULT_WAIT_HOURS = 24
MAX_TOKEN = 256
NONE, PENDING, VALID = "none", "pending", "valid"


def new_token() -> str:
    return PREFIX + base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=").lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8", "replace")).hexdigest()


def matches(stored_hash: str, presented: str | None) -> bool:
    """Constant time in the token's content: both sides are hashed, then compared with compare_digest."""
    if not stored_hash or not presented or len(presented) > MAX_TOKEN:
        return False
    return hmac.compare_digest(stored_hash.encode(), token_hash(presented).encode())


def valid_from(now: _dt.datetime, *, password_less: bool, wait_hours: int) -> _dt.datetime:
    return now + _dt.timedelta(hours=wait_hours) if password_less else now


def state(record, now_iso: str) -> str:
    """``none`` (no token), ``pending`` (made by a password-less user, not valid yet) or ``valid``."""
    if record is None:
        return NONE
    return PENDING if record.valid_from > now_iso else VALID
