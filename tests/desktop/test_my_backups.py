"""Who may do what, the rest of the GUI: a user's own backups page (user-configured mode with the
Backups module, and the refusal otherwise), changing one's own password, plans shown with each
account's current one, edited and removed, the access settings, and running a job now. The home is
tests/governed.py's; every change goes through the core use cases."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from core.app import users
from tests.desktop import test_access
from tests.desktop.conftest import WAIT_MS
from tests.desktop.test_access import page_row, shows_page
from tests.desktop.test_keyboard import activate, clashes
from tests.governed import PASSWORDS, build

open_window = test_access.open_window       # the fixture: a signed-in user's main window


@pytest.fixture
def g(demo_ctx, tmp_path):
    return build(demo_ctx, tmp_path)


def my_page(w, qtbot):
    w.sidebar.setCurrentRow(page_row(w, "mybackups"))
    page = w.mybackups_page
    qtbot.waitUntil(lambda: page.info is not None or page.refusal is not None, timeout=WAIT_MS)
    return page


# --- my backups -------------------------------------------------------------------------------------------------
def test_a_user_chooses_a_local_destination_and_backs_up_now_with_the_token(g, open_window, qtbot, tmp_path):
    token = g.token("alice")
    w = open_window(g, "alice")
    assert shows_page(w, "mybackups")
    page = my_page(w, qtbot)
    assert page.refusal is None and page.content.isVisible() and not page.why.isVisible()
    assert "not chosen" in page.status.text() and not page.run_button.isEnabled()
    assert clashes(w) == {}
    for kind in ("sftp", "s3"):                              # every form of the destination keeps its mnemonics
        page.type.setCurrentIndex(page.type.findData(kind))
        assert clashes(w) == {}, kind
    assert page.secret_key.edit.echoMode() == page.secret_key.edit.EchoMode.Password
    page.type.setCurrentIndex(page.type.findData("local"))
    target = tmp_path / "alice-own-backups"
    page.path.setText(str(target))
    with qtbot.waitSignal(page.shown, timeout=WAIT_MS):
        qtbot.mouseClick(page.destination_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.info.destination is not None and page.run_button.isEnabled(), timeout=WAIT_MS)
    assert str(target) in page.status.text()
    # only the files, each night at two
    for i in range(page.items.count()):
        item = page.items.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == "units":
            item.setCheckState(Qt.CheckState.Unchecked)
    page.schedule.setCurrentText("daily@02:00")
    page.cpu.setValue(10)
    with qtbot.waitSignal(page.shown, timeout=WAIT_MS):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    config = page.info.config
    assert config.items == ("account", "files") and config.schedule == "daily@02:00" and config.cpu_priority == 10
    assert page.info.next_run is not None and "Next: on demand" not in page.status.text()
    # Back up now: core asks for the token, the prompt takes it and the backup runs
    account_id = g.ctx.catalog.accounts.get("alice").id
    assert g.ctx.catalog.backups.list(account_id) == []
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.prompt is not None and page.prompt.isVisible(), timeout=WAIT_MS)
    assert page.prompt.objectName() == "tokenPrompt" and g.ctx.catalog.backups.list(account_id) == []
    page.prompt.field.setText(token)
    with qtbot.waitSignal(page.backed_up, timeout=WAIT_MS) as made:
        qtbot.keyClick(page.prompt.field.edit, Qt.Key.Key_Return)
    listed = g.ctx.catalog.backups.list(account_id)
    assert [b.id for b in listed] == [made.args[0].backup_id]
    assert listed[0].destination == "user.alice" and any(target.iterdir())
    qtbot.waitUntil(lambda: "Backed up" in page.message.text(), timeout=WAIT_MS)


def test_in_admin_configured_mode_the_page_says_the_admin_configures_backups(demo_ctx, tmp_path, open_window, qtbot):
    g = build(demo_ctx, tmp_path, mode="admin-configured")
    w = open_window(g, "alice")
    page = my_page(w, qtbot)
    assert page.refusal == "backups_admin_configured"
    assert page.why.isVisible() and "configured by the admin" in page.why.text()
    assert not page.content.isVisible() and not page.run_button.isVisibleTo(w)


def test_without_the_backups_module_the_page_says_so(g, open_window, qtbot):
    w = open_window(g, "bob")                                    # bob's account has no plan
    page = my_page(w, qtbot)
    assert page.refusal == "backups_module_disabled" and "Backups module is not enabled" in page.why.text()
    assert not page.content.isVisible()


def test_admins_and_helpdesk_users_have_no_page_of_their_own(g, open_window, qtbot):
    for name in ("boss", "helper"):
        assert not shows_page(open_window(g, name), "mybackups")


# --- one's own password --------------------------------------------------------------------------------------------
def test_changing_ones_password_keeps_ones_own_backups_and_the_old_one_no_longer_signs_in(g, open_window, qtbot):
    w = open_window(g, "alice")
    assert w.password_action.isVisible()
    old_key = g.ctx.actor.vault_key
    d = w.change_password()
    qtbot.addWidget(d)
    activate(qtbot, d)
    qtbot.waitUntil(d.old.edit.hasFocus, timeout=WAIT_MS)
    assert clashes(d) == {} and d.change_button.isDefault()
    d.old.setText("not-her-password-1")
    d.new.setText("alice-new-password-2")
    d.repeat.setText("alice-new-password-3")
    d.change()
    assert "differ" in d.message.text()
    d.repeat.setText("alice-new-password-2")
    d.change_button.click()
    qtbot.waitUntil(lambda: d.change_button.isEnabled() and "wrong" in d.message.text(), timeout=WAIT_MS)
    assert d.old.edit.hasFocus()
    d.old.setText(PASSWORDS["alice"])
    with qtbot.waitSignal(d.changed, timeout=WAIT_MS):
        qtbot.keyClick(d.old.edit, Qt.Key.Key_Return)           # Enter changes it (the default button)
    assert d.result() == QDialog.DialogCode.Accepted and d.old.text() == d.new.text() == ""
    assert g.ctx.actor.vault_key is not None and g.ctx.actor.vault_key != old_key
    with pytest.raises(users.SignInFailed):
        users.sign_in(g.ctx, users.SignIn("alice", PASSWORDS["alice"]))
    assert users.sign_in(g.ctx, users.SignIn("alice", "alice-new-password-2")).vault_key is not None
    page = my_page(w, qtbot)                                     # her vault opens with the window's new key
    assert page.info.vault_open


def test_escape_leaves_the_password_as_it_was(g, open_window, qtbot):
    w = open_window(g, "helper")
    d = w.change_password()
    qtbot.addWidget(d)
    activate(qtbot, d)
    d.old.setText(PASSWORDS["helper"])
    d.new.setText("helper-new-password-2")
    d.repeat.setText("helper-new-password-2")
    qtbot.keyClick(d.old.edit, Qt.Key.Key_Escape)
    assert d.result() == QDialog.DialogCode.Rejected and d.new.text() == ""
    assert g.sign_in("helper").role == "helpdesk"


# --- plans, access settings --------------------------------------------------------------------------------------
def mode_tab(w, qtbot):
    w.sidebar.setCurrentRow(page_row(w, "access"))
    tab = w.access_page.mode_tab
    w.access_page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.info is not None and tab.account.count() == 2, timeout=WAIT_MS)
    return tab


def test_the_plan_picker_shows_each_accounts_plan_and_plans_are_edited_and_removed(g, open_window, qtbot):
    from core.app import modes

    w = open_window(g, "boss")
    tab = mode_tab(w, qtbot)
    assert clashes(w) == {}
    tab.account.setCurrentIndex(tab.account.findText("alice"))
    assert tab.plan.currentData() == "self-service"
    tab.account.setCurrentIndex(tab.account.findText("bob"))
    assert tab.plan.currentData() is None and tab.plan.currentText() == "No plan"
    # the existing plan: the Backups module off, then the plan removed
    tab.existing.setCurrentIndex(tab.existing.findData("self-service"))
    assert tab.existing_backups.isChecked()
    tab.existing_backups.setChecked(False)
    with qtbot.waitSignal(tab.changed, timeout=WAIT_MS):
        qtbot.mouseClick(tab.change_plan_button, Qt.MouseButton.LeftButton)
    assert not g.ctx.catalog.plans.get("self-service").backups
    qtbot.mouseClick(tab.remove_plan_button, Qt.MouseButton.LeftButton)
    box = tab.confirm_box
    assert box.defaultButton() is box.keep_button
    with qtbot.waitSignal(tab.changed, timeout=WAIT_MS):
        box.yes_button.click()
    assert [p.name for p in modes.list_plans(g.ctx)] == []
    tab.account.setCurrentIndex(tab.account.findText("alice"))
    qtbot.waitUntil(lambda: tab.plan.currentText() == "No plan", timeout=WAIT_MS)


def test_the_access_settings_are_read_and_saved(g, open_window, qtbot):
    from core.app import modes

    w = open_window(g, "boss")
    w.sidebar.setCurrentRow(page_row(w, "access"))
    tab = w.access_page.settings_tab
    w.access_page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.current is not None, timeout=WAIT_MS)
    assert clashes(w) == {}
    assert tab.backups.isChecked() and tab.wait.value() == 24 and tab.session.value() == tab.current.session_hours
    tab.backups.setChecked(False)
    tab.wait.setValue(2)
    tab.session.setValue(12)
    with qtbot.waitSignal(tab.saved, timeout=WAIT_MS):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    s = modes.show_access(g.ctx)
    assert (s.backups_enabled, s.token_wait_hours, s.session_hours) == (False, 2, 12)


def test_a_user_sees_no_access_settings(g, open_window, qtbot):
    assert open_window(g, "alice").access_page.tab_titles() == ["Backup token"]


# --- a job run now -----------------------------------------------------------------------------------------------
def test_run_job_now_asks_for_the_token_and_queues_the_jobs_backups(g, open_window, qtbot):
    from core.app import jobs, queue

    jobs.add_job(g.ctx, jobs.JobSpec("nightly", "offsite", accounts="alice,bob", schedule="daily@02:00",
                                     keep=3), actor=g.sign_in("boss"))
    token = g.token("helper")
    w = open_window(g, "helper")
    w.sidebar.setCurrentRow(page_row(w, "settings"))
    page = w.settings_page
    page.tabs.setCurrentWidget(page.jobs)
    tab = page.jobs
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=WAIT_MS)
    assert tab.run_now_button.isVisibleTo(tab) and clashes(w) == {}
    before = len(queue.list_queue(g.ctx, actor=g.sign_in("boss")).items)
    qtbot.mouseClick(tab.run_now_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.prompt is not None and tab.prompt.isVisible(), timeout=WAIT_MS)
    tab.prompt.field.setText(token)
    with qtbot.waitSignal(tab.queued, timeout=WAIT_MS) as ran:
        qtbot.keyClick(tab.prompt.field.edit, Qt.Key.Key_Return)
    assert ran.args[0].items == 2
    items = queue.list_queue(g.ctx, actor=g.sign_in("boss")).items
    assert len(items) == before + 2 and {i.kind for i in items} == {"backup"}
    qtbot.waitUntil(lambda: "queued" in tab.message.text(), timeout=WAIT_MS)
    # the workers (the window's, the timer's, or a queue run) take them: each account gets its backup
    ran = queue.run_queue(g.ctx, queue.RunQueue(workers=1), actor=g.sign_in("boss"))
    assert sorted(i.state for i in ran.items) == ["done", "done"]
    for name in ("alice", "bob"):
        assert [b.destination for b in g.ctx.catalog.backups.list(g.ctx.catalog.accounts.get(name).id)] == ["offsite"]


def test_a_user_with_two_accounts_chooses_one_and_each_says_what_it_allows(g, open_window, qtbot):
    from core.app import users as user_cases

    user_cases.edit_user(g.ctx, user_cases.EditUser("alice", accounts=("alice", "bob")), actor=g.sign_in("boss"))
    w = open_window(g, "alice")
    w.sidebar.setCurrentRow(page_row(w, "mybackups"))
    page = w.mybackups_page
    qtbot.waitUntil(lambda: page.info is not None or page.refusal is not None, timeout=WAIT_MS)
    assert page.account.isVisibleTo(page) and [page.account.itemText(i) for i in range(2)] == ["alice", "bob"]
    assert page.info is not None and page.info.account == "alice"
    page.account.setCurrentIndex(1)
    page.account.activated.emit(1)
    qtbot.waitUntil(lambda: page.refusal == "backups_module_disabled", timeout=WAIT_MS)   # bob's has no plan
    assert page.account.isVisibleTo(page) and not page.content.isVisible()
    page.account.setCurrentIndex(0)
    page.account.activated.emit(0)
    qtbot.waitUntil(lambda: page.info is not None and page.refusal is None, timeout=WAIT_MS)
    assert page.content.isVisible()


def test_signing_out_leaves_nothing_of_the_users_own_backups_on_the_page(g, open_window, qtbot, tmp_path):
    w = open_window(g, "alice")
    page = my_page(w, qtbot)
    page.path.setText(str(tmp_path / "alice-own"))
    with qtbot.waitSignal(page.shown, timeout=WAIT_MS):
        page.save_destination()
    w.sign_out_action.trigger()
    assert page.info is None and page.path.text() == "" and "alice" not in page.status.text()
