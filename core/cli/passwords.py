"""Where secrets come from on the command line: ``--password-file F``, ``--password-stdin``,
``UNITVAULT_PASSWORD``, or an interactive prompt (asked twice when setting one). Never argv.

Files (and stdin) have one trailing newline stripped, nothing else; a file is read only up to 64 KiB,
and one that others may read gets a warning.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from core.errors import InvalidInputError
from core.logsetup import register_secret
from core.support.secretfiles import read_secret_file, readable_by_others, strip_one_newline

MAX_STDIN_SECRET = 64 * 1024


def add_password_options(parser: argparse.ArgumentParser, *, recovery: bool = False) -> None:
    group = parser.add_argument_group("password (never given on the command line)")
    src = group.add_mutually_exclusive_group()
    src.add_argument("--password-file", metavar="F", help="read the password from file F (one trailing newline is stripped)")
    src.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    if recovery:
        src.add_argument("--recovery-key", metavar="FILE", help="use the organisation's recovery key FILE instead of a password")


def secret_from_file(path: str, what: str = "password") -> str:
    if readable_by_others(path):
        sys.stderr.write(f"unitvault: warning: the {what} file {path} can be read by other users; "
                         f"make it private (chmod 600).\n")
    return read_secret_file(path, what)


def read_stdin_secret() -> str:
    line = sys.stdin.readline(MAX_STDIN_SECRET + 1)
    if len(line) > MAX_STDIN_SECRET:
        raise InvalidInputError("The secret on standard input is longer than 64 KiB.")
    return strip_one_newline(line)


def has_password_source(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "password_file", None) or getattr(args, "password_stdin", False)
                or os.environ.get("UNITVAULT_PASSWORD"))


def get_password(args: argparse.Namespace, *, confirm: bool = False, prompt: str = "Password: ",
                 check_floor: bool = True) -> str:
    """The password from the first source given; prompts only on a TTY. ``check_floor`` refuses a
    password below the floor every new bundle password must reach (before any work is done)."""
    if getattr(args, "password_file", None):
        password = secret_from_file(args.password_file)
    elif getattr(args, "password_stdin", False):
        password = read_stdin_secret()
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
    if check_floor:
        from core.app.bundles import check_password

        check_password(password)
    return password


def owner_passphrase(args: argparse.Namespace, needed: bool) -> str | None:
    """The owner's passphrase when the backup's key is held by its owner (same sources as a password)."""
    if not needed:
        return None
    return get_password(args, prompt="Owner's passphrase: ", check_floor=False)
