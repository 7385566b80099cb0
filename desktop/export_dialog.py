"""Export dialog: one or many units (one bundle per unit), password with strength advice, progress, result.

Core does the work (``core.bundle.export_unit`` / ``export_units``); this dialog gathers the choices,
runs the export on the unit lane and offers to verify the written files with the same password.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.logsetup import register_secret
from desktop import fmt, ops
from desktop.errors import describe, error_html, show_error
from desktop.icons import icon
from desktop.passphrase import generate as generate_passphrase
from desktop.widgets import PasswordField, ProgressPanel, StrengthMeter, fit_to_screen, no_auto_default, scroll_area


def default_file_name(unit: str) -> str:
    return ops.default_bundle_name(unit)


class ExportDialog(QDialog):
    exported = Signal(object)  # the core's result
    verified = Signal(object)  # list of (path, manifest)

    def __init__(self, ctx, runner, settings, parent: QWidget | None = None, selected: list[str] | None = None):
        super().__init__(parent)
        self.ctx, self.runner, self.settings = ctx, runner, settings
        self.result_value = None
        self.written: list[Path] = []
        self.handle = None
        self.setWindowTitle("Export units")
        self.setWindowIcon(icon("export"))
        self.resize(680, 640)
        layout = QVBoxLayout(self)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self._folder = self._base_folder()  # where bundles go: kept as the user types or browses
        self._file_name: str | None = None  # a file name the user typed for ``_file_unit``, else automatic
        self._file_unit: str | None = None
        self._mode: str | None = None
        self._build_setup(selected or [])
        self._build_progress()
        self._build_result()
        no_auto_default(self)
        self.stack.currentChanged.connect(self._page_changed)
        self._page_changed(0)
        self._update()
        fit_to_screen(self)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if self.stack.currentIndex() == 0:  # typing belongs in the password (the units come chosen)
            (self.password if self.chosen_units() else self.units).setFocus()

    def _page_changed(self, index: int) -> None:
        """Enter presses the page's main button: Export (only when the export can start), nothing
        while it runs, Close on the result."""
        default = {0: self.export_button, 2: self.done_button}.get(index)
        for button in (self.export_button, self.done_button):
            button.setDefault(button is default)
        if index == 2:
            self.done_button.setFocus()

    # --- page 1: choices -------------------------------------------------------------------------------
    def _build_setup(self, selected: list[str]) -> None:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        # The choices scroll when the screen is small; the status line and the buttons never do.
        scroll, layout = scroll_area()
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll, 1)
        self.setup_scroll = scroll
        units_box = QGroupBox("&Units to export (one bundle per unit)")
        ub = QVBoxLayout(units_box)
        self.units = QListWidget()
        self.units.setAccessibleName("Units to export")
        for summary in ops.unit_summaries(self.ctx):
            unit, c = summary.unit, summary.counts
            # Each name isolated, so a right-to-left name cannot pull the counts into its own order
            text = f"{fmt.name(unit.name)} — {fmt.name(unit.display_name)}"
            if c:
                text += (f" · {fmt.count(c.plugins, 'plugin')}, {fmt.count(c.workspaces, 'workspace')}, "
                         f"{fmt.count(c.config_keys, 'key')}")
            item = QListWidgetItem(text)
            item.setToolTip(f"{unit.name} — {unit.display_name}")
            item.setData(Qt.ItemDataRole.UserRole, unit.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if unit.name in selected else Qt.CheckState.Unchecked)
            self.units.addItem(item)
        self.units.setMinimumHeight(60)
        self.units.setMaximumHeight(130)
        self.units.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.units.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.units.itemChanged.connect(lambda *_: self._update())
        ub.addWidget(self.units)
        row = QHBoxLayout()
        self.select_all = QPushButton("Select &all")
        self.select_none = QPushButton("Select &none")
        self.select_all.clicked.connect(lambda: self._check_all(True))
        self.select_none.clicked.connect(lambda: self._check_all(False))
        row.addWidget(self.select_all)
        row.addWidget(self.select_none)
        row.addStretch(1)
        ub.addLayout(row)
        layout.addWidget(units_box)

        pw_box = QGroupBox("&Password")
        form = QFormLayout(pw_box)
        self.password = PasswordField("Password")
        self.confirm = PasswordField("Confirm password")
        self.generate_button = QPushButton(icon("dice"), "&Generate passphrase")
        self.generate_button.setAccessibleName("Generate a passphrase")
        self.generate_button.clicked.connect(self._generate)
        form.addRow("Pass&word:", self.password)
        form.addRow("Con&firm:", self.confirm)
        self.meter = StrengthMeter()
        form.addRow("Strength:", self.meter)
        gen_row = QHBoxLayout()
        gen_row.addWidget(self.generate_button)
        gen_row.addStretch(1)
        form.addRow("", gen_row)
        self.password.textChanged.connect(self._password_changed)
        self.confirm.textChanged.connect(lambda *_: self._update())
        layout.addWidget(pw_box)
        self.recovery_key, self.recovery_error = ops.recovery_status(self.ctx)
        if self.recovery_key:
            note_text = ("Keep the password safe: without it, or the organisation's recovery key, "
                         "the bundle cannot be opened by anyone.")
            recovery_text = "A recovery slot for the organisation's key will be added."
        elif self.recovery_error is not None:
            note_text = "Keep the password safe: without it the bundle cannot be opened by anyone."
            recovery_text = f"The configured recovery key cannot be used: {self.recovery_error}"
        else:
            note_text = "Keep the password safe: without it the bundle cannot be opened by anyone."
            recovery_text = ("No recovery key is configured: only the password will open the bundle. "
                             "An organisation recovery key can be set up on the Settings page.")
        note = QLabel(note_text)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.recovery_note = QLabel(recovery_text)
        self.recovery_note.setObjectName("recoveryNote")
        self.recovery_note.setWordWrap(True)
        self.recovery_note.setTextFormat(Qt.TextFormat.PlainText)
        if self.recovery_key:
            self.recovery_note.setToolTip(f"Recovery public key: {self.recovery_key}")
        layout.addWidget(self.recovery_note)

        dest_box = QGroupBox("&Destination")
        db = QHBoxLayout(dest_box)
        self.dest_label = QLabel("File:")
        self.destination = QLineEdit()
        self.destination.setAccessibleName("Destination")
        self.destination.textChanged.connect(self._destination_edited)
        self.browse = QPushButton(icon("folder"), "&Browse…")
        self.browse.clicked.connect(self._browse)
        db.addWidget(self.dest_label)
        db.addWidget(self.destination, 1)
        db.addWidget(self.browse)
        layout.addWidget(dest_box)
        self.overwrite = QCheckBox("&Replace existing files of the same name")
        layout.addWidget(self.overwrite)

        layout.addStretch(1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("exportStatus")
        outer.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.export_button = buttons.addButton("E&xport", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setIcon(icon("export"))
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start_export)
        close.clicked.connect(self.reject)
        outer.addWidget(buttons)
        self.stack.addWidget(page)

    def _check_all(self, on: bool) -> None:
        for i in range(self.units.count()):
            self.units.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen_units(self) -> list[str]:
        return [self.units.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.units.count())
                if self.units.item(i).checkState() == Qt.CheckState.Checked]

    def set_units(self, names: list[str]) -> None:
        for i in range(self.units.count()):
            item = self.units.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in names
                               else Qt.CheckState.Unchecked)

    def _base_folder(self) -> Path:
        last = self.settings.last_folder()
        return Path(last) if last and Path(last).is_dir() else Path.home()

    def _update(self) -> None:
        """The destination shows a file for one unit, a folder for several. The folder is the one the
        user typed or browsed to, kept across switches; a file's name follows its unit until the user
        types another."""
        names = self.chosen_units()
        mode = "file" if len(names) == 1 else "folder"
        rewrite = mode != self._mode
        if mode == "file" and names[0] != self._file_unit:
            self._file_unit, self._file_name = names[0], None
            rewrite = True
        if rewrite:
            text = str(self._folder / (self._file_name or default_file_name(names[0]))) if mode == "file" \
                else str(self._folder)
            self.dest_label.setText("File:" if mode == "file" else "Folder:")
            self.destination.blockSignals(True)
            self.destination.setText(text)
            self.destination.blockSignals(False)
            self._mode = mode
        problem = self._problem()
        self.status.setText(problem)
        self.export_button.setEnabled(not problem)

    def _destination_edited(self, text: str) -> None:
        text = text.strip()
        if text:
            path = Path(text).expanduser()
            if self._mode == "file":
                self._folder = path.parent
                auto = default_file_name(self._file_unit) if self._file_unit else None
                self._file_name = None if path.name == auto else path.name
            else:
                self._folder = path
        problem = self._problem()
        self.status.setText(problem)
        self.export_button.setEnabled(not problem)

    def _problem(self) -> str:
        names = self.chosen_units()
        pw, confirm = self.password.text(), self.confirm.text()
        if not names:
            return "Choose at least one unit."
        if self.recovery_error is not None:
            return f"{self.recovery_error} Change or clear the recovery key on the Settings page."
        feedback = ops.password_feedback(pw)
        if not feedback.ok:      # the floor our users know from Naviga; the meter advises beyond it
            return feedback.problem
        if pw != confirm:
            return "The two passwords differ." if confirm else "Type the password again to confirm it."
        dest = self.destination.text().strip()
        if not dest:
            return "Choose where to write the bundle."
        if len(names) > 1 and not Path(dest).is_dir():
            return "Choose an existing folder for the bundles."
        if len(names) == 1 and not Path(dest).parent.is_dir():
            return "The destination folder does not exist."
        return ""

    def _password_changed(self, text: str) -> None:
        try:
            score, advice = ops.password_strength(text) if text else (0, "")
        except ImportError:
            score, advice = min(4, len(text) // 4), ""
        self.meter.set_score(score, advice)
        self._update()

    def _generate(self) -> None:
        phrase = generate_passphrase()
        self.password.setText(phrase)
        self.confirm.setText(phrase)
        self.password.set_visible(True)
        self.confirm.set_visible(True)

    def _browse(self) -> None:
        names = self.chosen_units()
        if len(names) == 1:
            path, _ = QFileDialog.getSaveFileName(self, "Export bundle to", self.destination.text(),
                                                  "Unitvault bundles (*.uvault)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Export bundles into", self.destination.text())
        if path:
            self.destination.setText(path)

    # --- page 2: progress ------------------------------------------------------------------------------
    def _build_progress(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.progress_title = QLabel("<h3>Exporting…</h3>")
        layout.addWidget(self.progress_title)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        layout.addStretch(1)
        self.stack.addWidget(page)

    def start_export(self) -> None:
        if self._problem():
            return
        names = self.chosen_units()
        dest = Path(self.destination.text().strip()).expanduser()
        password = self.password.text()
        register_secret(password)
        self.settings.set_last_folder(dest if dest.is_dir() else dest.parent)
        self.progress_title.setText(f"<h3>Exporting {len(names)} unit{'s' if len(names) > 1 else ''}…</h3>")
        self.stack.setCurrentIndex(1)
        self.destination_used = dest
        self.handle = self.runner.run(
            ops.export_units(self.ctx, names, dest, password, overwrite=self.overwrite.isChecked()),
            name="export", activity="An export", on_success=self._exported, on_failure=self._failed)
        self.handle.cancelled.connect(self._cancelled)
        self.progress.attach(self.handle)

    def _cancelled(self) -> None:
        self.stack.setCurrentIndex(0)
        self.status.setText("Export cancelled; no bundle was written.")

    def _failed(self, exc: BaseException) -> None:
        self.stack.setCurrentIndex(0)
        from desktop.prompts import answer

        self.export_button.setEnabled(not self._problem())
        if answer(self, self.ctx, exc, retry=self.start_export) is not None:
            self.status.setText("")
            return
        info = describe(exc)
        if info is not None and not info.unexpected:
            self.status.setText(error_html(info))
        show_error(self, exc, self.ctx.home.log_file)
        self.export_button.setEnabled(not self._problem())

    # --- page 3: result ----------------------------------------------------------------------------------
    def _build_result(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.result_title = QLabel("<h3>Export finished</h3>")
        layout.addWidget(self.result_title)
        self.folder_label = QLabel("")
        self.folder_label.setObjectName("resultFolder")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        layout.addWidget(self.folder_label)
        self.result_list = QListWidget()
        self.result_list.setAccessibleName("Written bundles")
        self.result_list.setWordWrap(True)
        self.result_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.result_list, 1)
        self.verify_label = QLabel("Verify the written files now? Each is opened with the same password and read "
                                   "in full, as an import would.")
        self.verify_label.setWordWrap(True)
        layout.addWidget(self.verify_label)
        self.verify_progress = ProgressPanel()
        self.verify_progress.hide()
        layout.addWidget(self.verify_progress)
        self.open_note = QLabel("")
        self.open_note.setObjectName("openNote")
        self.open_note.setWordWrap(True)
        self.open_note.setTextFormat(Qt.TextFormat.PlainText)
        self.open_note.hide()
        layout.addWidget(self.open_note)
        buttons = QDialogButtonBox()
        self.verify_button = buttons.addButton("&Verify now", QDialogButtonBox.ButtonRole.ActionRole)
        self.verify_button.setIcon(icon("check"))
        self.show_button = buttons.addButton("&Show in folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.setIcon(icon("folder"))
        self.done_button = done = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.verify_button.clicked.connect(self.verify_now)
        self.show_button.clicked.connect(self.show_in_folder)
        done.clicked.connect(self.accept)
        layout.addWidget(buttons)
        self.stack.addWidget(page)

    def _exported(self, result) -> None:
        self.result_value = result
        self.result_list.clear()
        written = list(getattr(result, "written", None) or [result])
        failed = list(getattr(result, "failed", None) or [])
        self.written = [Path(w.path) for w in written]
        for w in written:
            c = w.counts
            counts = c.as_dict() if hasattr(c, "as_dict") else dict(c)
            item = QListWidgetItem(icon("check"), f"{Path(w.path).name}\n{fmt.size(w.size)} · "
                                   f"{fmt.count(counts.get('plugins', 0), 'plugin')}, "
                                   f"{fmt.count(counts.get('workspaces', 0), 'workspace')}, "
                                   f"{fmt.count(counts.get('profiles', 0), 'profile')}, "
                                   f"{fmt.count(counts.get('config_keys', 0), 'key')}")
            item.setToolTip(str(w.path))
            self.result_list.addItem(item)
        for f in failed:
            name, exc = (f if isinstance(f, tuple) else (getattr(f, "unit", "?"), getattr(f, "error", f)))
            info = describe(exc) if isinstance(exc, BaseException) else None
            self.result_list.addItem(QListWidgetItem(
                icon("error"), f"{name}: {info.message if info else exc}"))
        n = len(written)
        self.result_title.setText(
            f"<h3>{n} bundle{'s' if n != 1 else ''} written"
            + (f", {len(failed)} failed" if failed else "") + "</h3>")
        folders = sorted({str(p.parent) for p in self.written})
        self.folder_label.setText(("Written to " + ", ".join(folders)) if folders else "")
        self.open_note.hide()
        self.verify_button.setEnabled(bool(self.written))
        self.show_button.setEnabled(bool(self.written))
        self.stack.setCurrentIndex(2)
        self.exported.emit(result)

    def show_in_folder(self) -> None:
        if not self.written:
            return
        folder = str(self.written[0].parent)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(folder)):
            self.open_note.setText(f"Opened {folder} in the file manager.")
        else:
            QApplication.clipboard().setText(folder)
            self.open_note.setText(f"No file manager could be opened here. The bundles are in {folder} "
                                   "(the path is copied to the clipboard).")
        self.open_note.show()

    def verify_now(self) -> None:
        self.verify_button.setEnabled(False)
        self.verify_progress.show()
        self.verify_label.setText("Verifying…")
        handle = self.runner.run(ops.verify_bundles(self.ctx, self.written, self.password.text()), name="verify",
                                 lane="pool", activity="A verification", on_success=self._verified,
                                 on_failure=self._verify_failed)
        handle.cancelled.connect(lambda: (self.verify_label.setText("Verification cancelled."),
                                          self.verify_button.setEnabled(True)))
        self.verify_progress.attach(handle)

    def _verified(self, results) -> None:
        self.verify_progress.hide()
        self.verify_label.setText(f"<b>All {len(results)} bundle{'s' if len(results) != 1 else ''} verified:</b> "
                                  "they open with this password and every record checks out.")
        self.verified.emit(results)

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_progress.hide()
        info = describe(exc)
        self.verify_label.setText("Verification failed: " + (error_html(info) if info else ""))
        if info and info.unexpected:
            show_error(self, exc, self.ctx.home.log_file)

    def reject(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.handle.cancel()
        super().reject()

    def done(self, r: int) -> None:  # forget the password with the dialog
        self.password.setText("")
        self.confirm.setText("")
        super().done(r)
