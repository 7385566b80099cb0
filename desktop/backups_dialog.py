"""An account's backups (by date, with kind, size and lock state; lock and unlock with a reason and an
expiry; verify; forget; restore; download), its downloads, and the dialogs they open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from desktop import fmt
from desktop.dialogs import RowsModel, TaskDialog, say, selected_row, table
from desktop.icons import icon
from desktop.item_browser import ItemBrowser
from desktop.ops import backups as backup_ops
from desktop.widgets import PasswordField, ProgressPanel, leading_row, push_button


def kind_text(b) -> str:
    return f"scheduled (job {b.job})" if b.job else ("on demand" if b.kind == "on-demand" else b.kind)


def lock_text(b) -> str:
    if not b.locked:
        return ""
    text = f"locked until {fmt.date_time(b.locked_until)}" if b.locked_until else "locked"
    return text + (f": {b.lock_reason}" if b.lock_reason else "")


class BackupsDialog(TaskDialog):
    """View Backups: the account's backups, newest first."""

    restore_requested = Signal(str, str)      # (username, backup id)
    download_requested = Signal(str, str)
    changed = Signal()

    def __init__(self, ctx, runner, username: str, parent=None):
        super().__init__(ctx, runner, parent, title=f"Backups of {fmt.short(username, 40)}")
        self.setObjectName("backupsDialog")
        self.username = username
        self.listing = None
        layout = QVBoxLayout(self)
        self.head = QLabel("Reading the backups…")
        self.head.setWordWrap(True)
        layout.addWidget(self.head)
        self.model = RowsModel([("Date", lambda b: fmt.date_time(b.created_at)), ("Kind", kind_text),
                                ("Destination", lambda b: b.destination), ("Items", lambda b: ", ".join(b.items)),
                                ("Size", lambda b: fmt.size(b.size), True), ("Lock", lock_text),
                                ("Expires", lambda b: fmt.date_time(b.expires_at) if b.expires_at else ""),
                                ("Key", lambda b: "owner's" if b.encryption == "owner" else "app's"),
                                ("Status", lambda b: b.status)])
        self.table = table(self.model, f"Backups of {username}", stretch=5)
        for col, w in enumerate((150, 150, 110, 150, 80, 200, 140, 60)):
            self.table.setColumnWidth(col, w)
        layout.addWidget(self.table, 1)
        self.restore_button = push_button("&Restore…", "restore", "Restore from the chosen backup")
        self.download_button = push_button("Do&wnload…", "download", "Download items of the chosen backup")
        self.lock_button = push_button("&Lock…", "lock", "Lock the chosen backup")
        self.unlock_button = push_button("&Unlock", "unlock", "Unlock the chosen backup")
        self.verify_button = push_button("&Verify", "check", "Verify the chosen backup")
        self.forget_button = push_button("&Forget…", "error", "Forget the chosen backup")
        layout.addLayout(leading_row(self.restore_button, self.download_button, self.lock_button,
                                      self.unlock_button, self.verify_button, self.forget_button))
        self.progress = ProgressPanel()
        self.progress.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(self.bottom_row(close_text="Close"))
        self.restore_button.clicked.connect(lambda: self._with_backup(
            lambda b: self.restore_requested.emit(self.username, b.id)))
        self.download_button.clicked.connect(lambda: self._with_backup(
            lambda b: self.download_requested.emit(self.username, b.id)))
        self.lock_button.clicked.connect(lambda: self._with_backup(self.lock))
        self.unlock_button.clicked.connect(lambda: self._with_backup(self.unlock))
        self.verify_button.clicked.connect(lambda: self._with_backup(self.verify))
        self.forget_button.clicked.connect(lambda: self._with_backup(self.forget))
        # Enter on a backup opens the restore wizard for it (nothing changes before its last page)
        self.table.activated.connect(lambda _i: self.restore_button.click())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.resize(1120, 520)
        self.first_focus = self.table
        self.finish_layout()
        self._enable()
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        current = selected_row(self.table)
        keep = keep or (current.id if current is not None else None)

        def done(listing, keep=keep):
            self.listing = listing
            rows = list(reversed(listing.backups))
            self.model.set_rows(rows)
            locked = sum(1 for b in rows if b.locked)
            self.head.setText(f"{fmt.count(len(rows), 'backup')} of {fmt.name(listing.name)}, newest first"
                              + (f"; {fmt.number(locked)} locked" if locked else "") + ".")
            ids = [b.id for b in rows]
            row = ids.index(keep) if keep in ids else 0
            if rows:
                self.table.selectRow(row)
            self._enable()
        self.run(backup_ops.list_backups(self.ctx, self.username), done, what="backups")

    def _enable(self) -> None:
        b = selected_row(self.table)
        for button in (self.restore_button, self.download_button, self.lock_button, self.verify_button,
                       self.forget_button, self.unlock_button):
            button.setEnabled(b is not None)
        if b is not None:
            self.unlock_button.setEnabled(b.locked)
            self.forget_button.setEnabled(not b.locked)

    def _with_backup(self, fn) -> None:
        b = selected_row(self.table)
        if b is not None:
            say(self.message, "")
            fn(b)

    def lock(self, b) -> LockDialog:
        dialog = LockDialog(self.ctx, self.runner, b, self)
        dialog.locked.connect(lambda entry: (self.reload(entry.id), self.changed.emit(),
                                             say(self.message, f"Backup of {fmt.date_time(entry.created_at)} "
                                                               f"is {lock_text(entry)}.")))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.lock_dialog = dialog
        return dialog

    def unlock(self, b) -> None:
        self.run(backup_ops.unlock(self.ctx, b.id),
                 lambda e: (self.reload(e.id), self.changed.emit(),
                            say(self.message, f"Backup of {fmt.date_time(e.created_at)} is unlocked: rotation and "
                                              "its expiry may remove it again.")), what="unlock")

    def verify(self, b) -> None:
        self.verify_button.setEnabled(False)
        self.progress.show()
        handle = self.run(backup_ops.verify(self.ctx, b.id), self._verified, what="verify", activity="A verification",
                          on_failure=lambda _e: (self.progress.hide(), self._enable()))
        self.progress.attach(handle)
        handle.cancelled.connect(lambda: (self.progress.hide(), self._enable()))

    def _verified(self, r) -> None:
        self.progress.hide()
        self._enable()
        if r.ok:
            say(self.message, f"<b>Verified:</b> the backup's structure is sound ({fmt.count(r.blobs, 'blob')} in "
                              f"{fmt.count(r.packs, 'pack')}).")
        else:
            import html

            problems = "".join(f"<li>{html.escape(p)}</li>" for p in r.problems[:20])
            say(self.message, f"<b>{fmt.count(len(r.problems), 'problem')} found:</b><ul>{problems}</ul>")

    def forget(self, b) -> None:
        self.ask("Forget this backup?",
                 f"The backup of {fmt.date_time(b.created_at)} ({fmt.size(b.size)}) at {b.destination} is deleted; its "
                 "data goes with the destination's next prune. It cannot be restored afterwards.",
                 "&Forget it", lambda: self.run(backup_ops.forget(self.ctx, b.id),
                                                lambda e: (self.reload(), self.changed.emit(),
                                                           say(self.message, "The backup was forgotten.")),
                                                what="forget"))


class LockDialog(TaskDialog):
    locked = Signal(object)

    def __init__(self, ctx, runner, backup, parent=None):
        super().__init__(ctx, runner, parent, title="Lock a backup")
        self.setObjectName("lockDialog")
        self.backup = backup
        layout = QVBoxLayout(self)
        intro = QLabel(f"A locked backup is kept from rotation, expiry, forget and prune. Backup of "
                       f"{fmt.date_time(backup.created_at)} at {backup.destination}.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.reason = QLineEdit(backup.lock_reason or "")
        self.reason.setAccessibleName("Why the backup is locked")
        self.reason.setMaxLength(500)
        form.addRow("&Reason:", self.reason)
        self.forever = QRadioButton("Until it is &unlocked")
        self.until = QRadioButton("Un&til")
        today = ctx.clock.now().date()        # the app's clock: core decides whether a date is past
        today = QDate(today.year, today.month, today.day)
        self.date = QDateEdit(today.addDays(30))
        self.date.setCalendarPopup(True)
        self.date.setMinimumDate(today)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName("The last day of the lock")
        group = QButtonGroup(self)
        group.addButton(self.forever)
        group.addButton(self.until)
        self.forever.setChecked(True)
        self.date.setEnabled(False)
        self.until.toggled.connect(self.date.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.forever)
        row.addWidget(self.until)
        row.addWidget(self.date)
        row.addStretch(1)
        form.addRow("Keep it:", row)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.lock_button = QPushButton(icon("lock"), "&Lock")
        self.lock_button.clicked.connect(self.lock)
        layout.addLayout(self.bottom_row(self.lock_button))
        self.first_focus = self.reason
        self.finish_layout()
        self.lock_button.setDefault(True)

    def until_text(self) -> str | None:
        return self.date.date().toString("yyyy-MM-dd") if self.until.isChecked() else None

    def lock(self) -> None:
        self.run(backup_ops.lock(self.ctx, self.backup.id, until=self.until_text(), reason=self.reason.text()),
                 lambda r: self.finish(self.locked, r), what="lock")


def open_folder(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


class DownloadsDialog(TaskDialog):
    """View Downloads: what was downloaded (units as .uvault bundles, files as .tar.zst) and when each
    expires; the folder opens in the file manager."""

    def __init__(self, ctx, runner, username: str | None = None, parent=None):
        title = f"Downloads of {fmt.short(username, 40)}" if username else "Downloads"
        super().__init__(ctx, runner, parent, title=title)
        self.setObjectName("downloadsDialog")
        self.username = username
        layout = QVBoxLayout(self)
        self.head = QLabel("Reading the downloads…")
        self.head.setWordWrap(True)
        layout.addWidget(self.head)
        self.model = RowsModel([("File", lambda d: Path(d.path).name), ("Kind", lambda d: "unit bundle" if d.kind ==
                                                                        "unit" else "files archive"),
                                ("Size", lambda d: fmt.size(d.size), True),
                                ("Expires", lambda d: fmt.date_time(d.as_dict()["expires"])),
                                ("Backup", lambda d: d.backup_id)],
                               tooltip=lambda d, col: d.path if col == 0 else None)
        self.table = table(self.model, "Downloads", stretch=0)
        for col, w in enumerate((320, 110, 90, 150)):
            self.table.setColumnWidth(col, w)
        layout.addWidget(self.table, 1)
        self.open_button = QPushButton(icon("folder"), "&Open the folder")
        self.open_button.clicked.connect(self.open_folder)
        layout.addLayout(leading_row(self.open_button))
        layout.addWidget(self.message)
        layout.addLayout(self.bottom_row(close_text="Close"))
        self.table.activated.connect(lambda _i: self.open_folder())
        self.resize(860, 420)
        self.first_focus = self.table
        self.finish_layout()
        self.reload()

    def reload(self) -> None:
        def done(pair):
            downloads, ids = pair
            rows = [d for d in downloads if ids is None or d.backup_id in ids]
            rows.sort(key=lambda d: d.created, reverse=True)
            self.model.set_rows(rows)
            self.head.setText(f"{fmt.count(len(rows), 'download')}; each is removed when it expires." if rows else
                              "No downloads. Choose Download in View backups to make one.")
            if rows:
                self.table.selectRow(0)

        ctx, name = self.ctx, self.username

        def read(reporter):
            downloads = backup_ops.downloads(ctx)(reporter)
            ids = None
            if name:
                ids = {b.id for b in backup_ops.list_backups(ctx, name)(reporter).backups}
            return downloads, ids
        self.run(read, done, what="downloads")

    def folder(self) -> str:
        d = selected_row(self.table)
        if d is not None:
            return str(Path(d.path).parent)
        return str(self.ctx.home.downloads_dir)

    def open_folder(self) -> None:
        folder = self.folder()
        if not open_folder(folder):
            QApplication.clipboard().setText(folder)
            say(self.message, f"No file manager could be opened here. The folder is {fmt.html_name(folder, 200)} (the "
                              "path is copied to the clipboard).")


class DownloadDialog(TaskDialog):
    """Queue a download of chosen items of a backup: units as .uvault bundles (with a password of their
    own), files and folders as one .tar.zst."""

    queued = Signal(object)

    def __init__(self, ctx, runner, username: str, backups: list, backup_id: str, parent=None):
        super().__init__(ctx, runner, parent, title=f"Download from the backups of {fmt.short(username, 40)}")
        self.setObjectName("downloadDialog")
        self.backups = [b for b in backups if b.id == backup_id]
        self.entry = self.backups[0]
        layout = QVBoxLayout(self)
        self.browser = ItemBrowser(ctx, runner, self.backups, account_settings=False, keys=self.key_material)
        self.browser.changed.connect(self._update)
        layout.addWidget(self.browser, 1)
        form = QFormLayout()
        self.password = PasswordField("A password for the unit bundles")
        self.repeat = PasswordField("The password for the unit bundles again")
        self.password_label = QLabel("&Bundle password:")
        self.repeat_label = QLabel("Re&peat it:")
        self.password_label.setBuddy(self.password)
        self.repeat_label.setBuddy(self.repeat)
        form.addRow(self.password_label, self.password)
        form.addRow(self.repeat_label, self.repeat)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.download_button = QPushButton(icon("download"), "&Queue the download")
        self.download_button.clicked.connect(self.download)
        layout.addLayout(self.bottom_row(self.download_button))
        self.resize(860, 600)
        self.finish_layout()
        self.download_button.setDefault(True)
        self.browser.start(backup_id)
        self._update()

    def key_material(self):
        return None, None

    def chosen(self):
        chosen = self.browser.chosen()
        return chosen[0] if chosen else None

    def _update(self) -> None:
        chosen = self.chosen()
        units = chosen is not None and backup_ops.download_needs_password(chosen[1])
        for w in (self.password, self.repeat, self.password_label, self.repeat_label):
            w.setVisible(units)
        self.download_button.setEnabled(chosen is not None)

    def download(self) -> None:
        chosen = self.chosen()
        if chosen is None:
            return
        backup_id, items, paths = chosen
        password = None
        if backup_ops.download_needs_password(items):
            if self.password.text() != self.repeat.text():
                say(self.message, "<b>The two passwords differ.</b>")
                return
            password = self.password.text()
        passphrase = self.browser.passphrase.text() or None
        self.download_button.setEnabled(False)
        self.run(backup_ops.queue_download(self.ctx, backup_id, items, paths=paths, bundle_password=password,
                                           passphrase=passphrase if self.entry.encryption == "owner" else None),
                 self._queued, what="queue download", on_failure=lambda _e: self._update(), retry=self.download)

    def _queued(self, item) -> None:
        self.password.setText("")
        self.repeat.setText("")
        self.browser.passphrase.setText("")
        self.finish(self.queued, item)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.browser.focus_input()
