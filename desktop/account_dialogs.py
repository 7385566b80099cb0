"""Dialogs for one account: add it, manage it (email, on-demand maximum, priority, excludes with a live
preview, its key), reset its key (typed confirmation), back it up on demand, its tags; adopt an
orphan. Every change goes through desktop/ops (core/app use cases)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from desktop import fmt
from desktop.dialogs import TaskDialog, say
from desktop.icons import icon
from desktop.ops import accounts as account_ops
from desktop.ops import backups as backup_ops
from desktop.ops import destinations as destination_ops
from desktop.ops import tags as tag_ops
from desktop.widgets import PasswordField, path_row, scroll_body

PREVIEW_MS = 400
FROM_TAGS = "From its tags or the kind of work"


def _label(text: str, *, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


def color_icon(color: str) -> QIcon:
    px = QPixmap(14, 14)
    px.fill(QColor(color))
    return QIcon(px)


# --- add an account ------------------------------------------------------------------------------------
class AddAccountDialog(TaskDialog):
    added = Signal(object)

    def __init__(self, ctx, runner, parent=None):
        super().__init__(ctx, runner, parent, title="New account")
        self.setObjectName("addAccountDialog")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("lowercase letters, digits, _ . -")
        form.addRow("&Username:", self.username)
        self.home = QLineEdit()
        self.home.setAccessibleName("Home directory")
        home_row = path_row(self.home, self, "The account's home directory", folder=True, text="Bro&wse…")
        form.addRow("&Home directory:", home_row)
        form.labelForField(home_row).setBuddy(self.home)
        self.email = QLineEdit()
        self.email.setAccessibleName("Email")
        form.addRow("&Email:", self.email)
        self.units = QListWidget()
        self.units.setAccessibleName("Units the account owns")
        self.units.setMaximumHeight(110)
        for name in account_ops.unit_names(ctx):
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.units.addItem(item)
        form.addRow("Uni&ts:", self.units)
        enc = QVBoxLayout()
        self.app_held = QRadioButton("Held by the &app: backups and restores run unattended")
        self.owner_held = QRadioButton("Held by the account's &owner: only the owner can read its backups")
        self.app_held.setChecked(True)
        enc.addWidget(self.app_held)
        enc.addWidget(self.owner_held)
        form.addRow("Encryption key:", enc)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.add_button = QPushButton(icon("plus"), "A&dd account")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add)
        layout.addLayout(self.bottom_row(self.add_button))
        self.first_focus = self.username
        self.finish_layout()
        self.add_button.setDefault(True)

    def checked_units(self) -> tuple[str, ...]:
        return tuple(self.units.item(i).text() for i in range(self.units.count())
                     if self.units.item(i).checkState() == Qt.CheckState.Checked)

    def add(self) -> None:
        say(self.message, "")
        self.add_button.setEnabled(False)
        self.run(account_ops.add(self.ctx, self.username.text().strip(), self.home.text().strip(),
                                 email=self.email.text().strip(), unit_names=self.checked_units(),
                                 encryption="owner" if self.owner_held.isChecked() else "app"),
                 lambda r: self.finish(self.added, r), what="add account",
                 on_failure=lambda _e: self.add_button.setEnabled(True))


# --- manage an account -----------------------------------------------------------------------------------
class ManageAccountDialog(TaskDialog):
    saved = Signal(object)
    reset_requested = Signal(str)

    def __init__(self, ctx, runner, account, parent=None):
        super().__init__(ctx, runner, parent, title=f"Manage account {fmt.short(account.username, 40)}")
        self.setObjectName("manageAccountDialog")
        self.account = account
        self.preview = None
        self._preview_handle = None
        outer = QVBoxLayout(self)
        layout = scroll_body(outer)
        head = _label(f"{account.username} · {account.home_dir}")
        head.setObjectName("accountHead")
        layout.addWidget(head)
        form = QFormLayout()
        self.email = QLineEdit(account.email)
        self.email.setAccessibleName("Email")
        form.addRow("&Email:", self.email)
        limits = tag_ops.backup_settings(ctx)
        od = QHBoxLayout()
        self.global_max = QRadioButton(f"&Use the global maximum ({fmt.number(limits.ondemand_max)})")
        self.own_max = QRadioButton("&Own maximum:")
        self.max_spin = QSpinBox()
        self.max_spin.setRange(1, 99)
        self.max_spin.setAccessibleName("Maximum on-demand backups of this account")
        group = QButtonGroup(self)
        group.addButton(self.global_max)
        group.addButton(self.own_max)
        if account.max_on_demand is None:
            self.global_max.setChecked(True)
            self.max_spin.setValue(limits.ondemand_max)
        else:
            self.own_max.setChecked(True)
            self.max_spin.setValue(account.max_on_demand)
        self.max_spin.setEnabled(self.own_max.isChecked())
        self.own_max.toggled.connect(self.max_spin.setEnabled)
        od.addWidget(self.global_max)
        od.addWidget(self.own_max)
        od.addWidget(self.max_spin)
        od.addStretch(1)
        form.addRow("On-demand backups:", od)
        self.priority = QComboBox()
        self.priority.setAccessibleName("Priority group of this account's work")
        self.priority.addItem(FROM_TAGS, None)
        for g in tag_ops.priorities(ctx)["groups"]:
            self.priority.addItem(f"{g.name} ({fmt.number(g.value)})", g.name)
        self.priority.setCurrentIndex(max(0, self.priority.findData(account.priority_group))
                                      if account.priority_group else 0)
        form.addRow("&Priority group:", self.priority)
        layout.addLayout(form)

        excludes = QGroupBox("Excludes")
        ex = QHBoxLayout(excludes)
        left = QVBoxLayout()
        ex_label = QLabel("E&xclude patterns, one a line (gitignore style: cache/, *.log, /tmp):")
        ex_label.setWordWrap(True)
        self.excludes = QPlainTextEdit("\n".join(account.excludes))
        self.excludes.setAccessibleName("Exclude patterns, one a line")
        self.excludes.setTabChangesFocus(True)
        ex_label.setBuddy(self.excludes)
        left.addWidget(ex_label)
        left.addWidget(self.excludes, 1)
        ex.addLayout(left, 1)
        right = QVBoxLayout()
        self.preview_label = _label("")
        self.preview_label.setObjectName("excludePreview")
        self.matched = QListWidget()
        self.matched.setAccessibleName("What the patterns leave out")
        right.addWidget(self.preview_label)
        right.addWidget(self.matched, 1)
        ex.addLayout(right, 1)
        layout.addWidget(excludes, 1)
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_MS)
        self.preview_timer.timeout.connect(self.refresh_preview)
        self.excludes.textChanged.connect(lambda: self.preview_timer.start())

        key = QGroupBox("Encryption key")
        kv = QVBoxLayout(key)
        if account.encryption == "app":
            kv.addWidget(_label("Held by the app: backups and restores run unattended. Export its key kit and keep "
                                "it safe: with it, any installation opens this account's backups."))
        else:
            kv.addWidget(_label("Held by the account's owner: backups run unattended with a write-only key, and "
                                "only the owner's passphrase or key file reads them. The owner keeps the kit."))
        krow = QHBoxLayout()
        self.export_button = QPushButton(icon("key"), "Export the &key kit…")
        self.export_button.setVisible(account.encryption == "app")
        self.export_button.clicked.connect(self.export_kit)
        self.reset_button = QPushButton(icon("warning"), "&Reset the key…")
        self.reset_button.setAccessibleName("Reset the account's key (deletes its backups)")
        self.reset_button.clicked.connect(lambda: self.reset_requested.emit(self.account.username))
        krow.addWidget(self.export_button)
        krow.addWidget(self.reset_button)
        krow.addStretch(1)
        kv.addLayout(krow)
        self.key_message = _label("", rich=True)
        self.key_message.hide()
        kv.addWidget(self.key_message)
        layout.addWidget(key)
        outer.addWidget(self.message)
        self.save_button = QPushButton(icon("check"), "&Save")
        self.save_button.clicked.connect(self.save)
        outer.addLayout(self.bottom_row(self.save_button, close_text="Close"))
        self.resize(760, 640)
        self.first_focus = self.email
        self.finish_layout()
        self.save_button.setDefault(True)
        self.refresh_preview()

    def patterns(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.excludes.toPlainText().splitlines() if line.strip())

    def refresh_preview(self) -> None:
        self.preview_timer.stop()
        patterns = self.patterns()
        self.preview_label.setText("Looking at the home directory…")

        def done(preview, patterns=patterns):
            if patterns != self.patterns():
                return                       # typed on meanwhile: the next preview is coming
            self.preview = preview
            self.matched.clear()
            for path in preview.matched:
                self.matched.addItem(path)
            if not patterns:
                text = "No patterns: every file of the home directory is backed up."
            elif not preview.matched_count:
                text = f"These patterns match nothing among the {fmt.number(preview.scanned)} entries."
            else:
                text = (f"Left out of backups: {fmt.count(preview.matched_count, 'entry', 'entries')} "
                        f"({fmt.size(preview.matched_bytes)}) of {fmt.number(preview.scanned)}.")
            if not preview.complete:
                text += " (Only the first entries were looked at.)"
            self.preview_label.setText(text)

        def failed(exc):
            from desktop.errors import describe

            info = describe(exc)
            self.matched.clear()
            self.preview_label.setText(info.message if info else "")
        self._preview_handle = self.runner.run(account_ops.preview_excludes(self.ctx, self.account.username, patterns),
                                               name="excludes preview", lane="pool", on_success=done,
                                               on_failure=failed, background=True)

    def save(self) -> None:
        say(self.message, "")
        own = self.max_spin.value() if self.own_max.isChecked() else None
        self.run(account_ops.edit(self.ctx, self.account.username, email=self.email.text().strip(),
                                  excludes=self.patterns(), max_on_demand=own,
                                  priority_group=self.priority.currentData()),
                 self._saved, what="save account")

    def _saved(self, account) -> None:
        self.account = account
        self.saved.emit(account)
        say(self.message, "Saved.")

    def export_kit(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save the account's key kit",
                                                  str(Path.home() / f"{self.account.username}-key-kit.html"),
                                                  "Key kits (*.html)")
            if not path:
                return
        self.run(account_ops.export_key(self.ctx, self.account.username, path, overwrite=Path(path).exists()),
                 lambda r: say(self.key_message, f"Wrote the key kit to {fmt.html_name(r.path, 200)}. Print it, "
                                                 "keep it safe, and delete the file if this computer does not "
                                                 "need it."),
                 what="export key", on_failure=lambda e: self.show_failure(e, self.key_message))


class ResetKeyDialog(TaskDialog):
    """Resetting an account's key deletes every backup made with it: the username must be typed."""

    done_reset = Signal(object)

    def __init__(self, ctx, runner, account, backups: int, parent=None):
        super().__init__(ctx, runner, parent, title=f"Reset the key of {fmt.short(account.username, 40)}")
        self.setObjectName("resetKeyDialog")
        self.account = account
        layout = QVBoxLayout(self)
        warn = _label(f"<b>Resetting the key deletes every backup of {fmt.html_name(account.username)} made with it, "
                      f"at every destination ({fmt.count(backups, 'backup')}), locked ones too.</b> There is no "
                      "undo. New backups use the new key.", rich=True)
        layout.addWidget(warn)
        form = QFormLayout()
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Type the account's username to confirm")
        form.addRow("&Type the username to confirm:", self.typed)
        self.passphrase = self.repeat = self.key_file = None
        if account.encryption == "owner":
            layout.addWidget(_label("The new key is the owner's: give their new passphrase or key file now, or "
                                    "leave both empty and the next backup asks for it."))
            self.passphrase = PasswordField("The owner's new passphrase")
            self.repeat = PasswordField("The owner's new passphrase again")
            form.addRow("New &passphrase:", self.passphrase)
            form.addRow("Rep&eat it:", self.repeat)
            self.key_file = QLineEdit()
            self.key_file.setAccessibleName("The owner's new key file")
            self.key_file.setPlaceholderText("instead of a passphrase")
            key_row = QHBoxLayout()
            key_row.addWidget(self.key_file, 1)
            browse = QPushButton(icon("folder"), "Bro&wse…")
            browse.setAutoDefault(False)
            browse.clicked.connect(self._pick_key_file)
            key_row.addWidget(browse)
            form.addRow("Or the owner's new &key file:", key_row)
            form.labelForField(key_row).setBuddy(self.key_file)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.reset_button = QPushButton(icon("warning"), "&Delete its backups and reset the key")
        self.reset_button.setEnabled(False)
        self.reset_button.clicked.connect(lambda: self.reset())
        layout.addLayout(self.bottom_row(self.reset_button))
        self.typed.textChanged.connect(lambda t: self.reset_button.setEnabled(t == self.account.username))
        self.first_focus = self.typed
        self.finish_layout()
        self.reset_button.setDefault(True)        # enabled only once the username is typed

    def reset(self, reason: str | None = None) -> None:
        if self.typed.text() != self.account.username:
            return
        phrase = self.passphrase.text() if self.passphrase else ""
        if self.repeat is not None and phrase != self.repeat.text():
            say(self.message, "<b>The two passphrases differ.</b>")
            return
        key_file = self.key_file.text().strip() if self.key_file is not None else ""
        if phrase and key_file:
            say(self.message, "<b>Give the new passphrase or the new key file, not both.</b>")
            return
        say(self.message, "")
        self.reset_button.setEnabled(False)
        self.run(account_ops.reset_key(self.ctx, self.account.username, self.typed.text(), phrase or None,
                                       key_file or None, reason=reason),
                 lambda r: self.finish(self.done_reset, r), what="reset key", lane="pool", activity="A key reset",
                 on_failure=lambda _e: self.reset_button.setEnabled(True), with_reason=self.reset)

    def _pick_key_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The owner's new key file", str(Path.home()))
        if path:
            self.key_file.setText(path)


# --- back up on demand ---------------------------------------------------------------------------------------
class OnDemandDialog(TaskDialog):
    queued = Signal(object)

    def __init__(self, ctx, runner, account, parent=None):
        super().__init__(ctx, runner, parent, title=f"Back up {fmt.short(account.username, 40)} now")
        self.setObjectName("onDemandDialog")
        self.account = account
        layout = QVBoxLayout(self)
        limits = tag_ops.backup_settings(ctx)
        limit = account.max_on_demand or limits.ondemand_max
        layout.addWidget(_label(f"An on-demand backup of {fmt.name(account.username)} is kept outside the jobs' "
                                f"rotation and expires after {fmt.count(limits.ondemand_ttl_days, 'day')}; the "
                                f"account may have {fmt.number(limit)} at a time."))
        form = QFormLayout()
        self.destination = QComboBox()
        self.destination.setAccessibleName("Destination")
        for name in destination_ops.names(ctx):
            self.destination.addItem(name)
        form.addRow("&Destination:", self.destination)
        items = QHBoxLayout()
        self.settings_box = QCheckBox("&Account settings")
        self.units_box = QCheckBox("&Units")
        self.files_box = QCheckBox("&Home directory files")
        for box in (self.settings_box, self.units_box, self.files_box):
            box.setChecked(True)
            items.addWidget(box)
        items.addStretch(1)
        form.addRow("What:", items)
        self.passphrase = PasswordField("The owner's passphrase")
        self.passphrase_label = QLabel("Owner's &passphrase:")
        form.addRow(self.passphrase_label, self.passphrase)
        self.passphrase_label.setBuddy(self.passphrase)
        layout.addLayout(form)
        self.key_note = _label("")
        layout.addWidget(self.key_note)
        layout.addWidget(self.message)
        self.backup_button = QPushButton(icon("export"), "&Back up now")
        self.backup_button.clicked.connect(self.back_up)
        layout.addLayout(self.bottom_row(self.backup_button))
        self._owner_needed = False
        self._show_passphrase(False)
        self.destination.currentTextChanged.connect(self._check_owner)
        for box in (self.settings_box, self.units_box, self.files_box):
            box.toggled.connect(self._update)
        if not self.destination.count():
            say(self.message, "<b>No destination is configured.</b> Add one in Settings, Destinations.")
        self.first_focus = self.destination
        self.finish_layout()
        self.backup_button.setDefault(True)
        self._check_owner(self.destination.currentText())
        self._update()

    def items(self) -> str:
        return ",".join(n for n, box in (("account", self.settings_box), ("units", self.units_box),
                                          ("files", self.files_box)) if box.isChecked())

    def _update(self, *_a) -> None:
        self.backup_button.setEnabled(bool(self.items()) and bool(self.destination.currentText()))

    def _show_passphrase(self, shown: bool) -> None:
        self.passphrase.setVisible(shown)
        self.passphrase_label.setVisible(shown)

    def _check_owner(self, destination: str) -> None:
        if self.account.encryption != "owner" or not destination:
            return

        def done(needed: bool):
            self._owner_needed = needed
            self._show_passphrase(needed)
            self.key_note.setText("This is the first backup of this owner-held account at this installation: the "
                                  "owner's passphrase sets up its write-only key (later backups run unattended)."
                                  if needed else "")
            if needed:
                self.passphrase.setFocus()
        self.run(backup_ops.owner_key_needed(self.ctx, self.account.username, destination), done, what="key check")

    def back_up(self) -> None:
        if not self.backup_button.isEnabled():
            return
        say(self.message, "")
        self.backup_button.setEnabled(False)
        self.run(backup_ops.queue_backup(self.ctx, self.account.username, self.destination.currentText(),
                                         self.items(), self.passphrase.text() if self._owner_needed else None),
                 lambda r: self.finish(self.queued, r), what="queue backup", on_failure=lambda _e: self._update(),
                 retry=self.back_up)


# --- the tags of one account ------------------------------------------------------------------------------
class AccountTagsDialog(TaskDialog):
    saved = Signal(object)

    def __init__(self, ctx, runner, account, parent=None):
        super().__init__(ctx, runner, parent, title=f"Tags of {fmt.short(account.username, 40)}")
        self.setObjectName("accountTagsDialog")
        self.account = account
        layout = QVBoxLayout(self)
        label = QLabel("&Tags of this account (tags are made in Settings, Tags):")
        self.list = QListWidget()
        self.list.setAccessibleName("Tags of this account")
        label.setBuddy(self.list)
        for tag in tag_ops.listing(ctx):
            item = QListWidgetItem(color_icon(tag.color), tag.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if tag.name in account.tags else Qt.CheckState.Unchecked)
            if tag.priority_group:
                item.setToolTip(f"Priority group {tag.priority_group}")
            self.list.addItem(item)
        layout.addWidget(label)
        layout.addWidget(self.list, 1)
        if not self.list.count():
            layout.addWidget(_label("No tags yet: add them in Settings, Tags."))
        layout.addWidget(self.message)
        self.save_button = QPushButton(icon("check"), "&Save")
        self.save_button.clicked.connect(self.save)
        layout.addLayout(self.bottom_row(self.save_button))
        self.first_focus = self.list
        self.finish_layout()
        self.save_button.setDefault(True)

    def chosen(self) -> set[str]:
        return {self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked}

    def save(self) -> None:
        self.run(account_ops.set_tags(self.ctx, self.account.username, tuple(sorted(self.chosen()))),
                 lambda r: self.finish(self.saved, r), what="tags")

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if self.list.count() and self.list.currentRow() < 0:
            self.list.setCurrentRow(0)


# --- adopt an orphan ---------------------------------------------------------------------------------------
class AdoptDialog(TaskDialog):
    adopted = Signal(object)

    def __init__(self, ctx, runner, orphan, parent=None):
        super().__init__(ctx, runner, parent, title="Adopt an orphaned account")
        self.setObjectName("adoptDialog")
        self.orphan = orphan
        layout = QVBoxLayout(self)
        layout.addWidget(_label(f"The {fmt.count(orphan.backups, 'backup')} of account id {orphan.account_id} become an "
                                "account's again, under its own id: its key and its deduplication carry on."))
        form = QFormLayout()
        self.username = QLineEdit(orphan.username)
        self.username.setAccessibleName("Username")
        form.addRow("&Username:", self.username)
        self.home = QLineEdit()
        self.home.setAccessibleName("Home directory")
        home_row = path_row(self.home, self, "The account's home directory", folder=True, text="Bro&wse…")
        form.addRow("&Home directory:", home_row)
        form.labelForField(home_row).setBuddy(self.home)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.adopt_button = QPushButton(icon("import"), "A&dopt")
        self.adopt_button.clicked.connect(self.adopt)
        layout.addLayout(self.bottom_row(self.adopt_button))
        self.finish_layout()
        self.adopt_button.setDefault(True)

    def adopt(self) -> None:
        self.run(account_ops.adopt(self.ctx, self.orphan.account_id, self.username.text().strip(),
                                   self.home.text().strip()), lambda r: self.finish(self.adopted, r), what="adopt")

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.home.setFocus() if self.username.text() else self.username.setFocus()
