"""Reading a secret from a file the user named (a password file, a key file): bounded, and checked.

A secret file is read with a hard cap (``limit`` bytes, 64 KiB by default): ``/dev/zero``, a huge
file or an endless pipe cost at most that much memory and then give one clear error. A regular file
that its group or everyone may read is reported (``SecretText.warning``), so the shell can warn; the
secret is still used (the user may have reasons), and the warning never contains it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from core.errors import InvalidInputError

DEFAULT_LIMIT = 64 * 1024


@dataclass(frozen=True)
class SecretText:
    text: str = field(repr=False)
    warning: str | None = None


def read_secret(path, *, what: str = "password", limit: int = DEFAULT_LIMIT) -> SecretText:
    """The file's text (UTF-8), at most ``limit`` bytes, with a warning for a group- or world-readable
    regular file. Errors name the file, never its content."""
    shown = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InvalidInputError(f"The {what} file {shown} does not exist.", kind="secret_file_missing",
                                data={"path": shown}) from None
    except OSError as exc:
        raise InvalidInputError(f"Cannot read the {what} file {shown} ({exc.strerror or type(exc).__name__}).",
                                kind="secret_file_unreadable", data={"path": shown}) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InvalidInputError(f"The {what} file {shown} is a directory.", kind="secret_file_unreadable",
                                    data={"path": shown})
        warning = None
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o044:
            who = "everyone" if st.st_mode & 0o004 else "its group"
            warning = (f"The {what} file {shown} can be read by {who} "
                       f"(mode {stat.S_IMODE(st.st_mode):04o}); make it private with chmod 600.")
        parts, got = [], 0
        while got <= limit:
            chunk = os.read(fd, min(64 * 1024, limit + 1 - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        if got > limit:
            raise InvalidInputError(f"The {what} file {shown} is larger than {limit // 1024} KiB; "
                                    f"a {what} file holds one {what}.", kind="secret_file_too_large",
                                    data={"path": shown})
    except OSError as exc:
        raise InvalidInputError(f"Cannot read the {what} file {shown} ({exc.strerror or type(exc).__name__}).",
                                kind="secret_file_unreadable", data={"path": shown}) from None
    finally:
        os.close(fd)
    try:
        text = b"".join(parts).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(f"The {what} file {shown} is not UTF-8 text.", kind="secret_file_unreadable",
                                data={"path": shown}) from None
    return SecretText(text, warning)


def read_secret_text(path, *, what: str = "password", limit: int = DEFAULT_LIMIT) -> str:
    return read_secret(path, what=what, limit=limit).text
