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


# --- the signed-in user's password (kept apart from bundle passwords) ----------------------------------------
USER_PASSWORD_ENV = "UNITVAULT_USER_PASSWORD"
TOKEN_ENV = "UNITVAULT_BACKUP_TOKEN"


def add_user_options(parser: argparse.ArgumentParser) -> None:
    """Global: who signs in, and where their password comes from (never argv)."""
    group = parser.add_argument_group("signing in (once the installation has users)")
    # dest differs from "user": a command's own --user (an SFTP login) must never change who signs in
    group.add_argument("--user", dest="sign_in_user", metavar="USERNAME", help="sign in as USERNAME (password from --user-password-file, "
                                                          f"{USER_PASSWORD_ENV} or a prompt; none for a password-less "
                                                          "user of this OS login)")
    group.add_argument("--user-password-file", metavar="F", help="read the user's password from file F")


def user_password(args: argparse.Namespace, *, prompt: str = "Password for {user}: ",
                  required: bool = True) -> str | None:
    """The signed-in user's password: --user-password-file, UNITVAULT_USER_PASSWORD, or a prompt on a TTY."""
    if getattr(args, "user_password_file", None):
        password = secret_from_file(args.user_password_file, "user password")
    elif os.environ.get(USER_PASSWORD_ENV):
        password = os.environ[USER_PASSWORD_ENV]
    elif sys.stdin.isatty():
        password = getpass.getpass(prompt.format(user=getattr(args, "sign_in_user", None) or "you"))
    elif required:
        raise InvalidInputError("No password given for the user.",
                                hint=f"Use --user-password-file F or {USER_PASSWORD_ENV}, or run on a terminal.")
    else:
        return None
    register_secret(password)
    return password


def new_password(args: argparse.Namespace, file_attr: str = "password_file", what: str = "new password") -> str:
    """A password being set (a new user's, or one's own new one): from a file, or asked twice on a TTY."""
    path = getattr(args, file_attr, None)
    if path:
        password = secret_from_file(path, what)
    elif sys.stdin.isatty():
        password = getpass.getpass(f"{what[0].upper()}{what[1:]}: ")
        if getpass.getpass("Repeat it: ") != password:
            raise InvalidInputError("The two passwords differ.")
    else:
        raise InvalidInputError(f"No {what} given.", hint=f"Use --{file_attr.replace('_', '-')} F, or run on a terminal.")
    register_secret(password)
    return password


# --- backup tokens ------------------------------------------------------------------------------------------
def add_token_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("backup token (once the installation has users; never on the command line)")
    src = group.add_mutually_exclusive_group()
    src.add_argument("--token-file", metavar="F", help="read your backup token from file F")
    src.add_argument("--token-stdin", action="store_true", help=f"read your backup token from standard input "
                                                                f"(or set {TOKEN_ENV})")


def backup_token(args: argparse.Namespace) -> str | None:
    """The backup token from --token-file, --token-stdin or UNITVAULT_BACKUP_TOKEN (None: not given;
    core says whether one is needed)."""
    if getattr(args, "token_file", None):
        token = secret_from_file(args.token_file, "token")
    elif getattr(args, "token_stdin", False):
        if getattr(args, "password_stdin", False) or getattr(args, "secret_stdin", False):
            raise InvalidInputError("Standard input can carry one secret; give the token with --token-file instead.")
        token = read_stdin_secret()
    else:
        token = os.environ.get(TOKEN_ENV) or None
    if token:
        token = token.strip()
        register_secret(token)
    return token or None


def use_token(args: argparse.Namespace, ctx) -> None:
    """Put the token on the context for the one use case this command calls."""
    ctx.backup_token = backup_token(args)
