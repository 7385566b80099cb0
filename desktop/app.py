"""``unitvault-desktop``: start the app on the embedded default store (seeding ``demo`` on first start)."""

from __future__ import annotations

import argparse
import sys

from core.app.context import AppContext
from core.logsetup import get_logger, setup_logging

log = get_logger("desktop")


def ensure_demo(ctx: AppContext) -> None:
    """On first start with an empty home, seed a small unit named ``demo``.

    Only once per home: a user who deletes every unit does not get the demo back on the next start.
    """
    from core.app.units import seed_first_start

    seed_first_start(ctx)


def make_app(argv: list[str] | None = None):
    """The QApplication with the app's names, style sheet and palette-following icons."""
    from PySide6.QtWidgets import QApplication

    # Core work runs on worker threads; every Qt -> Python call on the GUI thread (model data(),
    # slots, timers) must win the GIL back from them. With CPython's default 5 ms switch interval a
    # repaint that calls data() a few hundred times convoys behind a busy worker; 0.5 ms keeps the
    # GUI thread's waits short at a small cost to the worker.
    sys.setswitchinterval(0.0005)
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Unitvault")
    app.setOrganizationName("Unitvault")
    app.setApplicationDisplayName("Unitvault")
    app.setDesktopFileName("unitvault")
    from desktop.style import apply_style

    apply_style(app)
    return app


def install_excepthook(window) -> None:
    """A bug in a slot must not vanish: log it and show the report dialog."""
    def hook(exc_type, exc, tb):
        import traceback

        log.error("Unhandled exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        try:
            window.show_error(exc)
        except Exception:  # noqa: BLE001 - last resort
            sys.__excepthook__(exc_type, exc, tb)
    sys.excepthook = hook


def sign_in_first(ctx, runner) -> bool:
    """Once the installation has users, someone signs in before the window opens (the actor every use
    case then runs as). False: they chose Quit."""
    from desktop.ops import access as access_ops

    if not access_ops.needs_sign_in(ctx):
        return True
    from PySide6.QtWidgets import QDialog

    from desktop.signin import SignInDialog

    dialog = SignInDialog(ctx, runner)
    return dialog.exec() == QDialog.DialogCode.Accepted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="unitvault-desktop")
    parser.add_argument("--home")
    parser.add_argument("--db")
    parser.add_argument("--catalog")
    parser.add_argument("bundle", nargs="?", help="a .uvault file to import (opens the import wizard)")
    args, qt_args = parser.parse_known_args(argv)
    ctx = AppContext.from_options(args.home, args.db, args.catalog)
    setup_logging(ctx.home.log_file)
    app = make_app([sys.argv[0], *qt_args])
    from desktop.mainwindow import MainWindow
    from desktop.ops import access as access_ops
    from desktop.taskman import TaskRunner

    if not access_ops.access_status(ctx).governed:
        ensure_demo(ctx)            # a home with users got its units from them

    runner = TaskRunner()
    if not sign_in_first(ctx, runner):
        runner.shutdown()
        ctx.close()
        return 0
    window = MainWindow(ctx, runner)
    install_excepthook(window)
    window.show()
    if args.bundle:
        from pathlib import Path

        window.open_import(Path(args.bundle))
    try:
        return app.exec()
    finally:
        ctx.close()


def run() -> None:
    sys.exit(main())
