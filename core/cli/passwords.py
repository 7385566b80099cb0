"""Where passwords come from on the command line: ``--password-file F``, ``--password-stdin``,
``UNITVAULT_PASSWORD``, or an interactive prompt (asked twice when setting one). Never argv.

Files (and stdin) have one trailing newline stripped, nothing else.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from core.errors import InvalidInputError
from core.logsetup import register_secret

MIN_PASSWORD = 4


def add_password_options(parser: argparse.ArgumentParser, *, recovery: bool = False) -> None:
    group = parser.add_argument_group("password (never given on the command line)")
    src = group.add_mutually_exclusive_group()
    src.add_argument("--password-file", metavar="F", help="read the password from file F (one trailing newline is stripped)")
    src.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    if recovery:
        src.add_argument("--recovery-key", metavar="FILE", help="use the organisation's recovery key FILE instead of a password")


def strip_one_newline(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith("\n"):
        return text[:-1]
    return text


def read_secret_file(path: str, what: str = "password") -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return strip_one_newline(fh.read())
    except FileNotFoundError:
        raise InvalidInputError(f"The {what} file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Cannot read the {what} file {path} ({type(exc).__name__}).") from None


def has_password_source(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "password_file", None) or getattr(args, "password_stdin", False)
                or os.environ.get("UNITVAULT_PASSWORD"))


def get_password(args: argparse.Namespace, *, confirm: bool = False, prompt: str = "Password: ",
                 check_floor: bool = True) -> str:
    """The password from the first source given; prompts only on a TTY."""
    if getattr(args, "password_file", None):
        password = read_secret_file(args.password_file)
    elif getattr(args, "password_stdin", False):
        password = strip_one_newline(sys.stdin.readline())
    elif os.environ.get("UNITVAULT_PASSWORD"):
        password = os.environ["UNITVAULT_PASSWORD"]
    elif sys.stdin.isatty():
        password = getpass.getpass(prompt)
        if confirm:
            again = getpass.getpass("Repeat password: ")
            if again != password:
                raise InvalidInputError("The two passwords differ.")
    else:
        raise InvalidInputError("No password given.",
                                hint="Use --password-file, --password-stdin or UNITVAULT_PASSWORD.")
    register_secret(password)
    if check_floor and len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"The password must have at least {MIN_PASSWORD} characters.")
    return password
