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

    account_windows(ctx, window, wait, record, Path(home))

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


def account_windows(ctx, window, wait, record, home: Path) -> None:
    """The account pages and every dialog they open, with a long account name and a real backup."""
    from PySide6.QtWidgets import QPushButton, QWizard

    from core.app import accounts, backups, destinations

    folder = home / "account-home"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "report.txt").write_text("report")
    destinations.add_destination(ctx, destinations.AddDestination("vault", "local", path=str(home / "vault")))
    name = "regional_operations_north_01"
    accounts.add_account(ctx, accounts.AddAccount(name, str(folder), units=("demo",)))
    backups.backup_now(ctx, backups.BackupNow(name, "vault"))
    window.sidebar.setCurrentRow(1)
    page = window.accounts_page
    wait(lambda: page.model.row_of(name) is not None)
    page.expand(name)
    wait(lambda: page.panel is not None)
    record("main window: accounts expanded", window)
    opened = {}
    for button, key in ((page.panel.manage, "manageAccountDialog"), (page.panel.backup, "onDemandDialog"),
                        (page.panel.backups, "backupsDialog"), (page.panel.downloads, "downloadsDialog"),
                        (page.panel.tags, "accountTagsDialog")):
        button.click()
        dialog = next(d for d in reversed(window.open_dialogs) if d.objectName() == key)
        opened[key] = dialog
        record(f"account: {key}", dialog, dialog.findChildren(QPushButton))
    listing = opened["backupsDialog"]
    wait(lambda: listing.model.rowCount() == 1)
    listing.table.selectRow(0)
    listing.lock_button.click()
    record("account: lockDialog", listing.lock_dialog, listing.lock_dialog.findChildren(QPushButton))
    listing.lock_dialog.reject()
    listing.download_button.click()
    download = next(d for d in reversed(window.open_dialogs) if d.objectName() == "downloadDialog")
    wait(lambda: bool(download.browser.models))
    record("account: downloadDialog", download, download.findChildren(QPushButton))
    listing.restore_button.click()
    wizard = next(d for d in reversed(window.open_dialogs) if d.objectName() == "restoreWizard")
    buttons = [wizard.button(b) for b in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                                          QWizard.WizardButton.CommitButton, QWizard.WizardButton.FinishButton,
                                          QWizard.WizardButton.CancelButton)]
    wizard.items_page.advanced.setChecked(True)
    wait(lambda: bool(wizard.items_page.browser.models))
    from PySide6.QtCore import Qt

    items = wizard.items_page.browser.tree.model()
    home_row = next(items.index(r, 0) for r in range(items.rowCount()) if items.data(items.index(r, 0)) == "Home directory")
    items.setData(home_row, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    record("restore: items", wizard, buttons)
    wizard.next()
    record("restore: options", wizard, buttons)
    wizard.next()
    wait(lambda: bool(wizard.plan_page.outcomes))
    record("restore: plan", wizard, buttons)
    for dialog in list(window.open_dialogs):
        dialog.close()
    for tab_name in ("Destinations", "Jobs", "Tags", "Priority groups", "Restore conditions"):
        window.sidebar.setCurrentRow(4)
        tabs = window.settings_page.tabs
        tabs.setCurrentIndex([tabs.tabText(i).replace("&", "") for i in range(tabs.count())].index(tab_name))
        record(f"main window: Settings, {tab_name}", window)
        tab = tabs.currentWidget()
        tab.add_button.click()
        dialog = tab.dialog
        if tab_name == "Destinations":
            dialog.type.setCurrentIndex(dialog.type.findData("sftp"))
        record(f"settings: {dialog.objectName()}", dialog, dialog.findChildren(QPushButton))
        dialog.reject()
    window.sidebar.setCurrentRow(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
