"""``unitvault``: argument parsing, the app context, and the one place that maps errors to exit codes.

Command groups live in ``core/cli/cmd_*.py``; each defines ``register(subparsers)``, which sets
``func(args, ctx) -> int`` on its parsers, and ``COMMANDS``, the top-level commands it registers
(so a command builds only its own group's parsers). A handler parses its arguments into one use case's request
(core/app/), calls it and renders the result; nothing else. Handlers import inside themselves so that
``unitvault --help`` stays fast.

Exit codes: 0 success; 1 error or refusal (one line on stderr, no traceback); 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import core
from core.errors import Cancelled, UnitvaultError
from core.logsetup import get_logger, redact

log = get_logger("cli")


def command_modules() -> list:
    import core.cli as pkg

    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("cmd_"))
    return [importlib.import_module(f"core.cli.{n}") for n in names]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``command`` (the command word given), only the group that has it:
    building every group's parsers would cost each command a twentieth of a second of start-up."""
    parser = argparse.ArgumentParser(
        prog="unitvault", allow_abbrev=False,  # a command's --use must never look like the global --user
        description="Back up and restore units and accounts. Passwords are never taken from the command line.",
        epilog="Exit codes: 0 success, 1 error or refusal, 2 usage. Global options go before the command.")
    parser.add_argument("--version", action="version", version=f"unitvault {core.__version__}")
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = command_modules()
    for module in [m for m in modules if command in m.COMMANDS] or modules:
        module.register(sub)
    return parser


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", metavar="DIR", help="app home (default: the user data dir; env UNITVAULT_HOME)")
    parser.add_argument("--db", metavar="URL_OR_PATH", help="unit store (default: SQLite in the home; env UNITVAULT_DB)")
    parser.add_argument("--catalog", metavar="URL_OR_PATH",
                        help="account catalog (default: SQLite in the home; env UNITVAULT_CATALOG_DB)")
    from core.cli.passwords import add_user_options

    add_user_options(parser)


def command_word(argv: list[str]) -> str | None:
    """The command ``argv`` names after the global options, or None (none, help, or not readable:
    the whole command line then says what is wrong)."""
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    _global_options(pre)
    try:
        _, rest = pre.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    return rest[0] if rest and not rest[0].startswith("-") else None


def _stop_like_ctrl_c(signum, frame):
    raise KeyboardInterrupt


def _on_sigterm():
    """SIGTERM (a service manager, ``kill``, a closing terminal session) stops a command like Ctrl-C:
    every temporary file is removed on the way out. Returns the handler to put back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _stop_like_ctrl_c)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(command_word(argv)).parse_args(argv)
    from core.app.context import AppContext
    from core.logsetup import setup_logging

    ctx = None
    previous = _on_sigterm()
    try:
        ctx = AppContext.from_options(args.home, args.db, args.catalog)
        setup_logging(ctx.home.log_file)
        log.info("command: %s", args.command)
        from core.cli.signin import sign_in

        sign_in(args, ctx)
        return int(args.func(args, ctx) or 0)
    except Cancelled:
        sys.stderr.write("unitvault: cancelled\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\nunitvault: cancelled\n")
        return 1
    except UnitvaultError as exc:
        from core.cli.hints import cli_hint

        hint = cli_hint(exc)
        line = exc.message + (f" {hint}" if hint else "")
        sys.stderr.write(f"unitvault: error: {redact(line)}\n")
        for detail in exc.details[:20]:
            sys.stderr.write(f"  {redact(detail)}\n")
        log.info("failed: %s", exc.message)
        return 1
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: say so plainly, keep the traceback in the log
        log.exception("unexpected error")
        where = f" Details are in {ctx.home.log_file}." if ctx else ""
        sys.stderr.write(f"unitvault: error: unexpected internal error ({type(exc).__name__}).{where}\n")
        return 1
    finally:
        if ctx is not None:
            ctx.close()
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def run() -> None:
    leave(main())


def leave(code: int) -> None:
    """End the process once the command is done: the handlers registered to run at exit run (logs
    flushed, finalizers), the output is flushed, and the interpreter is not torn down object by
    object (0.05 s after any command, 0.15 s after importing a large unit: nothing is left to
    write, every store was closed). While another thread that is not a daemon still works, the
    ordinary exit waits for it instead."""
    import atexit
    import os
    import threading

    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # the reader went away, say
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    run()
