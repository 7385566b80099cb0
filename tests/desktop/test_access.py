"""Who may do what, from the desktop: signing in once users exist, the pages and controls each role
sees, the backup token shown once, the audit log and its chain check, and the token and reason the
core asks for before an export or a replace import. The home is tests/governed.py's."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from core.app import audit, tokens
from tests.desktop.conftest import WAIT_MS
from tests.desktop.test_keyboard import activate, clashes
from tests.governed import PASSWORDS, build


@pytest.fixture
def g(demo_ctx, tmp_path):
    return build(demo_ctx, tmp_path)


@pytest.fixture
def open_window(app, qtbot, runner):
    """``open_window(g, "helper")``: the main window of a signed-in user (as desktop/app.py opens it)."""
    from desktop.mainwindow import MainWindow

    made = []

    def make(g, name: str):
        g.as_user(name)
        w = MainWindow(g.ctx, runner, background=False)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: w.units_page.view.data is not None or not w.units_page.model.rowCount(),
                        timeout=WAIT_MS)
        made.append(w)
        return w
    yield make
    for w in made:
        for dialog in list(w.open_dialogs):
            dialog.close()
    runner.wait_idle(WAIT_MS)


def page_row(window, key: str) -> int:
    from desktop.mainwindow import PAGES

    return [k for k, _t, _i in PAGES].index(key)


def shows_page(window, key: str) -> bool:
    return not window.sidebar.item(page_row(window, key)).isHidden()


def sign_in_dialog(g, runner, qtbot):
    from desktop.signin import SignInDialog

    d = SignInDialog(g.ctx, runner)
    qtbot.addWidget(d)
    d.show()
    return d


# --- signing in -----------------------------------------------------------------------------------------------
def test_sign_in_is_asked_once_users_exist_and_a_wrong_password_is_refused(demo_ctx, tmp_path, runner, qtbot, app,
                                                                           caplog):
    import logging

    from desktop.ops import access as access_ops

    caplog.set_level(logging.DEBUG)
    assert not access_ops.needs_sign_in(demo_ctx)             # a fresh home: single-user, no question
    g = build(demo_ctx, tmp_path)
    assert access_ops.needs_sign_in(g.ctx)
    d = sign_in_dialog(g, runner, qtbot)
    activate(qtbot, d)
    qtbot.waitUntil(d.username.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(d.username, "helper")
    qtbot.keyClick(d.username, Qt.Key.Key_Tab)
    assert d.password.edit.hasFocus()
    qtbot.keyClicks(d.password.edit, "not-her-password-9")
    qtbot.keyClick(d.password.edit, Qt.Key.Key_Return)        # Enter signs in (the default button)
    qtbot.waitUntil(lambda: d.message.isVisible() and "wrong" in d.message.text(), timeout=WAIT_MS)
    assert d.isVisible() and d.result() != QDialog.DialogCode.Accepted
    assert g.ctx.actor.user_id is None                          # still nobody
    assert d.password.edit.hasFocus() and d.password.edit.selectedText() == "not-her-password-9"
    qtbot.keyClicks(d.password.edit, PASSWORDS["helper"])
    with qtbot.waitSignal(d.signed_in, timeout=WAIT_MS):
        qtbot.keyClick(d.password.edit, Qt.Key.Key_Return)
    assert g.ctx.actor.name == "helper" and g.ctx.actor.role == "helpdesk"
    assert d.result() == QDialog.DialogCode.Accepted and d.password.text() == ""
    logged = caplog.text + "".join(str(r.args) + str(r.exc_info) for r in caplog.records)
    assert "sign-in" in logged and "not-her-password-9" not in logged and PASSWORDS["helper"] not in logged


def test_escape_quits_the_sign_in_and_nobody_is_signed_in(g, runner, qtbot):
    d = sign_in_dialog(g, runner, qtbot)
    activate(qtbot, d)
    assert d.sign_in_button.isDefault() and clashes(d) == {}
    qtbot.keyClick(d.username, Qt.Key.Key_Escape)
    assert d.result() == QDialog.DialogCode.Rejected and g.ctx.actor.user_id is None


def test_signing_out_asks_again_and_the_next_user_gets_their_own_view(g, open_window, qtbot):
    w = open_window(g, "boss")
    assert shows_page(w, "audit") and w.user_label.text() == "Signed in as boss (admin)"
    w.sign_out_action.trigger()
    d = w.signin_dialog
    assert not w.isVisible() and g.ctx.actor.user_id is None and g.ctx.backup_token is None
    d.username.setText("helper")
    d.password.setText(PASSWORDS["helper"])
    with qtbot.waitSignal(d.signed_in, timeout=WAIT_MS):
        d.sign_in_button.click()
    qtbot.waitUntil(w.isVisible, timeout=WAIT_MS)
    assert w.user_label.text() == "Signed in as helper (helpdesk)"
    assert not shows_page(w, "audit") and "General" not in w.settings_page.visible_tabs()


# --- what each role sees ----------------------------------------------------------------------------------------
def test_a_helpdesk_user_does_not_see_the_admin_settings(g, open_window, qtbot):
    w = open_window(g, "helper")
    assert shows_page(w, "settings") and not shows_page(w, "audit")
    tabs = w.settings_page.visible_tabs()
    assert "General" not in tabs and {"Destinations", "Jobs", "Tags"} <= set(tabs)
    w.sidebar.setCurrentRow(page_row(w, "settings"))
    page = w.settings_page
    assert page.tabs.tabText(page.tabs.currentIndex()).replace("&", "") != "General"
    for tab, buttons in ((page.destinations, ("add_button", "remove_button")),
                         (page.jobs, ("add_button", "change_button", "remove_button")),
                         (page.tags, ("add_button", "change_button", "remove_button"))):
        assert not any(getattr(tab, b).isVisibleTo(tab) for b in buttons)
    assert page.destinations.test_button.isVisibleTo(page.destinations)     # their work needs the test
    assert w.access_page.tab_titles() == ["Backup token"]                     # no users, mode or mail
    assert w.export_action.isVisible() and w.import_action.isVisible()
    accounts = w.accounts_page
    assert not accounts.accounts_tab.add_button.isVisibleTo(accounts)
    # the admin sees all of it
    boss = open_window(g, "boss")
    assert "General" in boss.settings_page.visible_tabs() and shows_page(boss, "audit")
    assert boss.access_page.tab_titles() == ["Backup token", "Users", "Mode and plans", "Notifications",
                                             "Backups and sessions"]
    assert boss.settings_page.destinations.add_button.isVisibleTo(boss.settings_page.destinations)


def test_a_user_sees_only_their_own_account_and_unit(g, open_window, qtbot):
    from tests.desktop.account_helpers import accounts_page

    w = open_window(g, "alice")
    page = accounts_page(w, qtbot)
    qtbot.waitUntil(lambda: page.model.row_of("alice") is not None, timeout=WAIT_MS)
    assert [r.account.username for r in page.model.all] == ["alice"]
    assert page.model.row_of("bob") is None
    qtbot.waitUntil(lambda: w.units_page.model.rowCount() > 0, timeout=WAIT_MS)
    assert {u.name for u, _c in w.units_page.model.rows} == {"alice"}
    assert not shows_page(w, "settings") and not shows_page(w, "audit") and not shows_page(w, "activity")
    assert not w.queue_page.cancel_button.isVisibleTo(w.queue_page)
    assert not w.export_action.isVisible() and not page.accounts_tab.add_button.isVisibleTo(page)
    assert not page.tabs.isTabVisible(1) and not page.tabs.isTabVisible(2)      # no orphans, no reassigning
    page.expand("alice")
    qtbot.waitUntil(lambda: page.panel is not None, timeout=WAIT_MS)
    assert page.panel.backups.isVisibleTo(page.panel)                      # their own backups (their plan's module)
    assert not page.panel.manage.isVisibleTo(page.panel) and not page.panel.backup.isVisibleTo(page.panel)


# --- the backup token --------------------------------------------------------------------------------------------
def make_token_in_gui(w, qtbot, password: str) -> str:
    w.sidebar.setCurrentRow(page_row(w, "access"))
    tab = w.access_page.token_tab
    w.access_page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.status is not None, timeout=WAIT_MS)
    assert "no backup token" in tab.state.text()
    tab.password.setText(password)
    qtbot.mouseClick(tab.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.shown is not None and tab.shown.isVisible(), timeout=WAIT_MS)
    return tab


def test_the_token_is_shown_once_with_a_copy_button_and_never_again(g, open_window, qtbot, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    w = open_window(g, "helper")
    tab = make_token_in_gui(w, qtbot, PASSWORDS["helper"])
    shown = tab.shown
    token = shown.token.text()
    assert len(token) >= 20 and clashes(shown) == {}
    assert shown.close_button.isDefault() and not shown.copy_button.isDefault()
    qtbot.mouseClick(shown.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == token
    assert tab.password.text() == ""                                        # the password went at once
    qtbot.keyClick(shown.token, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: tab.shown is None, timeout=WAIT_MS)
    assert "valid" in tab.state.text()
    # nowhere to be read again: no field holds it, the status has no token, the store keeps a hash
    assert not [e for e in QApplication.allWidgets() if isinstance(e, QLineEdit) and token in e.text()]
    assert token not in str(tokens.token_status(g.ctx).to_json())
    assert token not in g.ctx.catalog.tokens.get(g.ctx.actor.user_id).token_hash
    assert not tab.create_button.isVisibleTo(tab) and tab.reset_button.isVisibleTo(tab)
    assert "token.create" in caplog.text and token not in caplog.text


def test_a_wrong_password_makes_no_token(g, open_window, qtbot):
    w = open_window(g, "helper")
    w.sidebar.setCurrentRow(page_row(w, "access"))
    tab = w.access_page.token_tab
    qtbot.waitUntil(lambda: tab.status is not None, timeout=WAIT_MS)
    tab.password.setText("not-the-password-1")
    qtbot.mouseClick(tab.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.message.isVisible() and "wrong" in tab.message.text(), timeout=WAIT_MS)
    assert tab.shown is None and g.ctx.catalog.tokens.get(g.ctx.actor.user_id) is None


def test_an_export_asks_for_the_token_and_runs_with_it(g, open_window, qtbot, tmp_path, fast_kdf):
    token = g.token("helper")
    w = open_window(g, "helper")
    d = w.open_export(["alice"])
    d.password.setText("tulip-anchor-42")
    d.confirm.setText("tulip-anchor-42")
    d.destination.setText(str(tmp_path / "alice.uvault"))
    d.start_export()
    qtbot.waitUntil(lambda: getattr(d, "prompt", None) is not None and d.prompt.isVisible(), timeout=WAIT_MS)
    prompt = d.prompt
    assert prompt.objectName() == "tokenPrompt" and clashes(prompt) == {}
    assert not prompt.ok_button.isEnabled()                    # nothing typed: Enter does nothing
    assert not (tmp_path / "alice.uvault").exists()
    prompt.field.setText(token)
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        qtbot.keyClick(prompt.field.edit, Qt.Key.Key_Return)
    assert (tmp_path / "alice.uvault").exists()


# --- the audit log -------------------------------------------------------------------------------------------------
def test_the_audit_view_lists_entries_and_verify_names_a_tampered_one(g, open_window, qtbot):
    w = open_window(g, "boss")
    w.sidebar.setCurrentRow(page_row(w, "audit"))
    page = w.audit_page
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=WAIT_MS)
    actions = {e.action for e in page.model.rows}
    assert "user.add" in actions and "mode.set" in actions
    added = next(e for e in page.model.rows if e.action == "user.add" and "helper" in e.target)
    assert added.actor == "boss" and added.outcome == "done"
    with qtbot.waitSignal(page.verified, timeout=WAIT_MS) as ok:
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert ok.args[0].ok and "intact" in page.verdict.text()
    db = g.ctx.home.catalog_url.split("///", 1)[1]
    con = sqlite3.connect(db)
    con.execute("UPDATE audit_log SET target = 'nothing to see' WHERE seq = 3")
    con.commit()
    con.close()
    with qtbot.waitSignal(page.verified, timeout=WAIT_MS):
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    assert "broken at entry 3" in page.verdict.text()
    # filter by who, then export through the core use case
    page.who.setText("nobody-such")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=WAIT_MS)
    page.who.setText("")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=WAIT_MS)
    out = g.tmp_path / "audit.csv"
    page.export(out)
    qtbot.waitUntil(lambda: out.exists() and "Wrote" in page.message.text(), timeout=WAIT_MS)
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("seq,at,actor")
    assert audit.list_audit(g.ctx, audit.ListAudit(action="audit.export"))[0].outcome == "done"


# --- a reason, and the keyboard rules on the new pages and dialogs ---------------------------------------------------
def test_a_key_reset_asks_for_a_reason_and_the_audit_keeps_it(g, open_window, qtbot):
    from desktop.account_dialogs import ResetKeyDialog

    w = open_window(g, "boss")
    d = ResetKeyDialog(g.ctx, w.runner, g.ctx.catalog.accounts.get("alice"), 0, w)
    qtbot.addWidget(d)
    d.show()
    d.typed.setText("alice")
    d.reset_button.click()
    qtbot.waitUntil(lambda: getattr(d, "prompt", None) is not None and d.prompt.isVisible(), timeout=WAIT_MS)
    prompt = d.prompt
    assert prompt.objectName() == "reasonPrompt" and "reason" in prompt.findChild(type(d.message), "promptText").text()
    qtbot.keyClick(prompt.field, Qt.Key.Key_Escape)                   # Escape: nothing happens
    assert not prompt.isVisible() and d.isVisible()
    entries = [e for e in g.ctx.catalog.audit.list() if e.action == "account.key_reset"]
    assert [e.outcome for e in entries] == ["failed"]
    d.reset_button.click()
    qtbot.waitUntil(lambda: d.prompt is not prompt and d.prompt.isVisible(), timeout=WAIT_MS)
    d.prompt.field.setText("owner lost the old key, ticket 4711")
    with qtbot.waitSignal(d.done_reset, timeout=WAIT_MS):
        qtbot.keyClick(d.prompt.field, Qt.Key.Key_Return)
    done = [e for e in g.ctx.catalog.audit.list() if e.action == "account.key_reset" and e.outcome == "done"]
    assert done and done[0].details["reason"] == "owner lost the old key, ticket 4711"


def test_the_new_pages_and_dialogs_keep_the_keyboard_rules(g, open_window, qtbot):
    w = open_window(g, "boss")
    for key in ("audit", "access"):
        w.sidebar.setCurrentRow(page_row(w, key))
        tabs = getattr(w.pages.currentWidget(), "tabs", None)
        for i in range(tabs.count()) if tabs is not None else [None]:
            if i is not None:
                tabs.setCurrentIndex(i)
            assert clashes(w) == {}, (key, i)
    users_tab = w.access_page.users_tab
    w.access_page.tabs.setCurrentWidget(users_tab)
    qtbot.waitUntil(lambda: users_tab.model.rowCount() == 4, timeout=WAIT_MS)
    qtbot.mouseClick(users_tab.add_button, Qt.MouseButton.LeftButton)
    d = users_tab.dialog
    activate(qtbot, d)
    qtbot.waitUntil(d.username.hasFocus, timeout=WAIT_MS)
    assert clashes(d) == {} and d.save_button.isDefault()
    qtbot.keyClick(d.username, Qt.Key.Key_Escape)                          # Escape cancels: nobody added
    assert not d.isVisible() and g.ctx.catalog.users.count() == 4
    # removing asks first, and Enter keeps the user
    users_tab.table.selectRow([u.username for u in users_tab.model.rows].index("bob"))
    qtbot.mouseClick(users_tab.remove_button, Qt.MouseButton.LeftButton)
    box = users_tab.confirm_box
    assert box.defaultButton() is box.keep_button and box.escapeButton() is box.keep_button
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT_MS)
    assert g.ctx.catalog.users.find("bob") is not None


def test_an_admin_adds_a_user_who_owns_an_account(g, open_window, qtbot):
    w = open_window(g, "boss")
    w.sidebar.setCurrentRow(page_row(w, "access"))
    users_tab = w.access_page.users_tab
    w.access_page.tabs.setCurrentWidget(users_tab)
    qtbot.waitUntil(lambda: users_tab.model.rowCount() == 4, timeout=WAIT_MS)
    qtbot.mouseClick(users_tab.add_button, Qt.MouseButton.LeftButton)
    d = users_tab.dialog
    d.username.setText("carol")
    d.role.setCurrentIndex(d.role.findData("user"))
    d.password.setText("carol-password-1")
    d.repeat.setText("carol-password-2")
    d.save()
    assert "differ" in d.message.text() and g.ctx.catalog.users.find("carol") is None
    d.repeat.setText("carol-password-1")
    d.accounts.findItems("bob", Qt.MatchFlag.MatchExactly)[0].setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(d.saved, timeout=WAIT_MS):
        d.save_button.click()
    qtbot.waitUntil(lambda: users_tab.model.rowCount() == 5, timeout=WAIT_MS)
    from core.app import users

    actor = users.sign_in(g.ctx, users.SignIn("carol", "carol-password-1"))
    assert actor.role == "user" and actor.accounts == {g.ctx.catalog.accounts.get("bob").id}
