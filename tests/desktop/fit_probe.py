"""Open every window and page of the app on the screen Qt was started with and report, as JSON, how
each fits: ``python -m tests.desktop.fit_probe HOME`` (run by tests/desktop/test_fit.py with a
1280x720 logical screen at 100% and at 200% scale)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PASSWORD = "tulip-anchor-42"
LONG = ("Regional Operations and Customer Care Centre for the Northern and Eastern Districts, including the "
        "Islands and the Overseas Territories (Night Shift)")


def main(home: str) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWizard

    from core.app.context import AppContext
    from core.bundle import default_kdf, export_unit
    from core.unit.seed import seed_unit
    from desktop.app import ensure_demo, make_app
    from desktop.mainwindow import MainWindow

    app = make_app()
    ctx = AppContext.from_options(home)
    ctx.settings.set("kdf/m_kib", 65536)
    ctx.settings.set("kdf/t", 2)
    ensure_demo(ctx)
    seed_unit(ctx.units, "long-name", "small", 2, display_name=LONG)
    bundle = Path(home) / "demo.uvault"
    export_unit(ctx.units, "demo", bundle, password=PASSWORD, kdf=default_kdf(ctx.settings))
    screen = app.primaryScreen()
    area = screen.availableGeometry()
    report = {"screen": [area.width(), area.height()], "dpr": screen.devicePixelRatio(), "windows": []}

    def wait(predicate, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > end:
                raise TimeoutError("a step did not finish")
            app.processEvents()
            time.sleep(0.01)
        settle()

    def settle(ms: int = 100) -> None:
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)

    def record(name: str, window, buttons=()) -> None:
        settle()
        hint = window.minimumSizeHint()
        minimum = window.minimumSize()
        geometry = window.frameGeometry()
        shown = []
        for b in buttons:
            if b is None or not b.isVisible():
                continue
            top_left = b.mapTo(window, b.rect().topLeft())
            inside = window.rect().contains(top_left) and window.rect().contains(
                b.mapTo(window, b.rect().bottomRight()))
            shown.append([b.text().replace("&", ""), inside])
        report["windows"].append({
            "name": name, "min_hint": [hint.width(), hint.height()], "min": [minimum.width(), minimum.height()],
            "frame": [geometry.x(), geometry.y(), geometry.width(), geometry.height()], "buttons": shown})

    # a window remembered from a much bigger screen (or from a window a long name had widened)
    from PySide6.QtCore import QByteArray
    from PySide6.QtWidgets import QMainWindow

    from desktop.gui_settings import GuiSettings

    big = QMainWindow()
    big.setGeometry(600, 500, 3000, 2000)
    GuiSettings(ctx.home.settings_file).save_window(big.saveGeometry(), QByteArray())
    window = MainWindow(ctx)
    window.show()
    wait(lambda: window.units_page.view.data is not None)
    window.units_page.select("long-name")
    wait(lambda: window.units_page.view.data is not None and window.units_page.view.data.unit.name == "long-name")
    for row in range(window.sidebar.count()):
        window.sidebar.setCurrentRow(row)
        record(f"main window: {window.sidebar.item(row).text()}", window)
    window.sidebar.setCurrentRow(0)

    export = window.open_export(["demo", "long-name"])
    export.password.setText(PASSWORD)
    export.confirm.setText(PASSWORD)
    export.destination.setText(home)
    buttons = export.findChildren(QPushButton)
    record("export: setup", export, buttons)
    export.start_export()
    wait(lambda: export.stack.currentIndex() == 2)
    record("export: result", export, buttons)
    export.close()

    wizard = window.open_import(bundle)
    wizard_buttons = [wizard.button(b) for b in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                                                 QWizard.WizardButton.CommitButton, QWizard.WizardButton.FinishButton,
                                                 QWizard.WizardButton.CancelButton)]
    wait(wizard.choose_page.isComplete)
    record("wizard: choose", wizard, wizard_buttons)
    wizard.next()
    wizard.password_page.password.setText(PASSWORD)
    record("wizard: password", wizard, wizard_buttons)
    wizard.next()
    wait(lambda: wizard.validate_page.ok)
    record("wizard: validation", wizard, wizard_buttons)
    wizard.next()
    wait(wizard.preview_page.isComplete)
    wizard.preview_page.target.setEditText("long-name")
    wait(lambda: wizard.preview is not None and wizard.preview.target_name == "long-name")
    record("wizard: preview", wizard, wizard_buttons)
    wizard.next()
    wizard.confirm_page.typed.setText("long-name")
    record("wizard: confirm", wizard, wizard_buttons)
    wizard.next()
    wait(lambda: wizard.currentId() == 6)
    record("wizard: done", wizard, wizard_buttons + [wizard.done_page.undo_button])
    wizard.close()

    about = window.show_about()
    record("about", about)
    about.close()
    window._ask_to_quit(["An import", "An export"])
    box: QMessageBox = window.quit_box
    record("quit question", box, box.buttons())
    box.done(0)
    json.dump(report, sys.stdout)
    window.close()
    ctx.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
