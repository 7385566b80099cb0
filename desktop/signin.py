"""Signing in: once the installation has users, the app asks who is there before the main window opens,
and again after "Sign out". The user name and password go to core/app/users.py (through the task
runner: the password hash takes a moment); the actor it returns becomes the context's, so every use
case the window runs, runs as that user. A wrong password and an unknown user get the same message.
A password-less user signs in with an empty password when the app runs under their OS login."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from desktop import fmt
from desktop.dialogs import TaskDialog, say
from desktop.icons import icon
from desktop.ops import access as access_ops
from desktop.widgets import PasswordField


class SignInDialog(TaskDialog):
    signed_in = Signal(object)     # the actor

    def __init__(self, ctx, runner, parent=None):
        super().__init__(ctx, runner, parent, title="Sign in to Unitvault")
        self.setObjectName("signInDialog")
        self.actor = None
        self.status = access_ops.access_status(ctx)
        layout = QVBoxLayout(self)
        intro = QLabel("This installation has users: sign in to continue. What you may do follows your role.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.username.setMaxLength(64)
        self.password = PasswordField("Password")
        user_label = QLabel("&User name:")
        user_label.setBuddy(self.username)
        password_label = QLabel("&Password:")
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(password_label, self.password)
        layout.addLayout(form)
        self.os_note = QLabel("")
        self.os_note.setWordWrap(True)
        self.os_note.setObjectName("osLoginNote")
        if self.status.os_user:
            self.os_note.setText(f"{fmt.name(self.status.os_user)} has no password: leave the password empty to sign "
                                 "in with this computer's login.")
            self.username.setText(self.status.os_user)
        self.os_note.setVisible(bool(self.status.os_user))
        layout.addWidget(self.os_note)
        layout.addWidget(self.message)
        self.sign_in_button = QPushButton(icon("key"), "&Sign in")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.quit_button = QPushButton("&Quit")
        self.quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.quit_button)
        layout.addLayout(buttons)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.sign_in_button)
        self.setTabOrder(self.sign_in_button, self.quit_button)
        self.setMinimumWidth(440)
        self.finish_layout()
        self.sign_in_button.setDefault(True)      # Enter signs in; it changes nothing

    def sign_in(self) -> None:
        name = self.username.text().strip()
        if not name:
            say(self.message, "<b>Type your user name.</b>")
            self.username.setFocus()
            return
        password = self.password.text()
        if not password and name != self.status.os_user:
            say(self.message, "<b>Type your password.</b>")
            self.password.setFocus()
            return
        say(self.message, "")
        self.sign_in_button.setEnabled(False)
        self.run(access_ops.sign_in(self.ctx, name, password or None), self._signed_in, what="sign in",
                 on_failure=self._failed)

    def _signed_in(self, actor) -> None:
        self.actor = actor
        self.ctx.actor = actor
        self.password.setText("")
        self.finish(self.signed_in, actor)

    def _failed(self, _exc) -> None:
        self.sign_in_button.setEnabled(True)
        self.password.edit.selectAll()
        self.password.setFocus()

    def done(self, r: int) -> None:  # the password goes with the dialog
        self.password.setText("")
        super().done(r)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        (self.password if self.username.text() else self.username).setFocus(Qt.FocusReason.OtherFocusReason)
