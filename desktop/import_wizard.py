"""The validate-then-import wizard (QWizard): choose, password, validate, preview, confirm, import, done.

Decide, then act: validation and the plan come from core without side effects and are shown as they
are; the import applies exactly the previewed plan. All core work runs on the task runner; the pages
only hold what the user chose and what core returned. The later pages live in ``import_pages``.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop import fmt, ops
from desktop.errors import describe, error_html, show_error, wrong_password_hint
from desktop.icons import icon
from desktop.mainwindow import BUNDLE_SUFFIX, bundle_paths
from desktop.widgets import PasswordField, ProgressPanel, no_auto_default

P_CHOOSE, P_PASSWORD, P_VALIDATE, P_PREVIEW, P_CONFIRM, P_IMPORT, P_DONE = range(7)


def error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("errorPanel")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.hide()
    return label


class ChoosePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.header = None
        self.header_error: BaseException | None = None
        self._checked_path: str | None = None
        self.setTitle("Choose a bundle")
        self.setSubTitle("Pick the .uvault file to import, drop it here, or choose a recent one.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName("Bundle file")
        self.path.setPlaceholderText("/path/to/unit.uvault")
        self.browse = QPushButton(icon("folder"), "&Browse…")
        self.browse.clicked.connect(self._browse)
        label = QLabel("&File:")
        label.setBuddy(self.path)
        row.addWidget(label)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        layout.addLayout(row)
        recent_label = QLabel("&Recent files:")
        self.recent = QListWidget()
        self.recent.setAccessibleName("Recent files")
        recent_label.setBuddy(self.recent)
        for f in wizard.settings.recent_files():
            item = QListWidgetItem(icon("file"), f)
            item.setData(Qt.ItemDataRole.UserRole, f)
            self.recent.addItem(item)
        self.recent.currentItemChanged.connect(
            lambda cur, _prev: cur is not None and self.path.setText(cur.data(Qt.ItemDataRole.UserRole)))
        self.recent.itemActivated.connect(lambda *_: self.w.next())
        layout.addWidget(recent_label)
        layout.addWidget(self.recent, 1)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.error = error_label()
        layout.addWidget(self.error)
        self.path.textChanged.connect(self._path_changed)

    def _browse(self) -> None:
        start = self.path.text() or self.w.settings.last_folder()
        path, _ = QFileDialog.getOpenFileName(self, "Choose a bundle", start,
                                              f"Unitvault bundles (*{BUNDLE_SUFFIX});;All files (*)")
        if path:
            self.path.setText(path)

    def chosen(self) -> Path | None:
        text = self.path.text().strip()
        return Path(text).expanduser() if text else None

    def _path_changed(self, *_) -> None:
        self.header, self.header_error = None, None
        self.error.hide()
        path = self.chosen()
        if path is not None and path.is_file():
            self._checked_path = str(path)
            self.info.setText("Reading the file header…")
            self.w.runner.run(ops.read_header(self.w.ctx, path), name="read header", lane="pool",
                              on_success=lambda h, p=str(path): self._header(p, h, None),
                              on_failure=lambda e, p=str(path): self._header(p, None, e))
        else:
            self.info.setText("" if path is None else "No such file.")
        self.completeChanged.emit()

    def _header(self, path: str, header, exc) -> None:
        if path != str(self.chosen()):
            return  # an older check finished after the path changed
        self.header, self.header_error = header, exc
        if exc is not None:
            info = describe(exc)
            self.info.setText("")
            if info is not None:
                self.error.setText(error_html(info))
                self.error.show()
                if info.unexpected:
                    show_error(self, exc, self.w.ctx.home.log_file)
        else:
            kdf = getattr(header, "kdf", None)
            text = (f"Unitvault bundle, format version {header.format_version}, "
                    f"{fmt.size(header.file_size)}")
            if kdf is not None:
                text += f"; password key derivation uses {fmt.number(kdf.m_kib // 1024)} MiB"
            self.info.setText(text + ".")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.header is not None and self.header_error is None

    def focus_input(self) -> None:
        self.path.setFocus()

    def validatePage(self) -> bool:  # noqa: N802
        path = self.chosen()
        self.w.path = path
        self.w.settings.add_recent(path)
        self.w.settings.set_last_folder(path.parent)
        self.w.bundle_chosen.emit(path)
        return True


class PasswordPage(QWizardPage):
    """The bundle's password, or instead the organisation's recovery key file (``--recovery-key FILE``)."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Password")
        self.setSubTitle("Type the password the bundle was exported with.")
        layout = QVBoxLayout(self)
        self.use_password = QRadioButton("Type the bundle's pass&word")
        self.use_password.setAccessibleName("Open the bundle with its password")
        self.use_recovery = QRadioButton("Use a &recovery key file instead")
        self.use_recovery.setAccessibleName("Open the bundle with a recovery key file instead")
        self.use_password.setChecked(True)
        self.how = QButtonGroup(self)
        self.how.addButton(self.use_password)
        self.how.addButton(self.use_recovery)

        self.password = PasswordField("Bundle password")
        self.key_path = QLineEdit()
        self.key_path.setAccessibleName("Recovery key file")
        self.key_path.setPlaceholderText("/path/to/recovery.key")
        self.key_browse = QPushButton(icon("folder"), "Br&owse…")
        self.key_browse.setAccessibleName("Choose the recovery key file")
        self.key_browse.clicked.connect(self._browse_key)

        layout.addWidget(self.use_password)
        layout.addLayout(_indented(self.password))
        layout.addSpacing(8)
        layout.addWidget(self.use_recovery)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_path, 1)
        key_row.addWidget(self.key_browse)
        layout.addLayout(_indented(key_row))
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addSpacing(8)
        layout.addWidget(self.note)
        layout.addStretch(1)

        self.setTabOrder(self.use_password, self.password.edit)
        self.setTabOrder(self.password.edit, self.use_recovery)
        self.setTabOrder(self.use_recovery, self.key_path)
        self.setTabOrder(self.key_path, self.key_browse)
        self.how.buttonToggled.connect(lambda b, on: on and self._mode_changed())
        self.password.textChanged.connect(lambda *_: self.completeChanged.emit())
        self.key_path.textChanged.connect(lambda *_: self.completeChanged.emit())
        self._mode_changed()

    def recovery_chosen(self) -> bool:
        return self.use_recovery.isChecked()

    def recovery_key_file(self) -> Path | None:
        text = self.key_path.text().strip()
        return Path(text).expanduser() if text else None

    def _mode_changed(self) -> None:
        recovery = self.recovery_chosen()
        self.password.setEnabled(not recovery)
        self.key_path.setEnabled(recovery)
        self.key_browse.setEnabled(recovery)
        self._set_note()  # focus stays on the choice (arrow keys move within it); Tab goes to its input
        self.completeChanged.emit()

    def _set_note(self) -> None:
        header = self.w.choose_page.header
        if header is not None and "recovery" not in header.slots:
            self.note.setText("This bundle has no recovery slot: only its password opens it.")
        elif self.recovery_chosen():
            self.note.setText("The organisation's recovery key file (recovery.key, from the recovery kit) opens "
                              "bundles exported while a recovery key was configured. It is read only to open "
                              "this file and is never stored.")
        else:
            self.note.setText("The password is used only to open this file and is never stored.")

    def _browse_key(self) -> None:
        start = self.key_path.text() or self.w.settings.last_folder()
        path, _ = QFileDialog.getOpenFileName(self, "Choose the recovery key file", start,
                                              "Recovery keys (*.key);;All files (*)")
        if path:
            self.key_path.setText(path)

    def initializePage(self) -> None:  # noqa: N802
        name = self.w.path.name if self.w.path else "the bundle"
        header = self.w.choose_page.header
        has_recovery = header is None or "recovery" in header.slots
        if not has_recovery and self.recovery_chosen():
            self.use_password.setChecked(True)
        self.use_recovery.setEnabled(has_recovery)
        self.setSubTitle(f"Type the password of {name}" + (", or use the organisation's recovery key file."
                                                           if has_recovery else "."))
        self._set_note()

    def focus_input(self) -> None:
        """The input comes first (also after Back from a wrong password), its text selected to retype."""
        edit = self.key_path if self.recovery_chosen() else self.password.edit
        edit.setFocus()
        edit.selectAll()

    def isComplete(self) -> bool:  # noqa: N802
        if self.recovery_chosen():
            return self.recovery_key_file() is not None
        return bool(self.password.text())


def _indented(item) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addSpacing(24)
    if isinstance(item, QWidget):
        row.addWidget(item, 1)
    else:
        row.addLayout(item, 1)
    return row


class ValidatePage(QWizardPage):
    """Opens the bundle with the password and scans all of it: authentication, manifest, schemas."""

    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.handle = None
        self.ok = False
        self.setTitle("Validation")
        self.setSubTitle("Checking that the bundle is authentic, complete and valid. Nothing is changed yet.")
        layout = QVBoxLayout(self)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        from core.logsetup import register_secret

        self.ok = False
        self.error.hide()
        self.result.setText("")
        self.w.validated = None
        page = self.w.password_page
        if page.recovery_chosen():
            fn = ops.open_and_validate(self.w.ctx, self.w.path, None, recovery_key_file=page.recovery_key_file())
        else:
            password = page.password.text()
            register_secret(password)
            fn = ops.open_and_validate(self.w.ctx, self.w.path, password)
        self.progress.show()
        self.handle = self.w.runner.run(fn, name="validate", on_success=self._ok, on_failure=self._failed)
        self.handle.cancelled.connect(self._cancelled)
        self.progress.attach(self.handle)
        self.completeChanged.emit()

    def cleanupPage(self) -> None:  # noqa: N802 - going Back cancels a running check
        if self.handle is not None and not self.handle.done:
            self.handle.cancel()
        self._back_on_enter(False)

    def focus_input(self) -> None:
        """Nothing to type here: while the check runs Enter does nothing (Next is disabled); once it
        passed, focus is on Next; after a failure, on Back (see ``_failed``)."""
        if self.ok:
            self.w.button(QWizard.WizardButton.NextButton).setFocus()
        elif self.handle is not None and self.handle.done:
            self.w.button(QWizard.WizardButton.BackButton).setFocus()

    def _back_on_enter(self, on: bool) -> None:
        """After a failed check Enter goes Back, where the password waits selected for retyping."""
        back = self.w.button(QWizard.WizardButton.BackButton)
        if on:
            back.setDefault(True)
        elif back.isDefault():
            back.setDefault(False)

    def _ok(self, validated) -> None:
        self.w.validated = validated
        self.ok = True
        v = validated.validation
        self.progress.hide()
        self.result.setText(f"<b>The bundle is authentic and valid.</b> It holds unit "
                            f"<b>{fmt.html_name(v.source_unit_name)}</b>, exported "
                            f"{html.escape(fmt.date_time(v.created))} by Unitvault {html.escape(v.app_version)}. "
                            "Press Enter to see what an import would change.")
        self.completeChanged.emit()
        self.focus_input()

    def _failed(self, exc: BaseException) -> None:
        self.progress.hide()
        info = describe(exc)
        if info is None:
            return
        from core.errors import WrongPasswordError

        if isinstance(exc, WrongPasswordError):
            header = self.w.choose_page.header
            if self.w.password_page.recovery_chosen():
                info = info.with_hint("The file must hold the organisation recovery key this bundle was exported "
                                      "for; the bundle's password opens it too.")
            else:
                info = info.with_hint(wrong_password_hint(header is not None and "recovery" in header.slots))
        what = "recovery key file" if self.w.password_page.recovery_chosen() else "password"
        back = f" Press Enter to go back and try another {what}, or another bundle." if not info.unexpected else ""
        self.error.setText(error_html(info) + html.escape(back))
        self.error.show()
        if info.unexpected:
            show_error(self, exc, self.w.ctx.home.log_file)
        self.completeChanged.emit()
        if not info.unexpected:
            self._back_on_enter(True)
        self.focus_input()

    def _cancelled(self) -> None:
        self.progress.hide()
        self.result.setText("Validation cancelled. Go back to start again.")
        self._back_on_enter(True)
        self.focus_input()

    def isComplete(self) -> bool:  # noqa: N802
        return self.ok


class ImportWizard(QWizard):
    """Emits ``imported(result)`` after a committed import and ``undone(unit_name)`` after an undo."""

    bundle_chosen = Signal(object)
    imported = Signal(object)
    undone = Signal(str)
    page_ready = Signal(int)  # a page is shown and its focus placed: keys typed now reach it

    def __init__(self, ctx, runner, settings, parent: QWidget | None = None, *, target: str | None = None,
                 path: Path | None = None):
        super().__init__(parent)
        from desktop.import_pages import ConfirmPage, DonePage, ImportPage, PreviewPage

        self.ctx, self.runner, self.settings = ctx, runner, settings
        self.path: Path | None = None
        self.validated = None
        self.preview = None
        self.result = None
        self.suggested_target = target
        self.setWindowTitle("Import a bundle")
        self.setWindowIcon(icon("import"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setAcceptDrops(True)
        self.resize(820, 680)
        self.choose_page = ChoosePage(self)
        self.password_page = PasswordPage(self)
        self.validate_page = ValidatePage(self)
        self.preview_page = PreviewPage(self)
        self.confirm_page = ConfirmPage(self)
        self.import_page = ImportPage(self)
        self.done_page = DonePage(self)
        for pid, page in enumerate((self.choose_page, self.password_page, self.validate_page, self.preview_page,
                                    self.confirm_page, self.import_page, self.done_page)):
            self.setPage(pid, page)
        self.setStartId(P_CHOOSE)
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                      QWizard.WizardButton.CommitButton, QWizard.WizardButton.FinishButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which)  # created now, so the next line reaches them
        no_auto_default(self)
        self.currentIdChanged.connect(lambda _id: QTimer.singleShot(0, self._focus_page))
        if path is not None:
            self.choose_page.path.setText(str(path))

    def _focus_page(self) -> None:
        """Every page puts focus where typing belongs (QWizard would focus its first child)."""
        page = self.currentPage()
        focus = getattr(page, "focus_input", None)
        if focus is not None and self.isVisible():
            focus()
        self.page_ready.emit(self.currentId())

    # --- drag and drop onto the wizard ---------------------------------------------------------------
    def dragEnterEvent(self, event):  # noqa: N802
        if self.currentId() == P_CHOOSE and bundle_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):  # noqa: N802
        paths = bundle_paths(event.mimeData())
        if paths and self.currentId() == P_CHOOSE:
            event.acceptProposedAction()
            self.choose_page.path.setText(str(paths[0]))

    # --- cancel: stop a running import instead of closing under it ------------------------------------------
    def reject(self) -> None:
        if self.currentId() == P_IMPORT and self.import_page.running():
            self.import_page.progress.cancel()
            return
        for page in (self.validate_page, self.preview_page):
            handle = getattr(page, "handle", None)
            if handle is not None and not handle.done:
                handle.cancel()
        super().reject()

    def done(self, r: int) -> None:
        self.password_page.password.setText("")
        self._close_bundle()
        super().done(r)

    def _close_bundle(self) -> None:
        self.validated = None  # drops the open bundle (and its file key) with the last reference
