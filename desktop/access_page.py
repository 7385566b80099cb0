"""The Access page: your backup token; and for admins the users, the backup mode with its plans, and
the mail server for notifications. Tabs a user may not use are not there at all (the main window
asks core which actions the signed-in user may do). Every change goes through desktop/ops/access.py."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.access_dialogs import TokenShownDialog, UserDialog
from desktop.dialogs import ask, message_label, say, say_failure
from desktop.ops import access as access_ops
from desktop.settings_tabs import ListTab
from desktop.widgets import PasswordField, leading_row, note_label, push_button

TOKEN_STATES = {"none": "none", "pending": "waiting", "valid": "valid"}
MODE_WORDS = {"admin-configured": "Admin-configured", "user-configured": "User-configured"}


class _Tab(QWidget):
    """A form tab: runs tasks and shows failures in its message line."""

    def __init__(self, ctx, runner):
        super().__init__()
        self.ctx, self.runner = ctx, runner
        self.message = message_label()

    def run(self, task, on_success, what: str, *, on_failure=None, lane: str = "pool", **kw):
        def failed(exc):
            if on_failure is not None:
                on_failure(exc)
            say_failure(self, self.message, exc, self.ctx.home.log_file)
        return self.runner.run(task, name=what, lane=lane, on_success=on_success, on_failure=failed, **kw)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.load()


# --- your backup token ------------------------------------------------------------------------------------------
class TokenTab(_Tab):
    made = Signal(object)

    def __init__(self, ctx, runner, permissions):
        super().__init__(ctx, runner)
        self.permissions = permissions
        self.status = None
        self.shown: TokenShownDialog | None = None
        layout = QVBoxLayout(self)
        intro = QLabel("Your backup token is asked for when you export units, start a backup or a download. It is "
                       "shown once when made; the app keeps only a fingerprint of it. Making or resetting it needs "
                       "your password, and every admin is told by email.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.state = note_label("tokenState")
        layout.addWidget(self.state)
        form = QFormLayout()
        self.password = PasswordField("Your password")
        self.password_label = QLabel("Your &password:")
        self.password_label.setBuddy(self.password)
        form.addRow(self.password_label, self.password)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.create_button = push_button("&Create token", "key", "Create your backup token")
        self.reset_button = push_button("&Reset token…", "refresh", "Replace your backup token")
        self.create_button.clicked.connect(lambda: self.make(reset=False))
        self.reset_button.clicked.connect(self.ask_reset)
        row.addWidget(self.create_button)
        row.addWidget(self.reset_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.password.edit.returnPressed.connect(
            lambda: self.make(reset=False) if self.create_button.isVisible() else self.ask_reset())
        self._password_less(permissions.password_less)

    def _password_less(self, less: bool) -> None:
        self.password.setVisible(not less)
        self.password_label.setVisible(not less)

    def load(self) -> None:
        if not self.permissions.governed:
            self.state.setText("This installation has no users yet: nothing asks for a backup token.")
            for w in (self.create_button, self.reset_button, self.password, self.password_label):
                w.setVisible(False)
            return
        self.run(access_ops.token_status(self.ctx), self._show, "token status")

    def _show(self, st) -> None:
        self.status = st
        if st.state == "none":
            self.state.setText("You have no backup token yet.")
        elif st.state == "pending":
            self.state.setText(f"Your backup token becomes valid at {fmt.date_time(st.valid_from)} (it was made "
                               "without a password), unless an admin allows it now.")
        else:
            self.state.setText(f"Your backup token is valid (made {fmt.date_time(st.created_at)}).")
        self.create_button.setVisible(st.state == "none")
        self.reset_button.setVisible(st.state != "none")
        self._password_less(self.permissions.password_less)

    def ask_reset(self) -> None:
        self.confirm_box = ask(self, "Reset your backup token?",
                               "A new token replaces the old one, which stops working at once: update the places "
                               "that keep it.", "&Reset it", lambda: self.make(reset=True))

    def make(self, *, reset: bool) -> None:
        password = None if self.permissions.password_less else self.password.text()
        if password is not None and not password:
            say(self.message, "<b>Type your password first.</b>")
            self.password.setFocus()
            return
        say(self.message, "")
        self.create_button.setEnabled(False)
        self.reset_button.setEnabled(False)

        def again(_e=None):
            self.create_button.setEnabled(True)
            self.reset_button.setEnabled(True)
        self.run(access_ops.make_token(self.ctx, password, reset=reset), lambda m: (again(), self._made(m)),
                 "token", on_failure=again, lane="unit")

    def _made(self, made) -> None:
        self.password.setText("")
        self._show(made.status)
        self.shown = TokenShownDialog(self.ctx, self.runner, made, self)
        self.shown.finished.connect(lambda *_: setattr(self, "shown", None))
        self.made.emit(made.status)
        self.shown.open()

    def focus_input(self) -> None:
        (self.password if self.password.isVisible() else self).setFocus()


# --- users (admins) --------------------------------------------------------------------------------------------
class UsersTab(ListTab):
    def __init__(self, ctx, runner):
        self.names: dict = {}
        self.tokens: dict = {}
        super().__init__(ctx, runner, "Who may use this installation, and as what: admins may do everything, "
                                      "helpdesk users export, import and run backups, users see their own "
                                      "accounts. The first user is an admin; the last admin stays.",
                         [("User", lambda u: u.username), ("Role", lambda u: u.role),
                          ("Signs in with", lambda u: "OS login" if u.password_less else "password"),
                          ("Email", lambda u: u.email), ("Accounts", lambda u: ", ".join(
                              self.names.get(a, a) for a in u.accounts)),
                          ("Token", lambda u: TOKEN_STATES.get(self.tokens.get(u.id, "none"), ""))],
                         "Users", stretch=4)
        for col, width in enumerate((130, 90, 110, 220)):
            self.table.setColumnWidth(col, width)
        self.add_button = push_button("&Add user…", "plus", "Add a user")
        self.edit_button = push_button("Chan&ge…", "settings", "Change the chosen user")
        self.remove_button = push_button("Rem&ove…", "error", "Remove the chosen user")
        self.allow_button = push_button("Allo&w token now", "check", "Make the chosen user's waiting token valid now")
        self.add_buttons(self.add_button, self.edit_button, self.remove_button, self.allow_button)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.remove_button.clicked.connect(self.remove)
        self.allow_button.clicked.connect(self.allow_now)
        self.table.activated.connect(lambda _i: self.edit())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())

    def load(self) -> None:
        self.run(access_ops.list_users(self.ctx), self._show, "users")

    def _show(self, listing) -> None:
        self.names, self.tokens = listing.account_names, listing.tokens
        self.show_rows(listing.users, key=lambda u: u.username)
        self._enable()

    def _enable(self) -> None:
        user = self.selected()
        for b in (self.edit_button, self.remove_button):
            b.setEnabled(user is not None)
        self.allow_button.setEnabled(user is not None and self.tokens.get(user.id) == "pending")

    def add(self) -> None:
        self.open(UserDialog(self.ctx, self.runner, None, self.names, self), "saved")

    def edit(self) -> None:
        user = self.selected()
        if user is not None:
            self.open(UserDialog(self.ctx, self.runner, user, self.names, self), "saved")

    def remove(self) -> None:
        user = self.selected()
        if user is None:
            return
        self.confirm_box = ask(self, "Remove this user?",
                               f"{fmt.name(user.username)} can no longer sign in; their backup token and their own "
                               "backup settings go with them.", "&Remove the user",
                               lambda: self.run(access_ops.remove_user(self.ctx, user.username),
                                                lambda _r: (say(self.message, ""), self.load()), "remove user",
                                                lane="unit"))

    def allow_now(self) -> None:
        user = self.selected()
        if user is not None:
            self.run(access_ops.allow_now(self.ctx, user.username),
                     lambda st: (say(self.message, f"The token of {fmt.name(st.username)} is valid now."),
                                 self.load()), "allow token", lane="unit")


def _fit_names(combo: QComboBox) -> None:
    """Wide enough for a usual plan or account name; a longer one is cut rather than widening the page."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)


# --- the backup mode and plans (admins) ------------------------------------------------------------------------------
class ModeTab(_Tab):
    changed = Signal(object)       # a plan changed or removed (its name)

    def __init__(self, ctx, runner):
        super().__init__(ctx, runner)
        self.info = None
        self.confirm_box = None
        layout = QVBoxLayout(self)
        box = QGroupBox("Who configures account backups")
        v = QVBoxLayout(box)
        self.admin_mode = QRadioButton("A&dmin-configured")
        self.user_mode = QRadioButton("U&ser-configured")
        group = QButtonGroup(self)
        group.addButton(self.admin_mode)
        group.addButton(self.user_mode)
        for button, text in ((self.admin_mode, "The admin's backups.env sets schedule, retention and destination; "
                                               "users cannot change or start backups."),
                             (self.user_mode, "Users of accounts whose plan has the Backups module choose their own "
                                              "destination, schedule and items, and may start a backup.")):
            v.addWidget(button)
            about = QLabel(text)
            about.setWordWrap(True)
            about.setContentsMargins(24, 0, 0, 4)
            v.addWidget(about)
        self.mode_state = note_label("modeState")
        v.addWidget(self.mode_state)
        self.apply_button = push_button("Appl&y mode", "check", "Use the chosen backup mode")
        self.apply_button.clicked.connect(self.apply_mode)
        v.addLayout(leading_row(self.apply_button))
        layout.addWidget(box)
        plans = QGroupBox("Plans")
        p = QVBoxLayout(plans)
        self.plans = note_label("plansList")
        p.addWidget(self.plans)
        add = QHBoxLayout()
        self.plan_name = QLineEdit()
        self.plan_name.setAccessibleName("New plan's name")
        label = QLabel("New &plan:")
        label.setBuddy(self.plan_name)
        self.plan_backups = QCheckBox("&Backups module")
        self.add_plan_button = push_button("&Add plan", "plus", "Add the plan")
        self.add_plan_button.clicked.connect(self.add_plan)
        for w in (label, self.plan_name, self.plan_backups, self.add_plan_button):
            add.addWidget(w)
        add.addStretch(1)
        p.addLayout(add)
        assign = QHBoxLayout()
        self.account = QComboBox()
        self.account.setAccessibleName("Account")
        alabel = QLabel("Acc&ount:")
        alabel.setBuddy(self.account)
        self.plan = QComboBox()
        self.plan.setAccessibleName("Plan for the account")
        plabel = QLabel("P&lan:")
        plabel.setBuddy(self.plan)
        for combo in (self.account, self.plan):
            _fit_names(combo)
        self.assign_button = push_button("Assi&gn", "check", "Give the account the chosen plan")
        self.assign_button.clicked.connect(self.assign)
        for w in (alabel, self.account, plabel, self.plan, self.assign_button):
            assign.addWidget(w)
        assign.addStretch(1)
        p.addLayout(assign)
        self.account.currentTextChanged.connect(self._show_account_plan)
        edit = QHBoxLayout()
        self.existing = QComboBox()
        self.existing.setAccessibleName("Existing plan")
        _fit_names(self.existing)
        elabel = QLabel("E&xisting plan:")
        elabel.setBuddy(self.existing)
        self.existing_backups = QCheckBox("&With the Backups module")
        self.change_plan_button = push_button("&Change plan", "settings", "Save the existing plan's Backups module")
        self.remove_plan_button = push_button("&Remove plan…", "error", "Remove the existing plan")
        self.change_plan_button.clicked.connect(self.change_plan)
        self.remove_plan_button.clicked.connect(self.remove_plan)
        self.existing.currentIndexChanged.connect(self._show_existing)
        for w in (elabel, self.existing, self.existing_backups):
            edit.addWidget(w)
        edit.addStretch(1)
        p.addLayout(edit)
        edit_buttons = QHBoxLayout()       # a row of their own: the page stays narrow enough for a small screen
        edit_buttons.addWidget(self.change_plan_button)
        edit_buttons.addWidget(self.remove_plan_button)
        edit_buttons.addStretch(1)
        p.addLayout(edit_buttons)
        layout.addWidget(plans)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def load(self) -> None:
        self.run(access_ops.show_mode(self.ctx), self._show, "mode")

    def _show(self, info) -> None:
        self.info = info
        (self.user_mode if info.mode == "user-configured" else self.admin_mode).setChecked(True)
        env = info.env
        env_text = ("backups.env is in use." if env.ok else f"{env.path} does not exist." if not env.exists
                    else f"backups.env has {fmt.count(len(env.problems), 'problem')}: "
                         + "; ".join(str(p) for p in env.problems[:3]))
        self.mode_state.setText(f"Now: {MODE_WORDS.get(info.mode, info.mode)}. "
                                + ("" if info.backups_enabled else "Backups are disabled by a setting. ")
                                + (env_text if info.mode == "admin-configured" else ""))
        self.plans.setText("; ".join(f"{p.name} (Backups module {'on' if p.backups else 'off'}, "
                                     f"{fmt.count(p.accounts, 'account')})" for p in info.plans) or "No plans yet.")
        self.plan.clear()
        self.plan.addItem("No plan", None)
        for p in info.plans:
            self.plan.addItem(p.name, p.name)
        account = self.account.currentText()
        self.account.blockSignals(True)
        self.account.clear()
        self.account.addItems(sorted(info.account_plans))
        self.account.setCurrentIndex(max(0, self.account.findText(account)))
        self.account.blockSignals(False)
        self._show_account_plan(self.account.currentText())
        self.assign_button.setEnabled(self.account.count() > 0)
        existing = self.existing.currentData()
        self.existing.blockSignals(True)
        self.existing.clear()
        for p in info.plans:
            self.existing.addItem(p.name, p.name)
        self.existing.setCurrentIndex(max(0, self.existing.findData(existing)))
        self.existing.blockSignals(False)
        self._show_existing()

    def _show_account_plan(self, account: str) -> None:
        """The plan picker shows the chosen account's current plan."""
        if self.info is not None and account in self.info.account_plans:
            self.plan.setCurrentIndex(max(0, self.plan.findData(self.info.account_plans[account])))

    def _show_existing(self, *_a) -> None:
        plan = next((p for p in (self.info.plans if self.info else ()) if p.name == self.existing.currentData()), None)
        self.existing_backups.setChecked(bool(plan and plan.backups))
        for w in (self.existing, self.existing_backups, self.change_plan_button, self.remove_plan_button):
            w.setEnabled(plan is not None)

    def change_plan(self) -> None:
        name, backups = self.existing.currentData(), self.existing_backups.isChecked()
        if name is None:
            return
        self.run(access_ops.edit_plan(self.ctx, name, backups),
                 lambda _p: (say(self.message, f"Plan {fmt.name(name)}: Backups module {'on' if backups else 'off'}."),
                             self.load(), self.changed.emit(name)), "plan", lane="unit")

    def remove_plan(self) -> None:
        name = self.existing.currentData()
        plan = next((p for p in (self.info.plans if self.info else ()) if p.name == name), None)
        if plan is None:
            return

        def go():
            self.run(access_ops.remove_plan(self.ctx, name),
                     lambda _r: (say(self.message, f"Plan {fmt.name(name)} removed."), self.load(),
                                 self.changed.emit(name)), "remove plan", lane="unit")
        self.confirm_box = ask(self, "Remove this plan?",
                               f"The plan {fmt.name(name)} goes; its {fmt.count(plan.accounts, 'account')} then "
                               "have no plan (and no Backups module) until you assign another.", "&Remove the plan",
                               go)

    def apply_mode(self) -> None:
        mode = "user-configured" if self.user_mode.isChecked() else "admin-configured"
        self.run(access_ops.set_mode(self.ctx, mode),
                 lambda info: (self._show(info), say(self.message, f"The mode is {MODE_WORDS[mode].lower()}.")),
                 "mode", lane="unit")

    def add_plan(self) -> None:
        name = self.plan_name.text().strip()
        if not name:
            self.plan_name.setFocus()
            return
        self.run(access_ops.add_plan(self.ctx, name, self.plan_backups.isChecked()),
                 lambda _p: (self.plan_name.clear(), say(self.message, f"Plan {fmt.name(name)} added."), self.load()),
                 "plan", lane="unit")

    def assign(self) -> None:
        account, plan = self.account.currentText(), self.plan.currentData()
        self.run(access_ops.assign_plan(self.ctx, account, plan),
                 lambda _g: (say(self.message, f"{fmt.name(account)}: {fmt.name(plan) if plan else 'no plan'}."),
                             self.load()), "assign plan", lane="unit")

    def focus_input(self) -> None:
        (self.user_mode if self.user_mode.isChecked() else self.admin_mode).setFocus()


# --- access settings (admins) ------------------------------------------------------------------------------------
class AccessSettingsTab(_Tab):
    """Whether backups may run at all, how long a password-less user's new token waits, how long a
    command-line session lasts (settings.access-show/-set)."""

    saved = Signal(object)         # core/app/modes.py AccessSettings

    def __init__(self, ctx, runner):
        super().__init__(ctx, runner)
        self.current = None
        layout = QVBoxLayout(self)
        intro = QLabel("While backups are disabled, no export, backup or download starts, for anyone. A new backup "
                       "token of a user without a password waits before it works, unless an admin allows it now.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.backups = QCheckBox("&Backups may run")
        self.backups.setAccessibleName("Backups may run")
        form.addRow("", self.backups)
        self.wait = QSpinBox()
        self.wait.setRange(0, 24 * 30)
        self.wait.setSuffix(" hours")
        self.wait.setAccessibleName("Token waiting period in hours")
        wait_label = QLabel("Token &waiting period:")
        wait_label.setBuddy(self.wait)
        form.addRow(wait_label, self.wait)
        self.session = QSpinBox()
        self.session.setRange(1, 24 * 30)
        self.session.setSuffix(" hours")
        self.session.setAccessibleName("Command-line sessions last, in hours")
        session_label = QLabel("Command-line &sessions last:")
        session_label.setBuddy(self.session)
        form.addRow(session_label, self.session)
        layout.addLayout(form)
        self.save_button = push_button("S&ave", "check", "Save the access settings")
        self.save_button.clicked.connect(self.save)
        layout.addLayout(leading_row(self.save_button))
        layout.addWidget(self.message)
        layout.addStretch(1)

    def load(self) -> None:
        self.run(access_ops.show_access(self.ctx), self._show, "access settings")

    def _show(self, s) -> None:
        self.current = s
        self.backups.setChecked(s.backups_enabled)
        self.wait.setValue(s.token_wait_hours)
        self.session.setValue(s.session_hours)

    def save(self) -> None:
        def done(s):
            self._show(s)
            say(self.message, "Saved." if s.backups_enabled else "Saved. <b>Backups are disabled</b> for everyone.")
            self.saved.emit(s)
        self.run(access_ops.set_access(self.ctx, backups_enabled=self.backups.isChecked(),
                                       token_wait_hours=self.wait.value(), session_hours=self.session.value()),
                 done, "access settings", lane="unit")

    def focus_input(self) -> None:
        self.backups.setFocus()


# --- the mail server (admins) ----------------------------------------------------------------------------------------
class MailTab(_Tab):
    def __init__(self, ctx, runner):
        super().__init__(ctx, runner)
        layout = QVBoxLayout(self)
        intro = QLabel("Where the app sends its mail: every admin is told when a backup token is made or reset, and "
                       "accounts hear of their backups and restores. The password goes to the secret store.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.host = QLineEdit()
        self.host.setAccessibleName("Mail server")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(587)
        self.port.setAccessibleName("Port")
        self.security = QComboBox()
        self.security.setAccessibleName("Security")
        for text, value in (("STARTTLS", "starttls"), ("TLS", "tls"), ("None (trusted network only)", "none")):
            self.security.addItem(text, value)
        self.username = QLineEdit()
        self.username.setAccessibleName("Login")
        self.password = PasswordField("Mail password")
        self.sender = QLineEdit()
        self.sender.setAccessibleName("Sender address")
        self.recipient = QLineEdit()
        self.recipient.setAccessibleName("Test recipient")
        self.recipient.setPlaceholderText("every admin with an address")
        for text, w in (("&Server:", self.host), ("&Port:", self.port), ("Se&curity:", self.security),
                        ("&Login:", self.username), ("Pass&word:", self.password), ("Sen&der:", self.sender),
                        ("Test &recipient:", self.recipient)):
            form.addRow(text, w)
        layout.addLayout(form)
        self.password_state = QLabel("")
        self.password_state.setObjectName("smtpPasswordState")
        layout.addWidget(self.password_state)
        row = QHBoxLayout()
        self.save_button = push_button("S&ave", "check", "Save the mail settings")
        self.test_button = push_button("Send test ma&il", "export", "Send a test message now")
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.send_test)
        row.addWidget(self.save_button)
        row.addWidget(self.test_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def load(self) -> None:
        self.run(access_ops.show_smtp(self.ctx), self._show, "mail settings")

    def _show(self, s: dict) -> None:
        self.host.setText(s.get("host") or "")
        self.port.setValue(int(s.get("port") or 587))
        self.security.setCurrentIndex(max(0, self.security.findData(s.get("security") or "starttls")))
        self.username.setText(s.get("username") or "")
        self.sender.setText(s.get("sender") or "")
        self.password_state.setText("A password is stored; leave the field empty to keep it." if s.get("password_set")
                                    else "No password is stored.")

    def save(self) -> None:
        self.run(access_ops.set_smtp(self.ctx, host=self.host.text().strip(), port=self.port.value(),
                                     security=self.security.currentData(), username=self.username.text().strip(),
                                     sender=self.sender.text().strip(), password=self.password.text()),
                 lambda s: (self.password.setText(""), self._show(s), say(self.message, "Saved.")), "mail settings",
                 lane="unit")

    def send_test(self) -> None:
        to = tuple(a.strip() for a in self.recipient.text().split(",") if a.strip())
        say(self.message, "Sending…")
        self.run(access_ops.test_mail(self.ctx, to),
                 lambda sent: say(self.message, f"Sent to {', '.join(sent.recipients)}." if sent.recipients
                                  else f"Not sent: {sent.problem}"), "test mail")

    def focus_input(self) -> None:
        self.host.setFocus()


class AccessPage(QWidget):
    """Tabs by permission: the token tab for every signed-in user, the others for who may manage them."""

    def __init__(self, ctx, runner, permissions, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QLabel("<h2>Access</h2>")
        head.setContentsMargins(16, 8, 16, 0)
        layout.addWidget(head)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Access")
        layout.addWidget(self.tabs)
        self.token_tab = TokenTab(ctx, runner, permissions)
        self.users_tab = UsersTab(ctx, runner)
        self.mode_tab = ModeTab(ctx, runner)
        self.mail_tab = MailTab(ctx, runner)
        self.settings_tab = AccessSettingsTab(ctx, runner)
        self.set_permissions(permissions)

    def set_permissions(self, permissions) -> None:
        self.token_tab.permissions = permissions
        self.tabs.clear()
        for widget, title, action in ((self.token_tab, "Backup &token", "token.status"),
                                      (self.users_tab, "&Users", "user.list"),
                                      (self.mode_tab, "&Mode and plans", "mode.set"),
                                      (self.mail_tab, "&Notifications", "notify.smtp-set"),
                                      (self.settings_tab, "Bac&kups and sessions", "settings.access-set")):
            if permissions.may(action) or (action == "token.status" and not permissions.governed):
                self.tabs.addTab(widget, title)

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count())]

    def reload(self) -> None:
        tab = self.tabs.currentWidget()
        if tab is not None and hasattr(tab, "load"):
            tab.load()

    def focus_input(self) -> None:
        self.tabs.tabBar().setFocus()
