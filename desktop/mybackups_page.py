"""My backups: a signed-in user's own backups (user-configured mode, when their account's plan enables
the Backups module). Their destination (a type-specific form, the secret in a password field), what to
back up, when, resource limits, and Back up now (which asks for the backup token when core does).

Everything goes through desktop/ops/mybackups.py; the rules (mode, plan, whose account) are core's.
When core refuses (admin-configured mode, no Backups module, not a user), the page says why in
core's words, with the GUI's hint, and shows no controls. The destination's secret and the backups'
key live in the user's vault, opened with the key the signed-in actor holds in memory only."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.destination_fields import S3Fields, host_and_port
from desktop.dialogs import message_label, say
from desktop.errors import describe, error_html, show_error
from desktop.ops import mybackups as my_ops
from desktop.settings_dialogs import SCHEDULES
from desktop.widgets import PasswordField, ProgressPanel, leading_row, line_edit, note_label, path_row, push_button

# What core may say instead of showing the settings: the page explains, it does not offer dead controls.
REFUSALS = frozenset({"backups_admin_configured", "backups_module_disabled", "permission_denied",
                      "account_choice_needed", "sign_in_required"})
ITEMS = (("files", "Files of your home folder"), ("units", "Your units"), ("account", "Your account's details"))
TYPES = (("A folder on this computer or a mounted disk", "local"), ("An SFTP server", "sftp"), ("An S3 bucket", "s3"))


def _labelled(form: QFormLayout, text: str, field: QWidget, row=None) -> None:
    label = QLabel(text)
    label.setBuddy(field)
    form.addRow(label, row if row is not None else field)


class MyBackupsPage(QWidget):
    shown = Signal(object)        # core/app/mybackups.py MyBackups, each time it is read
    refused = Signal(str)         # the refusal's kind
    backed_up = Signal(object)    # core/accounts/backup.py BackupResult

    def __init__(self, ctx, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.info = None
        self.refusal: str | None = None
        self.handle = None
        self.prompt = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        head = QLabel("<h2>My backups</h2>")
        head.setContentsMargins(16, 8, 16, 0)
        outer.addWidget(head)
        chooser = QHBoxLayout()           # outside the settings: a refused account can be left for another
        chooser.setContentsMargins(16, 0, 16, 0)
        self.account = QComboBox()
        self.account.setAccessibleName("Which of your accounts")
        self.account_label = QLabel("Account:")
        self.account_label.setBuddy(self.account)
        chooser.addWidget(self.account_label)
        chooser.addWidget(self.account)
        chooser.addStretch(1)
        outer.addLayout(chooser)
        self.account.activated.connect(lambda _i: self.load())
        self.account.hide()
        self.account_label.hide()
        self.why = note_label("myBackupsRefusal")
        self.why.setTextFormat(Qt.TextFormat.RichText)
        self.why.setContentsMargins(16, 0, 16, 0)
        self.why.hide()
        outer.addWidget(self.why)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.content = QWidget()
        scroll.setWidget(self.content)
        self.scroll = scroll
        outer.addWidget(scroll, 1)
        layout = QVBoxLayout(self.content)
        self.status = note_label("myBackupsStatus")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.status)
        layout.addWidget(self._destination_box())
        layout.addWidget(self._settings_box())
        self.run_button = push_button("Back up &now", "export", "Back up your account now")
        self.run_button.clicked.connect(self.run_now)
        layout.addLayout(leading_row(self.run_button))
        self.progress = ProgressPanel()
        self.progress.hide()
        layout.addWidget(self.progress)
        self.message = message_label("myBackupsMessage")
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.content.hide()

    # --- building ------------------------------------------------------------------------------------------
    def _destination_box(self) -> QGroupBox:
        box = QGroupBox("Your destination")
        v = QVBoxLayout(box)
        about = QLabel("Where your backups go. It is checked (a small file written, read back and removed) before "
                       "it is saved; its secret is sealed with your password, so nobody else, admins included, can "
                       "use it.")
        about.setWordWrap(True)
        v.addWidget(about)
        form = QFormLayout()
        self.type = QComboBox()
        self.type.setAccessibleName("Destination type")
        for text, value in TYPES:
            self.type.addItem(text, value)
        _labelled(form, "&Type:", self.type)
        v.addLayout(form)
        self.stack = QStackedWidget()
        local = QWidget()
        lf = QFormLayout(local)
        self.path = line_edit("Destination folder")
        _labelled(lf, "F&older:", self.path, path_row(self.path, self, "Your destination folder", folder=True,
                                                       text="B&rowse…"))
        self.stack.addWidget(local)
        sftp = QWidget()
        sf = QFormLayout(sftp)
        self.host, self.port, host_row = host_and_port()
        _labelled(sf, "Ho&st:", self.host, host_row)
        self.user = line_edit("User name on the server")
        _labelled(sf, "User na&me:", self.user)
        self.key_file = line_edit("Private key file")
        _labelled(sf, "Key f&ile:", self.key_file, path_row(self.key_file, self, "Your private key file",
                                                              folder=False, text="B&rowse…"))
        self.key_passphrase = PasswordField("The key file's passphrase")
        _labelled(sf, "Key &passphrase:", self.key_passphrase)
        self.remote = line_edit("Folder on the server", "optional; default: your home on the server")
        _labelled(sf, "Remote fol&der:", self.remote)
        self.known_hosts = line_edit("Known hosts file", "~/.ssh/known_hosts")
        sf.addRow("Known hosts file:", self.known_hosts)
        self.stack.addWidget(sftp)
        self.s3 = S3Fields(("Endp&oint:", "&Bucket:", "P&refix:", "Reg&ion:", "Access key i&d:", "&Secret access key:"))
        self.endpoint, self.bucket, self.prefix, self.region, self.access_key, self.secret_key = self.s3.fields()
        self.stack.addWidget(self.s3)
        v.addWidget(self.stack)
        self.secret_state = note_label("mySecretState")
        v.addWidget(self.secret_state)
        self.destination_button = push_button("S&ave destination", "check", "Check and save your destination")
        self.destination_button.clicked.connect(self.save_destination)
        v.addLayout(leading_row(self.destination_button))
        self.type.currentIndexChanged.connect(self._type_changed)
        self._type_changed(0)
        return box

    def _settings_box(self) -> QGroupBox:
        box = QGroupBox("What, when and how fast")
        form = QFormLayout(box)
        self.items = QListWidget()
        self.items.setAccessibleName("What to back up")
        for value, text in ITEMS:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.items.addItem(item)
        self.items.setMaximumHeight(self.items.sizeHintForRow(0) * len(ITEMS) + 2 * self.items.frameWidth() + 4)
        _labelled(form, "What to back &up:", self.items)
        self.schedule = QComboBox()
        self.schedule.setEditable(True)
        self.schedule.setAccessibleName("Schedule")
        self.schedule.addItems(("",) + SCHEDULES)
        self.schedule.lineEdit().setPlaceholderText("on demand only; e.g. daily@02:00")
        _labelled(form, "Schedu&le:", self.schedule)
        self.bandwidth = line_edit("Bandwidth limit", "no limit; e.g. 500K or 10M (bytes a second)")
        _labelled(form, "Band&width limit:", self.bandwidth)
        self.workers = QSpinBox()
        self.workers.setRange(0, 16)
        self.workers.setSpecialValueText("the default")
        self.workers.setAccessibleName("Sealing threads")
        _labelled(form, "Wor&kers:", self.workers)
        self.cpu = QSpinBox()
        self.cpu.setRange(0, 19)
        self.cpu.setSpecialValueText("normal")
        self.cpu.setAccessibleName("CPU priority (niceness; 19 is the lowest)")
        _labelled(form, "CPU priorit&y:", self.cpu)
        self.save_button = push_button("Save settin&gs", "check", "Save what, when and how fast")
        self.save_button.clicked.connect(self.save_settings)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        form.addRow("", row)
        return box

    def _type_changed(self, i: int) -> None:
        self.stack.setCurrentIndex(i)
        self.stack.setFixedHeight(self.stack.currentWidget().sizeHint().height())

    # --- reading ---------------------------------------------------------------------------------------------
    def _run(self, task, on_success, what: str, *, retry=None, activity: str | None = None, on_failure=None):
        def failed(exc):
            if on_failure is not None:
                on_failure(exc)
            from desktop.prompts import answer

            self.prompt = answer(self, self.ctx, exc, retry=retry)
            if self.prompt is not None:
                say(self.message, "")
                return
            info = describe(exc)
            if info is None:
                return
            if info.unexpected:
                show_error(self, exc, self.ctx.home.log_file)
                return
            say(self.message, error_html(info))
        return self.runner.run(task, name=what, lane="unit", on_success=on_success, on_failure=failed,
                               activity=activity)

    def chosen_account(self) -> str | None:
        """The account chosen when the user owns several (None: their only one, core's default)."""
        return self.account.currentText() or None if self.account.count() > 1 else None

    def _fill_accounts(self) -> None:
        """The user's own accounts (the list core gives a user is theirs only); the chooser shows for several."""
        from desktop.ops import access as access_ops

        if self.account.count():
            return
        names = access_ops.account_names(self.ctx) if self.ctx.actor.role == "user" else []
        self.account.addItems(names)
        for w in (self.account, self.account_label):
            w.setVisible(len(names) > 1)

    def forget(self) -> None:
        """Sign-out: nothing of this user's stays on the page for the next one."""
        self.info = None
        self.refusal = None
        self.account.clear()
        for edit in (self.path, self.host, self.user, self.key_file, self.remote, self.known_hosts, self.endpoint,
                     self.bucket, self.prefix, self.region, self.access_key, self.bandwidth):
            edit.clear()
        for secret in (self.key_passphrase, self.secret_key):
            secret.setText("")
        self.schedule.setCurrentText("")
        self.status.setText("")
        say(self.message, "")
        self.progress.hide()
        self.content.hide()
        self.why.hide()

    def load(self) -> None:
        self._fill_accounts()
        self.runner.run(my_ops.show(self.ctx, self.chosen_account()), name="my backups", lane="pool",
                        on_success=self._show, on_failure=self._refused)

    def reload(self) -> None:
        self.load()

    def _refused(self, exc) -> None:
        info = describe(exc)
        if info is None:
            return
        kind = getattr(exc, "kind", "")
        if kind not in REFUSALS:
            if info.unexpected:
                show_error(self, exc, self.ctx.home.log_file)
            self.content.show()
            say(self.message, error_html(info))
            return
        self.info = None
        self.refusal = kind
        self.content.hide()
        self.why.setText(error_html(info))
        self.why.show()
        self.refused.emit(kind)

    def _show(self, info) -> None:
        self.info = info
        self.refusal = None
        self.why.hide()
        self.content.show()
        c = info.config
        where = fmt.html_name(info.location, 120) if info.location else "not chosen yet"
        last = fmt.date_time(c.last_run) if c is not None and c.last_run else "never"
        nxt = (fmt.date_time(info.next_run) if info.next_run else
               "on demand only (no schedule)" if c is None or not c.schedule else "not planned")
        lines = [f"Account <b>{fmt.html_name(info.account)}</b>. Destination: {where}.",
                 f"Last backup: {last}. Next: {nxt}."]
        if not info.vault_open:
            lines.append("<b>Your destination's secret and your backups' key are sealed with your password:</b> sign "
                         "out and sign in again with your password to use them.")
        self.status.setText("<br>".join(lines))
        self._fill(info)
        for w in (self.destination_button, self.run_button):
            w.setEnabled(info.vault_open)
        self.run_button.setEnabled(info.vault_open and info.destination is not None)
        self.shown.emit(info)

    def _fill(self, info) -> None:
        dest, c = info.destination, info.config
        if dest is not None:
            self.type.setCurrentIndex(max(0, self.type.findData(dest.type)))
            p = dest.params
            if dest.type == "local":
                self.path.setText(p.get("path") or "")
            elif dest.type == "sftp":
                self.host.setText(p.get("host") or "")
                self.port.setValue(int(p.get("port") or 22))
                self.user.setText(p.get("user") or "")
                self.key_file.setText(p.get("key_file") or "")
                self.remote.setText(p.get("path") or "")
                self.known_hosts.setText(p.get("known_hosts") or "")
            else:
                self.endpoint.setText(p.get("endpoint") or "")
                self.bucket.setText(p.get("bucket") or "")
                self.prefix.setText(p.get("prefix") or "")
                self.region.setText(p.get("region") or "")
                self.access_key.setText(p.get("access_key_id") or "")
        self.secret_state.setText("A secret is stored; type it again to change the destination."
                                  if info.has_secret else "")
        self.secret_state.setVisible(info.has_secret)
        if c is not None:
            for i in range(self.items.count()):
                item = self.items.item(i)
                item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in c.items
                                   else Qt.CheckState.Unchecked)
            self.schedule.setCurrentText(c.schedule or "")
            self.bandwidth.setText(str(c.bandwidth) if c.bandwidth else "")
            self.workers.setValue(c.workers or 0)
            self.cpu.setValue(c.cpu_priority or 0)

    # --- changing --------------------------------------------------------------------------------------------
    def destination_request(self) -> my_ops.SetMyDestination:
        kind = self.type.currentData()

        def text(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None
        account = self.chosen_account()
        if kind == "local":
            return my_ops.SetMyDestination("local", account, path=text(self.path))
        if kind == "sftp":
            return my_ops.SetMyDestination("sftp", account, host=text(self.host), port=self.port.value(), user=text(self.user),
                                           key_file=text(self.key_file), path=text(self.remote),
                                           known_hosts=text(self.known_hosts),
                                           secret=self.key_passphrase.text().encode() or None)
        return my_ops.SetMyDestination("s3", account, **self.s3.values())

    def save_destination(self) -> None:
        request = self.destination_request()
        say(self.message, "Checking your destination…")
        self.destination_button.setEnabled(False)

        def done(location):
            self.key_passphrase.setText("")
            self.secret_key.setText("")
            say(self.message, f"Your destination is {fmt.html_name(location, 120)}.")
            self.load()
        self._run(my_ops.set_destination(self.ctx, request), done, "my destination",
                  on_failure=lambda _e: self.destination_button.setEnabled(True))

    def chosen_items(self) -> str:
        chosen = [self.items.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.items.count())
                  if self.items.item(i).checkState() == Qt.CheckState.Checked]
        return ",".join(chosen)

    def save_settings(self) -> None:
        items = self.chosen_items()
        if not items:
            say(self.message, "<b>Tick at least one thing to back up.</b>")
            self.items.setFocus()
            return
        request = my_ops.SetMyBackups(account=self.chosen_account(), items=items, schedule=self.schedule.currentText().strip(),
                                      bandwidth=self.bandwidth.text().strip(), workers=self.workers.value(),
                                      cpu_priority=self.cpu.value())
        self._run(my_ops.save(self.ctx, request), lambda _c: (say(self.message, "Saved."), self.load()),
                  "my backup settings")

    def run_now(self) -> None:
        if self.handle is not None and not self.handle.done:
            return
        say(self.message, "")
        self.run_button.setEnabled(False)
        self.progress.show()

        def ended(_e=None):
            self.run_button.setEnabled(True)
            self.progress.hide()

        def done(result):
            ended()
            say(self.message, f"<b>Backed up.</b> Backup {fmt.html_name(result.backup_id)}: "
                              f"{fmt.count(result.files, 'file')}, {fmt.size(result.size)} "
                              f"({fmt.size(result.new_data)} new).")
            self.backed_up.emit(result)
            self.load()
        self.handle = self._run(my_ops.run_now(self.ctx, self.chosen_account()), done, "my backup", retry=self.run_now,
                                activity="A backup", on_failure=ended)
        self.progress.attach(self.handle)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.load()

    def focus_input(self) -> None:
        if self.content.isVisible():
            self.run_button.setFocus() if self.run_button.isEnabled() else self.type.setFocus()
