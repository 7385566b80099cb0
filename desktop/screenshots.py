"""Render every page of the app offscreen into PNGs: ``python -m desktop.screenshots docs/screenshots``.

Uses a throwaway home with the demo unit (and a second unit), a real bundle exported from it, and
the real dialogs driven the way a user would. Run with ``QT_QPA_PLATFORM=offscreen``.

Every page is rendered twice: at 100% on a 1280x720 screen (``NAME.png``), and at 200% scale
(``QT_SCALE_FACTOR=2``) on a 2560x1440 one, the same 1280x720 logical pixels (``NAME@2x.png``, twice
the pixels). Each window gets the size it would get on that screen.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSWORD = "tulip-anchor-42"
WAIT_MS = 60_000
SCREEN = (1280, 720)  # logical pixels, at either scale
SUFFIX = ""  # "@2x" in the 200% run


def _wait(app, predicate, timeout_ms: int = WAIT_MS) -> None:
    import time

    deadline = time.monotonic() + timeout_ms / 1000
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("a screenshot step did not finish in time")
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()


def _settle(app, ms: int = 150) -> None:
    import time

    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _save(widget, out: Path, name: str) -> None:
    path = out / f"{name}{SUFFIX}.png"
    widget.grab().save(str(path))
    print(path)


def screen_config(scale: int) -> Path:
    """An offscreen screen of 1280x720 logical pixels at ``scale`` (a JSON file for Qt's offscreen platform)."""
    import json

    path = Path(tempfile.mkdtemp(prefix="unitvault-screen-")) / "screen.json"
    w, h = SCREEN
    path.write_text(json.dumps({"screens": [{"name": f"screen-{scale}x", "x": 0, "y": 0, "width": w * scale,
                                             "height": h * scale, "logicalDpi": 96, "logicalBaseDpi": 96,
                                             "dpr": 1}]}))
    return path


def scaled_env(scale: int) -> dict:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen_config(scale)}"
    env["QT_SCALE_FACTOR"] = str(scale)
    return env


def _drift_demo(ctx) -> None:
    """A few live edits after the export, so the preview has something to show: the demo unit takes
    the content of a drifted twin (an import of the twin's bundle), keeping its own id."""
    from core.app import bundles, imports, units

    units.seed_unit(ctx, units.SeedUnit("demo-drift", "small", 0, drift=3))
    twin = ctx.home.root / "demo-drift.uvault"
    bundles.export_units(ctx, bundles.ExportUnits(bundles.ExportTarget(("demo-drift",), twin), PASSWORD))
    plan = imports.preview_import(ctx, imports.PreviewImport(twin, bundles.BundleKey(PASSWORD), into="demo"))
    imports.apply_import(ctx, imports.ApplyImport(plan, safety_snapshot=False, other_unit_confirmed=True))
    units.delete_unit(ctx, units.DeleteUnit("demo-drift", confirmed=True, safety_snapshot=False))
    twin.unlink()


def render(out: Path, *, dark: bool = True) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QWizard

    from core.app import bundles, settings, units
    from core.app.context import AppContext
    from core.logsetup import setup_logging
    from core.progress import ProgressState
    from desktop.app import ensure_demo, make_app
    from desktop.mainwindow import MainWindow
    from desktop.taskman import TaskRunner

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    tmp = Path(tempfile.mkdtemp(prefix="unitvault-shots-"))
    ctx = AppContext.from_options(tmp / "home")
    setup_logging(ctx.home.log_file)
    ctx.settings.set("kdf/m_kib", 65536)
    ctx.settings.set("kdf/t", 2)
    ensure_demo(ctx)
    units.seed_unit(ctx, units.SeedUnit("helpdesk-north", "small", 7, display_name="Helpdesk North"))
    units.seed_unit(ctx, units.SeedUnit("helpdesk-south", "small", 8, display_name="Helpdesk South"))
    units.seed_unit(ctx, units.SeedUnit("tel-aviv", "small", 9, display_name="מוקד תמיכה תל אביב"))
    units.seed_unit(ctx, units.SeedUnit(
        "regional-operations-and-customer-care", "small", 10,
        display_name="Regional Operations and Customer Care Centre for the Northern and Eastern Districts, "
                     "including the Islands and the Overseas Territories (Night Shift)"))
    # the organisation's recovery key is configured: exports add its slot, the wizard can use its file
    key_file = settings.create_recovery_key(ctx, settings.CreateRecoveryKey(tmp / "recovery-kit", use=True)).private_key_file
    bundle = tmp / "demo-2026-11-20.uvault"
    bundles.export_units(ctx, bundles.ExportUnits(bundles.ExportTarget(("demo",), bundle), PASSWORD))
    _drift_demo(ctx)

    runner = TaskRunner()
    window = MainWindow(ctx, runner)
    window.resize(QSize(1180, 680))
    window.show()
    _wait(app, lambda: window.units_page.view.data is not None)
    _settle(app)

    # main window: each sidebar page, each unit tab
    view = window.units_page.view
    for i, tab in enumerate(("plugins", "workspaces", "profiles", "config-keys")):
        view.tabs.setCurrentIndex(i)
        if tab in ("workspaces", "profiles"):
            getattr(view, f"{tab}_view").expand(getattr(view, tab).index(0, 0))
        _settle(app)
        _save(window, out, f"main-units-{tab}" if i else "main-units")
    view.reveal.setChecked(True)
    view.keys_search.setText("auth")
    _settle(app)
    _save(window, out, "main-units-config-keys-search-revealed")
    view.reveal.setChecked(False)
    view.keys_search.clear()
    view.tabs.setCurrentIndex(0)
    for row, key in enumerate(("accounts", "queue", "activity", "settings"), start=1):
        window.sidebar.setCurrentRow(row)
        _settle(app)
        _save(window, out, f"main-{key}")
    window.sidebar.setCurrentRow(0)

    # long and right-to-left names, and the smallest window the units list must work in
    window.units_page.select("regional-operations-and-customer-care")
    _wait(app, lambda: window.units_page.view.data is not None
          and window.units_page.view.data.unit.name == "regional-operations-and-customer-care")
    _settle(app)
    _save(window, out, "main-units-long-name")
    window.resize(QSize(1024, 700))
    window.units_page.select("tel-aviv")
    _wait(app, lambda: window.units_page.view.data is not None and window.units_page.view.data.unit.name == "tel-aviv")
    _settle(app)
    _save(window, out, "main-units-1024x700-rtl")
    window.resize(QSize(1180, 680))

    about = window.show_about()
    _settle(app)
    _save(about, out, "about")
    about.close()

    # export dialog: setup, progress, result with verification
    window.units_page.select("demo")
    dialog = window.open_export(["demo", "helpdesk-north", "helpdesk-south", "tel-aviv"])
    dialog.password.setText("tulip-anchor-42")
    dialog.confirm.setText("tulip-anchor-42")
    export_dir = tmp / "exports"
    export_dir.mkdir()
    dialog.destination.setText(str(export_dir))
    _settle(app)
    _save(dialog, out, "export-1-setup")
    dialog.stack.setCurrentIndex(1)
    dialog.progress.stage.setText("Writing the bundle…")
    dialog.progress.bar.setRange(0, 1000)
    dialog.progress.bar.setValue(430)
    dialog.progress.bar.setFormat("456 of 1,080")
    dialog.progress.eta.setText("about 2 s left")
    dialog.progress_title.setText("<h3>Exporting 4 units…</h3>")
    _save(dialog, out, "export-2-progress")
    dialog.stack.setCurrentIndex(0)
    dialog.start_export()
    _wait(app, lambda: dialog.stack.currentIndex() == 2)
    dialog.verify_now()
    _wait(app, lambda: "verified" in dialog.verify_label.text() or "failed" in dialog.verify_label.text())
    _save(dialog, out, "export-3-result")
    from PySide6.QtGui import QDesktopServices

    opener = QDesktopServices.openUrl
    QDesktopServices.openUrl = staticmethod(lambda url: False)  # as on a desktop without a file manager
    try:
        dialog.show_in_folder()
    finally:
        QDesktopServices.openUrl = opener
    _settle(app)
    _save(dialog, out, "export-3-result-no-file-manager")
    dialog.close()

    # the import wizard, page by page
    wizard = window.open_import(bundle)
    _wait(app, wizard.choose_page.isComplete)
    _save(wizard, out, "wizard-1-choose")
    wizard.next()
    wizard.password_page.password.setText(PASSWORD)
    _settle(app)
    _save(wizard, out, "wizard-2-password")
    wizard.password_page.use_recovery.click()
    wizard.password_page.key_path.setText(str(key_file))
    _settle(app)
    _save(wizard, out, "wizard-2-password-recovery-key")
    wizard.password_page.use_password.click()
    wizard.next()
    wizard.validate_page.progress.show_state(ProgressState("reading", 31_000, 78_000, "bytes"))
    _save(wizard, out, "wizard-3-validating")
    _wait(app, lambda: wizard.validate_page.handle.done)
    _save(wizard, out, "wizard-3-validated")
    wizard.next()
    _wait(app, wizard.preview_page.isComplete)
    tree = wizard.preview_page.tree
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        for j in range(top.childCount()):
            group = top.child(j)
            if group.text(0).startswith("Changed"):
                group.setExpanded(True)
                if group.childCount():
                    group.child(0).setExpanded(True)
    _settle(app)
    _save(wizard, out, "wizard-4-preview")
    wizard.preview_page.merge.click()
    _wait(app, lambda: wizard.preview is not None and wizard.preview.plan.mode == "merge")
    _save(wizard, out, "wizard-4-preview-merge")
    wizard.preview_page.replace.click()
    _wait(app, lambda: wizard.preview is not None and wizard.preview.plan.mode == "replace")
    wizard.preview_page.target.setEditText("helpdesk-north")
    _wait(app, lambda: wizard.preview is not None and wizard.preview.target_name == "helpdesk-north")
    _save(wizard, out, "wizard-4-preview-other-unit")
    wizard.preview_page.target.setEditText("demo")
    _wait(app, lambda: wizard.preview is not None and wizard.preview.target_name == "demo")
    wizard.next()
    wizard.confirm_page.typed.setText("dem")
    _settle(app)
    _save(wizard, out, "wizard-5-confirm")
    wizard.confirm_page.typed.setText("demo")
    wizard.button(QWizard.WizardButton.CommitButton).click()
    wizard.import_page.progress.show_state(ProgressState("importing", 640, 1_080))
    _save(wizard, out, "wizard-6-importing")
    _wait(app, lambda: wizard.currentId() == 6)
    _settle(app)
    _save(wizard, out, "wizard-7-done")
    wizard.done_page.undo()
    _wait(app, lambda: wizard.done_page.confirm_box is not None)
    _settle(app)
    _save(wizard, out, "wizard-7-undo-plan")
    _save(wizard.done_page.confirm_box, out, "wizard-7-undo-confirm")
    wizard.done_page.undo_yes.click()
    _wait(app, lambda: "Undone" in wizard.done_page.undo_message.text())
    _save(wizard, out, "wizard-7-undone")
    wizard.close()

    # a new unit: no safety snapshot, and the page says why
    wizard = window.open_import(bundle)
    _wait(app, wizard.choose_page.isComplete)
    wizard.next()
    wizard.password_page.password.setText(PASSWORD)
    wizard.next()
    _wait(app, lambda: wizard.validate_page.handle.done)
    wizard.next()
    _wait(app, wizard.preview_page.isComplete)
    wizard.preview_page.target.setEditText("demo-copy")
    _wait(app, lambda: wizard.preview is not None and wizard.preview.target_name == "demo-copy")
    wizard.next()
    _settle(app)
    _save(wizard, out, "wizard-5-confirm-new-unit")
    wizard.close()

    # quitting while an operation runs asks first
    window.quit_box = None
    window._ask_to_quit(["An import"])
    _settle(app)
    _save(window.quit_box, out, "quit-question")
    window.quit_box.done(0)

    # who may do what: a home with users, in a window of its own
    from desktop.screenshots_access import render_access

    render_access(app, out, tmp, lambda p: _wait(app, p), lambda ms=150: _settle(app, ms), _save)

    # the account pages and their dialogs
    from desktop.screenshots_accounts import render_accounts

    render_accounts(app, ctx, window, out, tmp, lambda p: _wait(app, p), lambda ms=150: _settle(app, ms), _save)

    # settings: after creating a recovery key
    window.sidebar.setCurrentRow(4)
    window.settings_page.create_recovery_key(tmp / "new-recovery-kit")
    _wait(app, lambda: window.settings_page.kit is not None)
    _settle(app)
    _save(window, out, "main-settings-recovery-key-created")
    window.sidebar.setCurrentRow(0)

    # errors: a wrong password, as the validation page shows it; the report dialog for a bug
    wizard = window.open_import(bundle)
    _wait(app, wizard.choose_page.isComplete)
    wizard.next()
    wizard.password_page.password.setText("not the password")
    wizard.next()
    _wait(app, lambda: wizard.validate_page.handle.done)
    _save(wizard, out, "wizard-3-wrong-password")
    wizard.close()
    try:
        raise RuntimeError("example of an unexpected failure")
    except RuntimeError as exc:
        report = window.show_error(exc)
    _settle(app)
    _save(report, out, "error-report")
    report.close()

    if dark:
        _render_dark(app, ctx, runner, out)
    window.close()
    runner.wait_idle()
    ctx.close()


def _render_dark(app, ctx, runner, out: Path) -> None:
    """The same main window under a dark palette, to check contrast of icons and semantic colours."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QStyleFactory

    from desktop.icons import clear_cache
    from desktop.mainwindow import MainWindow
    from desktop.style import apply_style

    old_palette, old_style = app.palette(), app.style().name()
    app.setStyle(QStyleFactory.create("Fusion"))
    p = QPalette()
    R = QPalette.ColorRole
    for role, color in ((R.Window, "#2b2b2b"), (R.WindowText, "#e6e6e6"), (R.Base, "#1e1e1e"),
                        (R.AlternateBase, "#262626"), (R.Text, "#e6e6e6"), (R.Button, "#353535"),
                        (R.ButtonText, "#e6e6e6"), (R.Highlight, "#3d6fa5"), (R.HighlightedText, "#ffffff"),
                        (R.ToolTipBase, "#1e1e1e"), (R.ToolTipText, "#e6e6e6"), (R.PlaceholderText, "#9a9a9a"),
                        (R.Mid, "#555555"), (R.Link, "#8ab4f8")):
        p.setColor(role, QColor(color))
    app.setPalette(p)
    clear_cache()
    apply_style(app)
    window = MainWindow(ctx, runner)
    window.resize(QSize(1180, 680))
    window.show()
    _wait(app, lambda: window.units_page.view.data is not None)
    _settle(app)
    _save(window, out, "dark-main-units")
    window.close()
    app.setPalette(old_palette)
    app.setStyle(old_style)
    clear_cache()
    apply_style(app)


def main(argv: list[str] | None = None) -> int:
    """Each scale in a child process of its own: the scale and the screen are fixed when Qt starts."""
    import subprocess

    global SUFFIX
    argv = sys.argv[1:] if argv is None else argv
    scales = [int(a.split("=", 1)[1]) for a in argv if a.startswith("--scale=")]
    args = [a for a in argv if not a.startswith("--scale=")]
    out = Path(args[0] if args else "docs/screenshots")
    if not scales:
        for scale in (1, 2):
            done = subprocess.run([sys.executable, "-m", "desktop.screenshots", str(out), f"--scale={scale}"],
                                  env=scaled_env(scale))
            if done.returncode:
                return done.returncode
        return 0
    SUFFIX = "@2x" if scales[0] == 2 else ""
    render(out, dark=scales[0] == 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
