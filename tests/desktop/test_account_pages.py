"""The account pages one by one: the accounts list at a thousand accounts (lazy rows, search, tag
filter, chips), an expanded account's actions, managing an account (excludes previewed live, the key
kit, a key reset behind the typed username), tags, orphans and reassignment, owner-held keys held in
memory only, downloads, the queue and activity pages, tray notifications, and the Settings tabs."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from core.app import accounts, backups, destinations, queue, tags
from desktop.accounts_model import PAGE
from desktop.chips import TagsRole
from tests.desktop.account_helpers import (
    QUEUE_WAIT_MS,
    accounts_page,
    add_local_destination,
    back_up_on_demand,
    dialog_named,
    expand,
    open_backups,
    open_restore,
    settings_tab,
    tick,
    wait_item,
)
from tests.desktop.conftest import WAIT_MS


def home_dir(tmp_path, name="alice"):
    root = tmp_path / name
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("a" * 100)
    (root / "cache").mkdir()
    (root / "cache" / "big.bin").write_bytes(b"x" * 5000)
    (root / "notes.md").write_text("n")
    return root


def many_accounts(ctx, tmp_path, n: int = 1000) -> None:
    """``n`` accounts in one transaction; every seventh tagged "vip", every fifth "web"."""
    folder = tmp_path / "shared-home"
    folder.mkdir(exist_ok=True)
    tags.add_tag(ctx, tags.AddTag("vip", "#c0392b"))
    tags.add_tag(ctx, tags.AddTag("web", "#f1c40f"))
    cat = ctx.catalog
    with cat.write() as c:
        for i in range(n):
            a = cat.accounts.add(f"user{i:04d}", str(folder), email=f"user{i}@example.com", conn=c)
            if i % 7 == 0:
                cat.tags.assign("vip", a.id, conn=c)
            if i % 5 == 0:
                cat.tags.assign("web", a.id, conn=c)


# --- the accounts list -------------------------------------------------------------------------------------
def test_a_thousand_accounts_are_listed_lazily_searched_and_filtered_by_tag(window, qtbot, demo_ctx, tmp_path):
    many_accounts(demo_ctx, tmp_path)
    page = accounts_page(window, qtbot)
    model = page.model
    assert len(model.all) == 1000 and PAGE <= model.rowCount() < 1000     # pages as the view needs, not 1,000 rows
    fetched = model.rowCount()
    assert page.accounts_tab.count.text() == "1,000 accounts"
    bar = page.tree.verticalScrollBar()
    for _ in range(30):                                                   # scrolling fetches the next pages
        bar.setValue(bar.maximum())
        qtbot.wait(10)
    assert model.rowCount() > fetched
    first = model.index(0, 1)
    assert model.data(first, TagsRole) == [("vip", "#c0392b"), ("web", "#f1c40f")] and model.data(first) == "vip, web"
    page.search.setText("user099")
    page.apply_filter()
    assert [r.account.username for r in model.visible] == [f"user099{i}" for i in range(10)]
    assert page.accounts_tab.count.text() == "10 of 1,000 accounts"
    page.search.clear()
    combo = page.accounts_tab.tag
    combo.setCurrentIndex(combo.findData("vip"))
    assert len(model.visible) == len(range(0, 1000, 7)) and all("vip" in r.account.tags for r in model.visible)
    page.search.setText("user007")
    page.apply_filter()
    assert {r.account.username for r in model.visible} == {f"user{i:04d}" for i in range(70, 80) if i % 7 == 0}
    page.search.setText("web")                                            # the search also matches tag names
    page.apply_filter()
    assert all("web" in r.account.tags for r in model.visible) and model.visible
    combo.setCurrentIndex(0)
    page.search.clear()
    page.apply_filter()
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == "user0999"
    assert page.expand("user0500")                                        # far below the fetched pages
    qtbot.waitUntil(lambda: page.panel is not None and page.panel.row.account.username == "user0500",
                    timeout=WAIT_MS)


def test_one_account_is_expanded_at_a_time_and_enter_toggles_it(window, qtbot, demo_ctx, tmp_path):
    for name in ("alice", "bob"):
        accounts.add_account(demo_ctx, accounts.AddAccount(name, str(home_dir(tmp_path, name)), units=("demo",)))
    page = accounts_page(window, qtbot)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.reload()
    assert page.model.row_of("bob") is not None
    from tests.desktop.test_keyboard import activate, clashes

    activate(qtbot, window)
    page.tree.setFocus()
    page.tree.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)                         # Enter opens the account's actions
    qtbot.waitUntil(lambda: page.panel is not None, timeout=WAIT_MS)
    assert page.expanded == "alice" and page.tree.isExpanded(page.model.index(0, 0))
    assert clashes(window) == {}
    texts = [b.text() for b in (page.panel.manage, page.panel.backup, page.panel.backups, page.panel.downloads,
                                page.panel.tags)]
    assert texts == ["&Manage account…", "Create &backup on demand…", "View ba&ckups…", "View &downloads…",
                     "Manage ta&gs…"]
    page.tree.setCurrentIndex(page.model.index(1, 0))
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.panel is not None and page.panel.row.account.username == "bob", timeout=WAIT_MS)
    assert not page.tree.isExpanded(page.model.index(0, 0))               # alice closed: one panel, one set of keys
    assert clashes(window) == {}
    qtbot.keyClick(page.panel.manage, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)   # the mnemonic opens it
    qtbot.waitUntil(lambda: any(d.objectName() == "manageAccountDialog" for d in window.open_dialogs),
                    timeout=WAIT_MS)
    page.tree.setFocus()
    page.tree.setCurrentIndex(page.model.index(1, 0))
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)                         # Enter again closes it
    qtbot.waitUntil(lambda: page.expanded is None and page.panel is None, timeout=WAIT_MS)


# --- managing an account -------------------------------------------------------------------------------------
def test_manage_account_saves_and_previews_excludes_live(window, qtbot, demo_ctx, tmp_path):
    ctx = demo_ctx
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    tags.set_priority(ctx, tags.SetPriority("Urgent", 1))
    panel = expand(window, qtbot, "alice")
    qtbot.mouseClick(panel.manage, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "manageAccountDialog")
    qtbot.waitUntil(lambda: d.preview is not None, timeout=WAIT_MS)
    assert "No patterns" in d.preview_label.text()
    d.excludes.setPlainText("cache/\n*.md")
    qtbot.waitUntil(lambda: d.preview is not None and d.preview.patterns == ("cache/", "*.md"), timeout=WAIT_MS)
    assert [d.matched.item(i).text() for i in range(d.matched.count())] == ["cache/", "notes.md"]
    assert "3 entries" in d.preview_label.text() and "5.0 kB" in d.preview_label.text()
    d.excludes.setPlainText("[z-a]")                                      # a bad pattern: core's words
    qtbot.waitUntil(lambda: "not a valid" in d.preview_label.text(), timeout=WAIT_MS)
    d.excludes.setPlainText("cache/")
    d.email.setText("alice@example.com")
    d.own_max.setChecked(True)
    d.max_spin.setValue(3)
    d.priority.setCurrentIndex(d.priority.findData("Urgent"))
    with qtbot.waitSignal(d.saved, timeout=WAIT_MS):
        qtbot.keyClick(d.email, Qt.Key.Key_Return)                       # Enter saves (the default button)
    a = ctx.catalog.accounts.get("alice")
    assert (a.email, a.excludes, a.max_on_demand, a.priority_group) == ("alice@example.com", ("cache/",), 3, "Urgent")


def test_an_app_held_key_kit_is_exported_private(window, qtbot, demo_ctx, tmp_path):
    accounts.add_account(demo_ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    panel = expand(window, qtbot, "alice")
    qtbot.mouseClick(panel.manage, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "manageAccountDialog")
    assert d.export_button.isVisible()
    kit = tmp_path / "alice-kit.html"
    d.export_kit(str(kit))                      # before the first backup there is no key to export yet
    qtbot.waitUntil(lambda: "no key" in d.key_message.text() and d.key_message.isVisible(), timeout=WAIT_MS)
    assert not kit.exists()
    destinations.add_destination(demo_ctx, destinations.AddDestination("vault", "local", path=str(tmp_path / "v")))
    backups.backup_now(demo_ctx, backups.BackupNow("alice", "vault", "account"))
    d.export_kit(str(kit))
    qtbot.waitUntil(lambda: kit.exists() and "Wrote the key kit" in d.key_message.text(), timeout=WAIT_MS)
    assert oct(kit.stat().st_mode & 0o777) == "0o600" and "alice" in kit.read_text()


def test_resetting_the_key_needs_the_typed_username(window, qtbot, demo_ctx, tmp_path):
    ctx = demo_ctx
    add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    back_up_on_demand(window, qtbot, "alice", "vault")
    accounts_page(window, qtbot).reload()
    qtbot.waitUntil(lambda: window.accounts_page.model.row_of("alice") is not None
                    and window.accounts_page.model.visible[0].backups == 1, timeout=WAIT_MS)
    panel = expand(window, qtbot, "alice")
    qtbot.mouseClick(panel.manage, Qt.MouseButton.LeftButton)
    manage = dialog_named(window, "manageAccountDialog")
    qtbot.mouseClick(manage.reset_button, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "resetKeyDialog")
    assert not d.reset_button.isEnabled()
    qtbot.keyClicks(d.typed, "alic")
    qtbot.keyClick(d.typed, Qt.Key.Key_Return)                           # Enter does nothing until the name is typed
    assert d.isVisible() and len(backups.list_backups(ctx, backups.ListBackups("alice")).backups) == 1
    qtbot.keyClicks(d.typed, "e")
    assert d.reset_button.isEnabled()
    with qtbot.waitSignal(d.done_reset, timeout=QUEUE_WAIT_MS) as reset:
        qtbot.keyClick(d.typed, Qt.Key.Key_Return)
    assert reset.args[0].deleted_backups == 1
    assert backups.list_backups(ctx, backups.ListBackups("alice")).backups == []


def test_tags_of_an_account_and_the_tags_manager(window, qtbot, demo_ctx, tmp_path):
    ctx = demo_ctx
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    tab = settings_tab(window, qtbot, "Tags")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    d = tab.dialog
    d.name.setText("gold")
    before = d.color
    for _ in range(5):                                                    # the random colour button changes it
        qtbot.mouseClick(d.random, Qt.MouseButton.LeftButton)
        if d.color != before:
            break
    assert d.color != before and d.color.startswith("#")
    chosen = d.color
    with qtbot.waitSignal(d.saved, timeout=WAIT_MS):
        qtbot.keyClick(d.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "gold" in [t.name for t in tab.model.rows], timeout=WAIT_MS)
    assert ctx.catalog.tags.get("gold").color == chosen
    assert tab.model.data(tab.model.index(0, 0), TagsRole) == [("gold", chosen)]
    panel = expand(window, qtbot, "alice")
    qtbot.mouseClick(panel.tags, Qt.MouseButton.LeftButton)
    t = dialog_named(window, "accountTagsDialog")
    t.list.item(0).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(t.saved, timeout=WAIT_MS):
        qtbot.mouseClick(t.save_button, Qt.MouseButton.LeftButton)
    assert ctx.catalog.accounts.get("alice").tags == ("gold",)
    page = window.accounts_page
    qtbot.waitUntil(lambda: page.panel is not None and page.panel.row.account.tags == ("gold",), timeout=WAIT_MS)
    assert [lbl.toolTip() for lbl in page.panel.chips.labels] == ["gold"]      # the panel came back, chips and all


def test_orphans_are_adopted_and_ids_reassigned(window, qtbot, demo_ctx, tmp_path):
    ctx = demo_ctx
    add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    home = home_dir(tmp_path)
    old = accounts.add_account(ctx, accounts.AddAccount("alice", str(home)))
    back_up_on_demand(window, qtbot, "alice", "vault")
    accounts.delete_account(ctx, accounts.DeleteAccount("alice", confirmed=True))
    page = accounts_page(window, qtbot)
    page.tabs.setCurrentIndex(1)
    tab = page.orphans_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=WAIT_MS)
    assert tab.model.rows[0].account_id == old.id
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.adopt_button, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "adoptDialog")
    assert d.username.text() == "alice"
    d.home.setText(str(home))
    with qtbot.waitSignal(d.adopted, timeout=WAIT_MS):
        qtbot.mouseClick(d.adopt_button, Qt.MouseButton.LeftButton)
    assert ctx.catalog.accounts.get("alice").id == old.id
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0, timeout=WAIT_MS)
    # a recreated account: the old id's backups can be reassigned to it
    accounts.delete_account(ctx, accounts.DeleteAccount("alice", confirmed=True))
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home)))
    page.tabs.setCurrentIndex(2)
    tab = page.assignable_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=WAIT_MS)
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.reassign_button, Qt.MouseButton.LeftButton)
    box = window.reassign_box
    assert box.defaultButton() is box.keep_button                        # Enter keeps things as they are
    qtbot.mouseClick(box.yes_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0, timeout=WAIT_MS)
    assert len(backups.list_backups(ctx, backups.ListBackups("alice")).backups) == 1


# --- owner-held keys: asked for, held in memory, never stored -------------------------------------------------
def test_an_owner_held_account_is_backed_up_and_restored_with_the_passphrase_held_in_memory(
        window, qtbot, demo_ctx, tmp_path):
    ctx = demo_ctx
    passphrase = "owner-secret-passphrase-77"
    add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    home = home_dir(tmp_path)
    accounts.add_account(ctx, accounts.AddAccount("olga", str(home), encryption="owner"))
    panel = expand(window, qtbot, "olga")
    qtbot.mouseClick(panel.backup, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "onDemandDialog")
    qtbot.waitUntil(lambda: d.passphrase.isVisible(), timeout=WAIT_MS)     # the first backup needs the owner
    d.passphrase.setText(passphrase)
    with qtbot.waitSignal(d.queued, timeout=WAIT_MS) as queued:
        qtbot.mouseClick(d.backup_button, Qt.MouseButton.LeftButton)
    item = wait_item(window, qtbot, queued.args[0].id)
    assert item.secrets_needed == ("passphrase",) and passphrase not in repr(item.request)
    (home / "docs" / "a.txt").unlink()
    dialog = open_backups(window, qtbot, "olga")
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    wizard = dialog_named(window, "restoreWizard")
    wizard.items_page.settings_box.setChecked(False)
    wizard.items_page.units_box.setChecked(False)
    wizard.next()                                                        # options
    wizard.next()                                                        # the owner's key is asked for
    from desktop.restore_wizard import P_KEY, P_PLAN

    assert wizard.currentId() == P_KEY and not wizard.key_page.isComplete()
    wizard.key_page.passphrase.setText(passphrase)
    wizard.next()
    assert wizard.currentId() == P_PLAN
    qtbot.waitUntil(lambda: bool(wizard.plan_page.outcomes), timeout=WAIT_MS)
    from PySide6.QtWidgets import QWizard

    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(wizard.restore_page.isComplete, timeout=QUEUE_WAIT_MS)
    assert [i.state for i in wizard.restore_page.items] == ["done"]
    assert (home / "docs" / "a.txt").read_text() == "a" * 100
    assert wizard.key_page.passphrase.text() == ""                        # the wizard forgot it once queued
    with ctx.catalog.engine.connect() as c:                                # and the queue table never had it
        from sqlalchemy import text

        rows = c.execute(text("SELECT request, result, error FROM queue_items")).all()
    assert rows and all(passphrase not in repr(r) for r in rows)


# --- downloads ----------------------------------------------------------------------------------------------------
def test_a_download_of_chosen_files_is_queued_and_listed_with_its_expiry(window, qtbot, demo_ctx, tmp_path,
                                                                          monkeypatch):
    ctx = demo_ctx
    add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    limits = window.settings_page.limits                                 # Settings, General: downloads last 3 days
    limits.ttl.setValue(3)
    limits.save()
    qtbot.waitUntil(lambda: "removed after 3 days" in limits.message.text(), timeout=WAIT_MS)
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    back_up_on_demand(window, qtbot, "alice", "vault")
    dialog = open_backups(window, qtbot, "alice")
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "downloadDialog")
    qtbot.waitUntil(lambda: bool(d.browser.models), timeout=WAIT_MS)
    model = d.browser.tree.model()
    assert model.data(model.index(0, 0)) == "Home directory"             # no account settings to download
    tick(model, "Home directory", "docs")
    assert not d.password.isVisible()                                    # files need no bundle password
    with qtbot.waitSignal(d.queued, timeout=WAIT_MS) as queued:
        qtbot.mouseClick(d.download_button, Qt.MouseButton.LeftButton)
    done = wait_item(window, qtbot, queued.args[0].id)
    (path,) = done.result["files"]
    assert path.endswith("-files.tar.zst") and os.path.exists(path)
    (made,) = backups.list_downloads(ctx)
    assert round((made.expires - made.created) / 86400, 3) == 3                 # the lifetime set in Settings
    panel = expand(window, qtbot, "alice")
    qtbot.mouseClick(panel.downloads, Qt.MouseButton.LeftButton)
    v = dialog_named(window, "downloadsDialog")
    qtbot.waitUntil(lambda: v.model.rowCount() == 1, timeout=WAIT_MS)
    assert v.model.data(v.model.index(0, 0)) == os.path.basename(path) and v.model.data(v.model.index(0, 3))
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))   # no file manager here
    qtbot.mouseClick(v.open_button, Qt.MouseButton.LeftButton)
    assert "No file manager" in v.message.text() and os.path.dirname(path) in v.message.text()


# --- the queue and the activity, notifications ---------------------------------------------------------------------
def test_the_queue_page_follows_cancels_and_retries(window, qtbot, demo_ctx, tmp_path):
    ctx = demo_ctx
    window.stop_background()                                             # nothing runs: items stay queued
    destinations.add_destination(ctx, destinations.AddDestination("vault", "local", path=str(tmp_path / "vault")))
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    first = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("alice", "vault", "files")))
    second = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("alice", "vault", "account")))
    window.sidebar.setCurrentRow(2)
    page = window.queue_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT_MS)
    assert "2 queued" in page.summary.text()
    assert page.model.data(page.model.index(0, 1)) == "Backup of alice to vault (on demand)"
    page.table.selectRow(1)
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    box = page.confirm_box
    assert box.defaultButton() is box.keep_button
    qtbot.mouseClick(box.yes_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queue.show_item(ctx, queue.QueueRef(second.id)).state == "cancelled", timeout=WAIT_MS)
    page.state.setCurrentIndex(page.state.findData("cancelled"))
    qtbot.waitUntil(lambda: [i.id for i in page.model.rows] == [second.id], timeout=WAIT_MS)
    page.table.selectRow(0)
    qtbot.waitUntil(page.retry_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queue.show_item(ctx, queue.QueueRef(second.id)).state == "queued", timeout=WAIT_MS)
    page.state.setCurrentIndex(0)
    window.start_background()                                            # the window's workers run them
    for item in (first, second):
        wait_item(window, qtbot, item.id)
    qtbot.waitUntil(lambda: all(i.state == "done" for i in page.model.rows), timeout=WAIT_MS)
    assert "backup " in page.model.data(page.model.index(0, 4))


def test_activity_lists_finished_work_and_the_tray_announces_it_in_the_background(window, qtbot, demo_ctx,
                                                                                  tmp_path):
    ctx = demo_ctx
    add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    window.clearFocus()
    other = type(window)(ctx, window.runner, background=False)           # another window has the focus
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    item = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("alice", "vault", "files")))
    wait_item(window, qtbot, item.id)
    qtbot.waitUntil(lambda: bool(window.notifier.sent), timeout=WAIT_MS)
    title, text, failed = window.notifier.sent[-1]
    assert title == "Backup finished" and "alice" in text and not failed
    other.close()
    window.log_session("export", "Unit demo exported to demo.uvault")
    window.sidebar.setCurrentRow(3)
    page = window.activity_page
    qtbot.waitUntil(lambda: len(page.entries) >= 2, timeout=WAIT_MS)
    whats = [e.what for e in page.entries]
    assert "Backup of alice to vault (on demand)" in whats and "Unit demo exported to demo.uvault" in whats
    page.kind.setCurrentIndex(page.kind.findData("backup"))
    assert [page.model.data(page.model.index(r, 1)) for r in range(page.model.rowCount())] == [
        "Backup of alice to vault (on demand)"]
    page.result.setCurrentIndex(page.result.findData("failed"))
    assert page.model.rowCount() == 0 and page.count.text().startswith("0 of")


# --- settings -----------------------------------------------------------------------------------------------------
def test_a_job_shows_its_next_five_runs_and_what_its_retention_would_remove(window, qtbot, demo_ctx, tmp_path):
    from core.app import jobs

    ctx = demo_ctx
    destinations.add_destination(ctx, destinations.AddDestination("vault", "local", path=str(tmp_path / "vault")))
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    jobs.add_job(ctx, jobs.JobSpec("nightly", "vault", "all", "files", "daily@02:00", "UTC", keep=5))
    made = [backups.backup_now(ctx, backups.BackupNow("alice", "vault", "files", job="nightly")).backup_id
            for _ in range(3)]
    tab = settings_tab(window, qtbot, "Jobs")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=WAIT_MS)
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.change_button, Qt.MouseButton.LeftButton)
    d = tab.dialog
    qtbot.waitUntil(lambda: "Every day at 02:00" in d.schedule_preview.text(), timeout=WAIT_MS)
    assert d.schedule_preview.text().count("<br>") == 5                  # the next five runs
    qtbot.waitUntil(lambda: "Nothing would be removed" in d.retention_preview.text(), timeout=WAIT_MS)
    d.keep.setValue(1)
    qtbot.waitUntil(lambda: d.removed.count() == 2, timeout=WAIT_MS)
    assert {d.removed.item(i).text().split(":")[0] for i in range(2)} == set(made[:2])
    d.schedule.setCurrentText("weekly@sun,03:30")
    qtbot.waitUntil(lambda: "Every Sunday at 03:30" in d.schedule_preview.text(), timeout=WAIT_MS)
    d.schedule.setCurrentText("sometimes")
    qtbot.waitUntil(lambda: "Invalid schedule" in d.schedule_preview.text(), timeout=WAIT_MS)
    d.reject()
    assert ctx.catalog.jobs.get("nightly").keep_last == 5 and len(ctx.catalog.backups.list()) == 3   # nothing changed


def test_a_destination_test_shows_latency_and_throughput(window, qtbot, demo_ctx, tmp_path):
    tab = settings_tab(window, qtbot, "Destinations")
    add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "works" in tab.message.text(), timeout=WAIT_MS)
    assert "Latency" in tab.message.text() and "MiB/s" in tab.message.text()


def test_restore_conditions_must_be_accepted_in_the_wizard(window, qtbot, demo_ctx, tmp_path):
    ctx = demo_ctx
    tab = settings_tab(window, qtbot, "Restore conditions")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    tab.dialog.text.setText("The owner was told.")
    with qtbot.waitSignal(tab.dialog.saved, timeout=WAIT_MS):
        qtbot.keyClick(tab.dialog.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=WAIT_MS)
    add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home_dir(tmp_path))))
    back_up_on_demand(window, qtbot, "alice", "vault")
    wizard = open_restore(window, qtbot, "alice", pages=2)
    from desktop.restore_wizard import P_CONDITIONS

    assert wizard.currentId() == P_CONDITIONS and not wizard.conditions_page.isComplete()
    assert wizard.conditions_page.list.item(0).text() == "1. The owner was told."
    wizard.conditions_page.accept_box.setChecked(True)
    assert wizard.conditions_page.isComplete()
    assert all(r.accept_conditions for r in wizard.requests(accept=True))


@pytest.mark.parametrize("row", [1, 2, 3, 4])
def test_every_page_puts_the_focus_where_typing_belongs(window, qtbot, row):
    from tests.desktop.test_keyboard import activate

    activate(qtbot, window)
    window.sidebar.setCurrentRow(row)
    page = window.pages.currentWidget()
    expected = {1: lambda: page.search, 2: lambda: page.table, 3: lambda: page.search,
                4: lambda: page.tabs.tabBar()}[row]()                    # Settings: the tabs, to pick one
    qtbot.waitUntil(expected.hasFocus, timeout=WAIT_MS)


def test_an_owner_held_key_is_reset_to_the_owners_new_key_file(window, qtbot, demo_ctx, tmp_path):
    from core.accounts.keys import format_owner_key, generate_owner_key
    from desktop.account_dialogs import ResetKeyDialog

    ctx = demo_ctx
    destinations.add_destination(ctx, destinations.AddDestination("vault", "local", path=str(tmp_path / "vault")))
    accounts.add_account(ctx, accounts.AddAccount("olga", str(home_dir(tmp_path, "olga")), encryption="owner"))
    key_file = tmp_path / "olga.key"
    key_file.write_text(format_owner_key(generate_owner_key()))
    d = ResetKeyDialog(ctx, window.runner, accounts.show_account(ctx, accounts.AccountRef("olga")), 0, window)
    qtbot.addWidget(d)
    d.show()
    from tests.desktop.test_keyboard import clashes

    assert clashes(d) == {}                                                   # every mnemonic of the dialog works
    d.passphrase.setText("a passphrase too")
    d.repeat.setText("a passphrase too")
    d.key_file.setText(str(key_file))
    d.typed.setText("olga")
    qtbot.mouseClick(d.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not both" in d.message.text(), timeout=WAIT_MS)     # one or the other
    d.passphrase.setText("")
    d.repeat.setText("")
    with qtbot.waitSignal(d.done_reset, timeout=WAIT_MS, raising=False) as reset:
        qtbot.mouseClick(d.reset_button, Qt.MouseButton.LeftButton)
    assert reset.signal_triggered, d.message.text()
    made = backups.backup_now(ctx, backups.BackupNow("olga", "vault", "files"))   # unattended from now on
    keys = backups.KeyFiles(owner_key_file=str(key_file))
    seen = backups.browse_backup(ctx, backups.BrowseBackup(made.backup_id, keys=keys))
    assert seen.files is not None and seen.files.has_children(b"")
