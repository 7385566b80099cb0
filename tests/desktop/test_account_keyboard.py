"""The keyboard rules on the account pages and their dialogs: every mnemonic works (no letter shared by two
visible controls of a window), Enter does the safe expected thing (never Forget, Terminate, Cancel or
Trust by itself), and each dialog opens with the focus where typing belongs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from core.app import accounts, backups, destinations, queue
from tests.desktop.account_helpers import dialog_named, expand, open_backups, open_restore, settings_tab, tick
from tests.desktop.conftest import WAIT_MS
from tests.desktop.plan_helpers import read_every_more, section_row
from tests.desktop.test_keyboard import activate, clashes


@pytest.fixture
def backed_up(demo_ctx, tmp_path):
    """An account (owning the demo unit) with one backup at a local destination, made by core."""
    ctx = demo_ctx
    home = tmp_path / "alice"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "a.txt").write_text("hello")
    destinations.add_destination(ctx, destinations.AddDestination("vault", "local", path=str(tmp_path / "vault")))
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home), units=("demo",)))
    made = backups.backup_now(ctx, backups.BackupNow("alice", "vault"))
    return ctx, made.backup_id


def no_clashes(widget, where: str) -> None:
    assert clashes(widget) == {}, where


def test_no_mnemonic_is_shared_on_any_new_page_tab_or_dialog(window, qtbot, backed_up):
    ctx, backup_id = backed_up
    for row in range(1, window.sidebar.count()):
        window.sidebar.setCurrentRow(row)
        tabs = getattr(window.pages.currentWidget(), "tabs", None)
        for tab in range(tabs.count()) if tabs is not None else [None]:
            if tab is not None:
                tabs.setCurrentIndex(tab)
            no_clashes(window, f"{window.sidebar.item(row).text()} tab {tab}")
    window.accounts_page.tabs.setCurrentIndex(0)
    panel = expand(window, qtbot, "alice")
    no_clashes(window, "accounts page with an account expanded")
    for button, name in ((panel.manage, "manageAccountDialog"), (panel.backup, "onDemandDialog"),
                         (panel.backups, "backupsDialog"), (panel.downloads, "downloadsDialog"),
                         (panel.tags, "accountTagsDialog")):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        no_clashes(dialog_named(window, name), name)
    manage = dialog_named(window, "manageAccountDialog")
    qtbot.mouseClick(manage.reset_button, Qt.MouseButton.LeftButton)
    no_clashes(dialog_named(window, "resetKeyDialog"), "reset key")
    qtbot.mouseClick(window.accounts_page.accounts_tab.add_button, Qt.MouseButton.LeftButton)
    no_clashes(dialog_named(window, "addAccountDialog"), "add account")
    listing = dialog_named(window, "backupsDialog")
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1, timeout=WAIT_MS)
    listing.table.selectRow(0)
    qtbot.mouseClick(listing.lock_button, Qt.MouseButton.LeftButton)
    no_clashes(listing.lock_dialog, "lock")
    listing.lock_dialog.reject()
    qtbot.mouseClick(listing.download_button, Qt.MouseButton.LeftButton)
    download = dialog_named(window, "downloadDialog")
    qtbot.waitUntil(lambda: bool(download.browser.models), timeout=WAIT_MS)
    no_clashes(download, "download")
    qtbot.mouseClick(listing.restore_button, Qt.MouseButton.LeftButton)
    wizard = dialog_named(window, "restoreWizard")
    no_clashes(wizard, "restore: items")
    wizard.items_page.advanced.setChecked(True)
    qtbot.waitUntil(lambda: bool(wizard.items_page.browser.models), timeout=WAIT_MS)
    no_clashes(wizard, "restore: items, advanced")
    tick(wizard.items_page.browser.tree.model(), "Home directory")
    assert wizard.items_page.isComplete()
    for title in ("options", "plan"):
        wizard.next()
        no_clashes(wizard, f"restore: {title}")
    qtbot.waitUntil(lambda: bool(wizard.plan_page.outcomes), timeout=WAIT_MS)
    no_clashes(wizard, "restore: plan ready")
    wizard.reject()
    for tab_name, button, dialog in (("Destinations", "add_button", "destinationDialog"),
                                     ("Jobs", "add_button", "jobDialog"), ("Tags", "add_button", "tagDialog"),
                                     ("Priority groups", "add_button", "priorityDialog"),
                                     ("Restore conditions", "add_button", "conditionDialog")):
        tab = settings_tab(window, qtbot, tab_name)
        qtbot.mouseClick(getattr(tab, button), Qt.MouseButton.LeftButton)
        no_clashes(tab.dialog, dialog)
        if dialog == "destinationDialog":
            for i in range(tab.dialog.type.count()):
                tab.dialog.type.setCurrentIndex(i)
                no_clashes(tab.dialog, f"destination type {i}")
        tab.dialog.reject()


def test_enter_never_forgets_a_backup_and_opens_the_restore_instead(window, qtbot, backed_up):
    ctx, backup_id = backed_up
    activate(qtbot, window)
    listing = open_backups(window, qtbot, "alice")
    activate(qtbot, listing)
    listing.table.setFocus()
    listing.table.selectRow(0)
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(d.objectName() == "restoreWizard" for d in window.open_dialogs), timeout=WAIT_MS)
    dialog_named(window, "restoreWizard").reject()
    activate(qtbot, listing)
    qtbot.mouseClick(listing.forget_button, Qt.MouseButton.LeftButton)
    box = listing.confirm_box
    assert box.defaultButton() is box.keep_button and box.escapeButton() is box.keep_button
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT_MS)
    assert ctx.catalog.backups.find(backup_id) is not None


def test_a_terminate_restore_waits_for_the_typed_username(window, qtbot, backed_up):
    ctx, backup_id = backed_up
    listing = open_backups(window, qtbot, "alice")
    listing.table.selectRow(0)
    qtbot.mouseClick(listing.restore_button, Qt.MouseButton.LeftButton)
    wizard = dialog_named(window, "restoreWizard")
    activate(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.items_page.backup.hasFocus(), timeout=WAIT_MS)
    with qtbot.waitSignal(wizard.page_ready, timeout=WAIT_MS):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)      # Enter: next
    assert wizard.options_page.merge.hasFocus()
    wizard.options_page.terminate.setChecked(True)
    assert "removes" in wizard.options_page.warning.text()
    with qtbot.waitSignal(wizard.page_ready, timeout=WAIT_MS):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    page = wizard.plan_page
    qtbot.waitUntil(lambda: bool(page.outcomes), timeout=WAIT_MS)
    qtbot.waitUntil(page.typed.hasFocus, timeout=WAIT_MS)                  # typing goes to the confirmation
    qtbot.keyClick(page.typed, Qt.Key.Key_Return)                          # nothing typed: nothing happens
    assert wizard.currentId() == 4 and not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    qtbot.keyClicks(page.typed, "alic")
    qtbot.keyClick(page.typed, Qt.Key.Key_Return)
    assert wizard.currentId() == 4
    assert queue.list_queue(ctx).items == []                               # nothing was queued
    qtbot.keyClicks(page.typed, "e")
    assert wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    wizard.reject()


def test_an_sftp_host_key_is_never_trusted_by_enter(window, qtbot, demo_ctx, sftp_server):
    server = sftp_server
    tab = settings_tab(window, qtbot, "Destinations")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    d = tab.dialog
    activate(qtbot, d)
    qtbot.waitUntil(d.name.hasFocus, timeout=WAIT_MS)
    d.name.setText("offsite")
    d.type.setCurrentIndex(d.type.findData("sftp"))
    d.host.setText(server.host)
    d.port.setValue(server.port)
    d.user.setText(server.user)
    d.key_file.setText(server.key_file)
    d.remote.setText(f"{server.root}/never-trusted")
    qtbot.keyClick(d.remote, Qt.Key.Key_Return)                            # Enter: add, which first asks the server
    qtbot.waitUntil(lambda: d.key_box is not None and d.key_box.isVisible(), timeout=WAIT_MS)
    assert "SHA256:" in d.key_box.text()
    assert d.key_box.defaultButton() is d.key_box.keep_button             # Enter does not trust it
    qtbot.keyClick(d.key_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not d.key_box.isVisible(), timeout=WAIT_MS)
    assert d.host_key is None and demo_ctx.catalog.destinations.find("offsite") is None


def test_a_restore_plan_reads_more_of_a_units_changes_from_the_keyboard(window, qtbot, backed_up, monkeypatch):
    """The plan lists a unit's first changes of each kind; its "… more" row reads the next ones from
    the backup (opened again) and the unit, with Alt+H, and the keyboard goes on at the first new key."""
    import importlib

    from desktop import plan_view

    ctx, backup_id = backed_up
    monkeypatch.setattr(importlib.import_module("core.unit_import.compare"), "KEY_CAP", 50)
    monkeypatch.setattr(importlib.import_module("core.unit_import.compare"), "SAMPLE", 20)
    monkeypatch.setattr(plan_view, "MORE_STEP", 25)
    unit = ctx.units.get_unit("demo")
    gone = sorted(ctx.units.section_keys(unit.id, "config_keys"))[100:160]
    with ctx.units.write() as conn:            # after the backup: a merge restore adds them back
        ctx.units.delete_keys(conn, unit.id, "config_keys", gone)
    wizard = open_restore(window, qtbot, "alice", pages=2)
    page = wizard.plan_page
    qtbot.waitUntil(lambda: bool(page.outcomes), timeout=WAIT_MS)
    added = section_row(page.unit_tree, "Config keys").child(0)
    assert added.text(0).startswith("Added (60)") and added.childCount() == 21
    assert not page.more_button.isEnabled()
    assert read_every_more(qtbot, page.unit_tree, added, page.more_button, 60, 20, 25) == gone
    assert wizard.currentId() == 4 and queue.list_queue(ctx).items == []   # still the plan; nothing queued
    wizard.reject()
