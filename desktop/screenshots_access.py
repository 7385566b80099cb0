"""Screenshots of who may do what (called by desktop/screenshots.py, at 100% and 200%): the home gets
users, then the sign-in dialog (a wrong password first), the Access page's tabs, the backup token
shown once, the user dialog, the access settings, the password dialog, the Audit log page with a chain
check, the token and reason prompts, and a user's own My backups page (refused, then configured).
A home and a window of their own: the other screenshots keep their single-user home."""

from __future__ import annotations

from pathlib import Path

BOSS_PASSWORD = "boss-password-1"
ALICE_PASSWORD = "alice-password-1"


def prepare(ctx, tmp: Path) -> None:
    from core.app import accounts, modes, units, users

    for name in ("alice", "bob"):
        units.seed_unit(ctx, units.SeedUnit(name, "small", len(name)))
        home = tmp / "homes" / name
        home.mkdir(parents=True, exist_ok=True)
        accounts.add_account(ctx, accounts.AddAccount(name, str(home), email=f"{name}@example.com", units=(name,)))

    modes.add_plan(ctx, modes.PlanSpec("self-service", backups=True))
    modes.add_plan(ctx, modes.PlanSpec("managed", backups=False))
    modes.assign_plan(ctx, modes.AssignPlan("alice", "self-service"))
    users.add_user(ctx, users.AddUser("boss", "admin", BOSS_PASSWORD, email="boss@example.com"))
    admin = users.sign_in(ctx, users.SignIn("boss", BOSS_PASSWORD))
    users.add_user(ctx, users.AddUser("helper", "helpdesk", "helper-password-1", email="helpdesk@example.com"),
                   actor=admin)
    users.add_user(ctx, users.AddUser("alice", "user", ALICE_PASSWORD, email="alice@example.com",
                                      accounts=("alice",)), actor=admin)
    users.add_user(ctx, users.AddUser("ops", "user", password_less=True, accounts=("bob",)), actor=admin)


def render_access(app, out: Path, tmp: Path, wait, settle, save) -> None:
    from PySide6.QtCore import QSize

    from core.app.context import AppContext
    from desktop.app import ensure_demo
    from desktop.mainwindow import MainWindow
    from desktop.prompts import ReasonPrompt, TokenPrompt
    from desktop.signin import SignInDialog
    from desktop.taskman import TaskRunner

    ctx = AppContext.from_options(tmp / "governed-home")
    ensure_demo(ctx)
    prepare(ctx, tmp / "governed")
    runner = TaskRunner()
    dialog = SignInDialog(ctx, runner)
    dialog.show()
    dialog.username.setText("boss")
    dialog.password.setText("not the password")
    dialog.sign_in()
    wait(lambda: dialog.message.isVisible())
    settle()
    save(dialog, out, "signin-wrong-password")
    dialog.password.setText(BOSS_PASSWORD)
    dialog.sign_in()
    wait(lambda: dialog.actor is not None)
    window = MainWindow(ctx, runner, background=False)
    window.resize(QSize(1180, 680))
    window.show()
    wait(lambda: window.units_page.view.data is not None)
    settle()
    save(window, out, "main-signed-in-admin")

    from desktop.mainwindow import PAGES

    keys = [k for k, _t, _i in PAGES]
    window.sidebar.setCurrentRow(keys.index("access"))
    page = window.access_page
    tab = page.token_tab
    page.tabs.setCurrentWidget(tab)
    wait(lambda: tab.status is not None)
    settle()
    save(window, out, "access-token")
    tab.password.setText(BOSS_PASSWORD)
    tab.make(reset=False)
    wait(lambda: tab.shown is not None)
    settle()
    save(tab.shown, out, "token-shown-once")
    tab.shown.accept()
    page.tabs.setCurrentWidget(page.users_tab)
    wait(lambda: page.users_tab.model.rowCount() == 4)
    settle()
    save(window, out, "access-users")
    page.users_tab.table.selectRow(2)
    page.users_tab.edit()
    settle()
    save(page.users_tab.dialog, out, "user-dialog")
    page.users_tab.dialog.reject()
    page.tabs.setCurrentWidget(page.mode_tab)
    wait(lambda: page.mode_tab.info is not None)
    settle()
    save(window, out, "access-mode")
    page.tabs.setCurrentWidget(page.mail_tab)
    settle(300)
    save(window, out, "access-mail")
    page.tabs.setCurrentWidget(page.settings_tab)
    wait(lambda: page.settings_tab.current is not None)
    settle()
    save(window, out, "access-settings")
    password = window.change_password()
    settle()
    save(password, out, "change-password")
    password.reject()

    window.sidebar.setCurrentRow(keys.index("audit"))
    audit = window.audit_page
    wait(lambda: audit.model.rowCount() > 0)
    audit.verify()
    wait(lambda: "chain" in audit.verdict.text())
    settle(300)
    save(window, out, "audit-log")

    prompt = TokenPrompt(window, "Starting a backup, a download or an export needs your backup token.")
    prompt.show()
    settle()
    save(prompt, out, "token-prompt")
    prompt.reject()
    prompt = ReasonPrompt(window, "A replace import of 'demo' needs a reason, which the audit log keeps. Say why; "
                                  "the audit log keeps it.")
    prompt.field.setText("Restoring yesterday's configuration after ticket 4711")
    prompt.show()
    settle()
    save(prompt, out, "reason-prompt")
    prompt.reject()

    # alice's own backups: first refused (admin-configured mode), then in user-configured mode
    from core.app import users
    from desktop.ops import access as access_ops

    ctx.actor = users.sign_in(ctx, users.SignIn("alice", ALICE_PASSWORD))
    window.permissions = access_ops.permissions(ctx)
    window.apply_permissions()
    window.sidebar.setCurrentRow(keys.index("mybackups"))
    mine = window.mybackups_page
    wait(lambda: mine.refusal is not None)
    settle()
    save(window, out, "my-backups-admin-configured")
    from core.app import modes

    modes.set_mode(ctx, modes.SetMode("user-configured"), actor=admin_actor(ctx))
    ctx.actor = users.sign_in(ctx, users.SignIn("alice", ALICE_PASSWORD))
    mine.info = None
    mine.load()
    wait(lambda: mine.info is not None)
    mine.path.setText(str(tmp / "governed" / "alice-own-backups"))
    mine.save_destination()
    wait(lambda: mine.info is not None and mine.info.destination is not None)
    mine.schedule.setCurrentText("daily@02:00")
    mine.cpu.setValue(10)
    mine.save_settings()
    wait(lambda: mine.info.config is not None and mine.info.config.schedule == "daily@02:00")
    settle(300)
    save(window, out, "my-backups")
    window.close()
    runner.wait_idle()
    ctx.close()


def admin_actor(ctx):
    from core.app import users

    return users.sign_in(ctx, users.SignIn("boss", BOSS_PASSWORD))
