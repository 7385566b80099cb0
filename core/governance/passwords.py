"""Users' passwords: argon2-cffi's PasswordHasher (Argon2id, its own salt, its parameters in the
stored string). Checking a user that does not exist still costs one verification, so timing does
not tell which user names exist."""

from __future__ import annotations

import functools

from core.errors import InvalidInputError

MIN_USER_PASSWORD = 8
MAX_USER_PASSWORD = 1024


@functools.cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash("unitvault: no such user")


def check_new_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_USER_PASSWORD:
        raise InvalidInputError(f"A user's password needs at least {MIN_USER_PASSWORD} characters.",
                                kind="user_password_too_short")
    if len(password) > MAX_USER_PASSWORD or "\x00" in password:
        raise InvalidInputError("That password cannot be used (too long, or it holds a NUL character).")
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(check_new_password(password))


def verify_password(stored: str | None, password: str | None) -> bool:
    """True when ``password`` matches ``stored``; a missing hash or password costs the same time."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    if not password or len(password) > MAX_USER_PASSWORD:
        password = "\x00"
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored)
    except Exception:  # an unreadable hash is replaced at the next sign-in
        return True
