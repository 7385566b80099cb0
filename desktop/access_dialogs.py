"""Dialogs of the Access page: add or change a user (role, password or the OS login, the accounts a user
owns), and the new backup token, shown once with a Copy button. Every change goes through
desktop/ops/access.py (core/app use cases)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from desktop import fmt
from desktop.dialogs import TaskDialog, say
from desktop.icons import icon
from desktop.ops import access as access_ops
from desktop.widgets import PasswordField, trailing_row

ROLES = (("Admin: everything", "admin"), ("Helpdesk: exports, imports and backups", "helpdesk"),
         ("User: their own accounts", "user"))


class UserDialog(TaskDialog):
    """Add a user (``user`` None) or change one: role, sign-in, email, owned accounts."""

    saved = Signal(object)

    def __init__(self, ctx, runner, user=None, account_names: dict | None = None, parent=None):
        super().__init__(ctx, runner, parent, title=f"User {fmt.short(user.username, 40)}" if user else "Add a user")
        self.setObjectName("userDialog")
        self.user = user
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.username = QLineEdit(user.username if user else "")
        self.username.setAccessibleName("User name")
        self.username.setReadOnly(user is not None)
        form.addRow("&User name:", self.username)
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for text, value in ROLES:
            self.role.addItem(text, value)
        if user is not None:
            self.role.setCurrentIndex(self.role.findData(user.role))
        form.addRow("&Role:", self.role)
        self.with_password = QRadioButton("A pass&word")
        self.password_less = QRadioButton("No password: this computer's &login of the same name")
        group = QButtonGroup(self)
        group.addButton(self.with_password)
        group.addButton(self.password_less)
        (self.password_less if user is not None and user.password_less else self.with_password).setChecked(True)
        sign_in = QVBoxLayout()
        sign_in.addWidget(self.with_password)
        sign_in.addWidget(self.password_less)
        form.addRow("Signs in with:", sign_in)
        self.password = PasswordField("Password")
        self.repeat = PasswordField("Password again")
        self.password_label = QLabel("&Password:" if user is None else "New &password:")
        self.password_label.setBuddy(self.password)
        form.addRow(self.password_label, self.password)
        form.addRow("Repeat i&t:", self.repeat)
        if user is not None:
            form.addRow("", QLabel("Leave the password empty to keep it."))
        self.email = QLineEdit(user.email if user else "")
        self.email.setAccessibleName("Email address")
        form.addRow("E&mail:", self.email)
        self.accounts = QListWidget()
        self.accounts.setAccessibleName("Accounts the user owns")
        self.accounts.setMaximumHeight(120)
        owned = {(account_names or {}).get(a, a) for a in (user.accounts if user else ())}
        for name in access_ops.account_names(ctx):
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in owned else Qt.CheckState.Unchecked)
            self.accounts.addItem(item)
        self.accounts_label = QLabel("&Accounts:")
        self.accounts_label.setBuddy(self.accounts)
        form.addRow(self.accounts_label, self.accounts)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.save_button = QPushButton(icon("check"), "&Save" if user else "A&dd user")
        self.save_button.clicked.connect(lambda: self.save())
        layout.addLayout(self.bottom_row(self.save_button))
        self.role.currentIndexChanged.connect(self._update)
        self.with_password.toggled.connect(self._update)
        self._update()
        self.first_focus = self.role if self.user is not None else self.username
        self.finish_layout()
        self.save_button.setDefault(True)

    def _update(self, *_a) -> None:
        is_user = self.role.currentData() == "user"
        self.accounts.setEnabled(is_user)
        self.accounts_label.setEnabled(is_user)
        uses_password = self.with_password.isChecked()
        self.password.setEnabled(uses_password)
        self.repeat.setEnabled(uses_password)

    def chosen_accounts(self) -> tuple[str, ...]:
        if self.role.currentData() != "user":
            return ()
        return tuple(self.accounts.item(i).text() for i in range(self.accounts.count())
                     if self.accounts.item(i).checkState() == Qt.CheckState.Checked)

    def save(self, reason: str | None = None) -> None:
        password = self.password.text() if self.with_password.isChecked() else ""
        if password != (self.repeat.text() if self.with_password.isChecked() else ""):
            say(self.message, "<b>The two passwords differ.</b>")
            self.repeat.setFocus()
            return
        less = self.password_less.isChecked()
        role = self.role.currentData()
        if self.user is None:
            task = access_ops.add_user(self.ctx, self.username.text().strip(), role, password or None, less,
                                       self.email.text().strip(), self.chosen_accounts())
        else:
            sign_in_changed = bool(password) or less != self.user.password_less
            task = access_ops.edit_user(self.ctx, self.user.username, role=role if role != self.user.role else None,
                                        email=self.email.text().strip(), accounts=self.chosen_accounts(),
                                        password=password or None if sign_in_changed else None,
                                        password_less=less if sign_in_changed else None, reason=reason)
        self.save_button.setEnabled(False)
        self.run(task, self._saved, what="save user", lane="unit", on_failure=lambda _e: self.save_button.setEnabled(True),
                 with_reason=self.save)

    def _saved(self, result) -> None:
        self.password.setText("")
        self.repeat.setText("")
        self.finish(self.saved, result)

    def done(self, r: int) -> None:
        self.password.setText("")
        self.repeat.setText("")
        super().done(r)


class TokenShownDialog(TaskDialog):
    """The new backup token, once: selectable, with a Copy button. Closing the dialog forgets it; the app
    keeps only its hash, so it can never be shown again (a reset makes a new one)."""

    def __init__(self, ctx, runner, made, parent=None):
        super().__init__(ctx, runner, parent, title="Your new backup token")
        self.setObjectName("tokenShownDialog")
        layout = QVBoxLayout(self)
        text = QLabel("<b>This is the only time the token is shown.</b> Copy it now and keep it in a password "
                      "manager: exports, backups and downloads ask for it.")
        text.setWordWrap(True)
        layout.addWidget(text)
        row = QHBoxLayout()
        self.token = QLineEdit(made.token)
        self.token.setReadOnly(True)
        self.token.setAccessibleName("Your backup token")
        self.token.setObjectName("tokenField")
        self.token.setMinimumWidth(self.token.fontMetrics().horizontalAdvance(made.token) + 24)
        row.addWidget(self.token, 1)
        self.copy_button = QPushButton(icon("file"), "&Copy")
        self.copy_button.setAccessibleName("Copy the token to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        st = made.status
        notes = []
        if st.state == "pending":
            notes.append(f"It was made without a password, so it becomes valid at {fmt.date_time(st.valid_from)}, "
                         "unless an admin allows it now.")
        if made.notified is not None and made.notified.recipients:
            notes.append(f"Admins told by email: {', '.join(made.notified.recipients)}.")
        elif made.notified is not None and made.notified.problem:
            notes.append(f"The admins could not be emailed: {made.notified.problem}")
        self.note = QLabel(" ".join(notes))
        self.note.setWordWrap(True)
        self.note.setObjectName("tokenNote")
        self.note.setVisible(bool(notes))
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        layout.addLayout(trailing_row(self.close_button))
        self.first_focus = self.token
        self.finish_layout()
        self.close_button.setDefault(True)      # Enter closes: the token was on screen, nothing is lost

    def copy(self) -> None:
        QApplication.clipboard().setText(self.token.text())
        say(self.message, "Copied to the clipboard.")

    def done(self, r: int) -> None:
        self.token.clear()                  # the one copy the app had
        super().done(r)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.token.selectAll()


class PasswordDialog(TaskDialog):
    """Change one's own password: the current one proves it is you, the new one twice. Core seals your
    own backups' settings again under the new password and ends your command-line sessions; the actor
    it returns (holding the new key of those settings) becomes the window's."""

    changed = Signal(object)      # the actor

    def __init__(self, ctx, runner, parent=None):
        super().__init__(ctx, runner, parent, title="Change your password")
        self.setObjectName("passwordDialog")
        layout = QVBoxLayout(self)
        intro = QLabel("Your own backups' settings and key are sealed again with the new password; your "
                       "command-line sessions end.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.old = PasswordField("Current password")
        self.new = PasswordField("New password")
        self.repeat = PasswordField("New password again")
        for text, field in (("&Current password:", self.old), ("&New password:", self.new),
                            ("&Repeat the new one:", self.repeat)):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.change_button = QPushButton(icon("key"), "Chan&ge password")
        self.change_button.clicked.connect(self.change)
        layout.addLayout(self.bottom_row(self.change_button))
        self.setMinimumWidth(460)
        self.first_focus = self.old
        self.finish_layout()
        self.change_button.setDefault(True)

    def change(self) -> None:
        old, new = self.old.text(), self.new.text()
        if not old:
            say(self.message, "<b>Type your current password.</b>")
            self.old.setFocus()
            return
        if not new:
            say(self.message, "<b>Type the new password.</b>")
            self.new.setFocus()
            return
        if new != self.repeat.text():
            say(self.message, "<b>The two new passwords differ.</b>")
            self.repeat.edit.selectAll()
            self.repeat.setFocus()
            return
        say(self.message, "")
        self.change_button.setEnabled(False)

        def failed(exc):
            self.change_button.setEnabled(True)
            if getattr(exc, "kind", "") == "wrong_password":
                self.old.edit.selectAll()
                self.old.setFocus()
        self.run(access_ops.change_password(self.ctx, old, new), self._changed, what="change password", lane="unit",
                 on_failure=failed)

    def _changed(self, actor) -> None:
        self.ctx.actor = actor            # the new vault key: the old one opens nothing any more
        self._clear()
        self.finish(self.changed, actor)

    def _clear(self) -> None:
        for field in (self.old, self.new, self.repeat):
            field.setText("")

    def done(self, r: int) -> None:
        self._clear()
        super().done(r)

