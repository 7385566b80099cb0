"""The Settings page. General: the organisation's recovery key (create, use, clear, open its printable
kit), the key derivation new bundles use (calibrate, default), how many safety snapshots to keep per
unit, and the account-backup limits. Then destinations, jobs, tags, priority groups and restore
conditions (desktop/settings_tabs.py). Every change runs through ``desktop.ops``."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt, ops
from desktop.errors import describe, error_html, show_error
from desktop.icons import icon
from desktop.widgets import ProgressPanel, scroll_area


def _label(text: str = "", *, rich: bool = False, selectable: bool = False, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                      | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    if name:
        label.setObjectName(name)
    return label


def _button(text: str, icon_name: str, accessible: str) -> QPushButton:
    button = QPushButton(icon(icon_name), text)
    button.setAccessibleName(accessible)
    return button


def open_file(path: Path) -> bool:
    """Open ``path`` with the desktop's viewer; False when no viewer could be started."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class SettingsPage(QWidget):
    changed = Signal(str)  # "recovery", "kdf" or "snapshots", after a change was stored

    def __init__(self, ctx, runner, parent: QWidget | None = None, permissions=None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.permissions = permissions      # None: everything (single-user); else core's Permissions
        self.kit = None  # the files of a key created here (core/app/settings.py RecoveryKeyFiles)
        self.confirm_box: QMessageBox | None = None
        from desktop.settings_tabs import (
            BackupLimitsBox,
            ConditionsTab,
            DestinationsTab,
            JobsTab,
            PrioritiesTab,
            TagsTab,
        )

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        head = QLabel("<h2>Settings</h2>")
        head.setContentsMargins(16, 8, 16, 0)
        outer.addWidget(head)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings")
        outer.addWidget(self.tabs)
        scroll, layout = scroll_area(16)
        layout.addWidget(self._recovery_box())
        layout.addWidget(self._kdf_box())
        layout.addWidget(self._snapshots_box())
        self.limits = BackupLimitsBox(ctx, runner)
        layout.addWidget(self.limits)
        layout.addStretch(1)
        self.destinations = DestinationsTab(ctx, runner)
        self.jobs = JobsTab(ctx, runner)
        self.tags = TagsTab(ctx, runner)
        self.priorities = PrioritiesTab(ctx, runner)
        self.conditions = ConditionsTab(ctx, runner)
        for widget, title in ((scroll, "&General"), (self.destinations, "De&stinations"), (self.jobs, "&Jobs"),
                              (self.tags, "&Tags"), (self.priorities, "&Priority groups"),
                              (self.conditions, "Restore co&nditions")):
            self.tabs.addTab(widget, title)
        self.refresh()

    # --- who sees what ----------------------------------------------------------------------------------
    # (tab, the action that shows it) and (tab, button, the action that shows the button)
    TAB_NEEDS = ((0, "settings.kdf-calibrate"), (1, "destination.list"), (2, "job.list"), (3, "tag.list"),
                 (4, "priority.list"), (5, "condition.list"))
    BUTTON_NEEDS = (("destinations", "add_button", "destination.add"),
                    ("destinations", "remove_button", "destination.remove"),
                    ("jobs", "add_button", "job.add"), ("jobs", "change_button", "job.edit"),
                    ("jobs", "remove_button", "job.remove"), ("jobs", "run_button", "backup.prune"),
                    ("jobs", "run_now_button", "job.run"),
                    ("tags", "add_button", "tag.add"), ("tags", "change_button", "tag.edit"),
                    ("tags", "remove_button", "tag.remove"),
                    ("priorities", "add_button", "priority.set"), ("priorities", "change_button", "priority.set"),
                    ("priorities", "remove_button", "priority.set"),
                    ("conditions", "add_button", "condition.add"), ("conditions", "remove_button", "condition.remove"))

    def set_permissions(self, permissions) -> None:
        """Hide the tabs and buttons of what the signed-in user may not do (a helpdesk user sees the
        lists their work needs, and none of the admin's settings)."""
        self.permissions = permissions
        for index, action in self.TAB_NEEDS:
            self.tabs.setTabVisible(index, permissions.may(action))
        for tab, button, action in self.BUTTON_NEEDS:
            widget = getattr(getattr(self, tab), button, None)
            if widget is not None:
                widget.setVisible(permissions.may(action))
        if not self.tabs.isTabVisible(self.tabs.currentIndex()):
            visible = [i for i in range(self.tabs.count()) if self.tabs.isTabVisible(i)]
            if visible:
                self.tabs.setCurrentIndex(visible[0])

    def visible_tabs(self) -> list[str]:
        return [self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count()) if self.tabs.isTabVisible(i)]

    # --- the organisation's recovery key ----------------------------------------------------------------
    def _recovery_box(self) -> QGroupBox:
        box = QGroupBox("Organisation recovery key")
        v = QVBoxLayout(box)
        v.addWidget(_label("A recovery key opens every bundle exported while its public key is configured, even "
                           "when the bundle's password is lost. The app keeps only the public key; the private "
                           "key and its printable kit stay with you."))
        self.recovery_state = _label(selectable=True, name="recoveryState")
        v.addWidget(self.recovery_state)
        row = QHBoxLayout()
        self.create_button = _button("&Create a recovery key…", "key", "Create a recovery key")
        self.use_button = _button("&Use a public key file…", "folder", "Use a public key file")
        self.clear_button = _button("C&lear", "error", "Clear the recovery key")
        self.create_button.clicked.connect(self.create_recovery_key)
        self.use_button.clicked.connect(self.use_recovery_key)
        self.clear_button.clicked.connect(self.clear_recovery_key)
        for b in (self.create_button, self.use_button, self.clear_button):
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        self.recovery_message = _label(rich=True, selectable=True, name="recoveryMessage")
        self.recovery_message.hide()
        v.addWidget(self.recovery_message)
        kit_row = QHBoxLayout()
        self.kit_button = _button("&Open the kit", "file", "Open the printable recovery kit")
        self.kit_button.clicked.connect(self.open_kit)
        self.kit_button.hide()
        kit_row.addWidget(self.kit_button)
        kit_row.addStretch(1)
        v.addLayout(kit_row)
        return box

    def _recovery_state(self) -> None:
        public, error = ops.recovery_status(self.ctx)
        if error is not None:
            self.recovery_state.setText(f"The configured recovery key cannot be used: {error} "
                                        "Create or choose another one, or clear it.")
        elif public:
            self.recovery_state.setText(f"New exports add a recovery slot for this public key:\n{public}")
        else:
            self.recovery_state.setText("No recovery key is configured: only a bundle's password opens it.")
        self.clear_button.setEnabled(bool(public) or error is not None)

    def _say(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.show()

    def create_recovery_key(self, folder: str | Path | None = None) -> None:
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, "Create the recovery key in", str(Path.home()))
            if not folder:
                return
        folder = Path(folder)
        taken = [folder / n for n in ops.RECOVERY_FILES if (folder / n).exists()]
        if taken:
            self._confirm("Replace the recovery key files?",
                          f"{folder} already holds {', '.join(p.name for p in taken)}. Replacing them loses that "
                          "key unless it is kept elsewhere; bundles exported with it can then only be opened "
                          "with their passwords.",
                          "&Replace them", lambda: self._create(folder, overwrite=True))
            return
        self._create(folder, overwrite=False)

    def _create(self, folder: Path, *, overwrite: bool) -> None:
        self._run(ops.create_recovery_key(self.ctx, folder, use=True, overwrite=overwrite),
                  self._created, self.recovery_message, "recovery key")

    def _created(self, kit) -> None:
        self.kit = kit
        self._say(self.recovery_message,
                  f"<b>Wrote recovery.key, recovery.pub and recovery-kit.html in "
                  f"{html.escape(str(kit.kit_file.parent))}.</b> "
                  "New exports add a recovery slot for it. Open the kit, print it and keep it safe, then delete "
                  "recovery.key from this computer if it does not need it.")
        self.kit_button.show()
        self.kit_button.setFocus()
        self.refresh()
        self.changed.emit("recovery")

    def open_kit(self) -> None:
        if self.kit is None:
            return
        path = self.kit.kit_file
        if not open_file(path):
            QApplication.clipboard().setText(str(path))
            self._say(self.recovery_message,
                      f"No browser could be opened here. The kit is {html.escape(str(path))} (the path is "
                      "copied to the clipboard); open it in a browser to print it.")

    def use_recovery_key(self, path: str | Path | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Choose the recovery public key", str(Path.home()),
                                                  "Recovery public keys (*.pub);;All files (*)")
            if not path:
                return
        self._run(ops.use_recovery_key(self.ctx, Path(path)),
                  self._used, self.recovery_message, "recovery key")

    def _used(self, public: str) -> None:
        self.kit = None
        self.kit_button.hide()
        self._say(self.recovery_message, f"New exports add a recovery slot for {html.escape(public)}.")
        self.refresh()
        self.changed.emit("recovery")

    def clear_recovery_key(self) -> None:
        self._confirm("Clear the recovery key?",
                      "New exports will have no recovery slot: only their passwords will open them. Bundles "
                      "exported until now keep theirs.",
                      "C&lear it", self._clear)

    def _clear(self) -> None:
        self._run(ops.clear_recovery_key(self.ctx), self._cleared,
                  self.recovery_message, "recovery key")

    def _cleared(self, _result) -> None:
        self.kit = None
        self.kit_button.hide()
        self._say(self.recovery_message, "Cleared: new exports have no recovery slot.")
        self.refresh()
        self.changed.emit("recovery")

    # --- key derivation ---------------------------------------------------------------------------------
    def _kdf_box(self) -> QGroupBox:
        box = QGroupBox("Password key derivation for new bundles")
        v = QVBoxLayout(box)
        v.addWidget(_label("Argon2id turns a bundle's password into its key. Stronger settings make guessing "
                           "passwords slower for an attacker, and opening a bundle slower for you. Calibrating "
                           "picks settings that take this computer about a second."))
        self.kdf_state = _label(name="kdfState")
        v.addWidget(self.kdf_state)
        row = QHBoxLayout()
        self.calibrate_button = _button("Cali&brate on this computer", "refresh", "Calibrate the key derivation")
        self.kdf_default_button = _button("Use the &default", "undo", "Use the default key derivation")
        self.calibrate_button.clicked.connect(self.calibrate)
        self.kdf_default_button.clicked.connect(self.reset_kdf)
        row.addWidget(self.calibrate_button)
        row.addWidget(self.kdf_default_button)
        row.addStretch(1)
        v.addLayout(row)
        self.kdf_progress = ProgressPanel()
        self.kdf_progress.cancel_button.hide()  # a calibration takes seconds and changes nothing until it ends
        self.kdf_progress.hide()
        v.addWidget(self.kdf_progress)
        self.kdf_message = _label(rich=True, name="kdfMessage")
        self.kdf_message.hide()
        v.addWidget(self.kdf_message)
        return box

    def _kdf_state(self) -> None:
        status = k = ops.kdf_status(self.ctx)
        self.kdf_state.setText(f"New bundles use Argon2id with {fmt.number(k.m_kib // 1024)} MiB of memory, "
                               f"{fmt.count(k.t, 'pass', 'passes')} and {fmt.count(k.p, 'lane')} "
                               + ("(calibrated on this computer)." if status.calibrated else "(the default)."))
        self.kdf_default_button.setEnabled(status.calibrated)

    def calibrate(self) -> None:
        self.calibrate_button.setEnabled(False)
        self.kdf_default_button.setEnabled(False)
        self.kdf_message.hide()
        self.kdf_progress.show()
        handle = self._run(ops.calibrate_kdf(self.ctx), self._calibrated,
                           self.kdf_message, "calibration", lane="pool")
        self.kdf_progress.attach(handle)

    def _calibrated(self, status) -> None:
        self.kdf_progress.hide()
        self.calibrate_button.setEnabled(True)
        self._say(self.kdf_message, "Calibrated: new exports use these settings.")
        self.refresh()
        self.changed.emit("kdf")

    def reset_kdf(self) -> None:
        self._run(ops.reset_kdf(self.ctx),
                  lambda _s: (self._say(self.kdf_message, "New exports use the default settings."), self.refresh(),
                              self.changed.emit("kdf")),
                  self.kdf_message, "settings")

    # --- safety snapshots ---------------------------------------------------------------------------------
    def _snapshots_box(self) -> QGroupBox:
        box = QGroupBox("Safety snapshots")
        v = QVBoxLayout(box)
        v.addWidget(_label("Before an import overwrites a unit, the app keeps a safety snapshot of what it "
                           "replaces, so the import can be undone. The oldest snapshots of a unit beyond this "
                           "number are deleted at its next import."))
        row = QHBoxLayout()
        label = QLabel("&Keep the last")
        self.keep = QSpinBox()
        self.keep.setRange(1, 1000)
        self.keep.setAccessibleName("Safety snapshots to keep per unit")
        label.setBuddy(self.keep)
        row.addWidget(label)
        row.addWidget(self.keep)
        row.addWidget(QLabel("safety snapshots of each unit"))
        row.addStretch(1)
        v.addLayout(row)
        self.keep_message = _label(name="keepMessage")
        self.keep_message.hide()
        v.addWidget(self.keep_message)
        self.keep_timer = QTimer(self)
        self.keep_timer.setSingleShot(True)
        self.keep_timer.setInterval(600)
        self.keep_timer.timeout.connect(self.save_keep)
        self.keep.valueChanged.connect(lambda *_: self.keep_timer.start())
        self.keep.editingFinished.connect(self.save_keep)
        return box

    def save_keep(self) -> None:
        self.keep_timer.stop()
        value = self.keep.value()
        if value == ops.snapshots_kept(self.ctx):
            return
        self._run(ops.set_snapshots_kept(self.ctx, value),
                  lambda n: (self._say(self.keep_message, f"Saved: the last {fmt.number(n)} safety snapshots of "
                                                          "each unit are kept."), self.changed.emit("snapshots")),
                  self.keep_message, "setting")

    # --- shared --------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show what is stored now (the CLI may have changed it)."""
        if self.permissions is not None and not self.permissions.may("settings.kdf-show"):
            return                          # a user: the page is not theirs (the window hides it)
        self._recovery_state()
        self._kdf_state()
        self.keep.blockSignals(True)
        self.keep.setValue(ops.snapshots_kept(self.ctx))
        self.keep.blockSignals(False)
        self.limits.refresh()

    def focus_input(self) -> None:
        self.tabs.tabBar().setFocus()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.refresh()

    def _run(self, task, on_success, message: QLabel, what: str, *, lane: str = "unit"):
        def failed(exc: BaseException) -> None:
            self.kdf_progress.hide()
            self.calibrate_button.setEnabled(True)
            self.refresh()
            info = describe(exc)
            if info is None:
                return
            self._say(message, f"The {what} was not changed. " + error_html(info))
            if info.unexpected:
                show_error(self, exc, self.ctx.home.log_file)
        return self.runner.run(task, name=what, lane=lane, on_success=on_success, on_failure=failed)

    def _confirm(self, title: str, text: str, yes_text: str, then) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("settingsConfirm")
        yes = box.addButton(yes_text, QMessageBox.ButtonRole.DestructiveRole)
        no = box.addButton("&Keep it", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)  # Enter keeps things as they are
        box.setEscapeButton(no)
        box.finished.connect(lambda _r, b=box: (setattr(self, "confirm_box", None),
                                                then() if b.clickedButton() is yes else None))
        self.confirm_box = box
        box.open()
