"""Reading secrets (passwords, passphrases, keys) from files: bounded, one trailing newline stripped,
and a warning when others may read the file."""

from __future__ import annotations

import os
import stat

MAX_SECRET_FILE = 64 * 1024


def strip_one_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


def read_secret_file(path, what: str = "password") -> str:
    """The file's text without one trailing newline. A file larger than 64 KiB is refused before it
    is read whole (a password file that is really a disk image must not fill memory)."""
    from core.errors import InvalidInputError

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SECRET_FILE + 1)
    except FileNotFoundError:
        raise InvalidInputError(f"The {what} file {path} does not exist.") from None
    except OSError as exc:
        raise InvalidInputError(f"Cannot read the {what} file {path} ({exc.strerror or type(exc).__name__}).") from None
    if len(data) > MAX_SECRET_FILE:
        raise InvalidInputError(f"The {what} file {path} is larger than {MAX_SECRET_FILE // 1024} KiB; it cannot "
                                f"be a {what} file.")
    try:
        return strip_one_newline(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInputError(f"The {what} file {path} is not UTF-8 text.") from None


def readable_by_others(path) -> bool:
    """True when the group or everyone may read ``path`` (a secret file should be 0600)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and bool(mode & (stat.S_IRGRP | stat.S_IROTH))
