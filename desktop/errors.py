"""The one place that turns core errors into what a user sees: a title, a message, a hint, a detail.

A user's own cancel shows nothing. An exception that is not a ``UnitvaultError`` is a bug: it gets a
report dialog with the traceback and the path of the log file.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core import errors as E


@dataclass(frozen=True)
class ErrorInfo:
    title: str
    message: str
    hint: str = ""
    detail: str = ""
    unexpected: bool = False


# Titles per class; the message and the hint come from the error itself (core owns the wording).
_TITLES: tuple[tuple[type, str, str], ...] = (
    (E.WrongPasswordError, "Wrong password", ""),
    (E.NotABundleError, "Not a Unitvault bundle", ""),
    (E.NewerVersionError, "Bundle from a newer version", ""),
    (E.UnsupportedBundleError, "Unsupported bundle", ""),
    (E.DamagedBundleError, "Damaged bundle", ""),
    (E.TruncatedBundleError, "Incomplete bundle", ""),
    (E.InvalidContentError, "Invalid bundle content", ""),
    (E.PlanRefusedError, "This import cannot be done", "Choose other sections or the merge mode."),
    (E.OtherUnitError, "Bundle from another unit", "Confirm that you want to import into a different unit."),
    (E.NotFoundError, "Not found", ""),
    (E.AlreadyExistsError, "Already exists", "Choose another name, or allow overwriting."),
    (E.InvalidInputError, "Check your input", ""),
    (E.InvalidRecordError, "Invalid record", ""),
    (E.StoreError, "Unit store problem", "Nothing was changed. Check free disk space and try again."),
    (E.SecretsError, "Secret store problem", ""),
    (E.ConfirmationRequired, "Confirmation needed", ""),
    (E.DestinationError, "Destination problem", ""),
    (E.BackupError, "Backup problem", ""),
    (E.IntegrityError, "Integrity problem", ""),
)

MAX_DETAIL_LINES = 50


def describe(exc: BaseException) -> ErrorInfo | None:
    """What to show for ``exc``; ``None`` for a user's cancel (show nothing)."""
    if isinstance(exc, E.Cancelled):
        return None
    if isinstance(exc, E.UnitvaultError):
        title, fallback_hint = "Something went wrong", ""
        for cls, t, h in _TITLES:
            if isinstance(exc, cls):
                title, fallback_hint = t, h
                break
        details = list(exc.details)
        if len(details) > MAX_DETAIL_LINES:
            details = details[:MAX_DETAIL_LINES] + [f"... and {len(exc.details) - MAX_DETAIL_LINES} more."]
        return ErrorInfo(title, exc.message, exc.hint or fallback_hint, "\n".join(details))
    return ErrorInfo("Unexpected error",
                     "Unitvault ran into a problem it did not expect; nothing more was done.",
                     "Please report it with the details below and the log file.",
                     "".join(traceback.format_exception(exc)), unexpected=True)


class ReportDialog(QDialog):
    """For bugs: the traceback (selectable, copyable) and where the log file is."""

    def __init__(self, info: ErrorInfo, log_file: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Unitvault: unexpected error")
        self.setObjectName("reportDialog")
        layout = QVBoxLayout(self)
        msg = QLabel(f"<b>{info.message}</b><br>{info.hint}")
        msg.setWordWrap(True)
        layout.addWidget(msg)
        self.log_label = QLabel(f"Log file: {log_file}" if log_file else "No log file is configured.")
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.log_label)
        self.trace = QPlainTextEdit(info.detail)
        self.trace.setReadOnly(True)
        self.trace.setAccessibleName("Error details")
        self.trace.setMinimumSize(560, 220)
        layout.addWidget(self.trace)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("&Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(
            info.detail + (f"\nLog file: {log_file}" if log_file else "")))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_error(parent: QWidget | None, exc: BaseException, log_file: Path | None = None) -> QDialog | None:
    """Show ``exc`` modelessly-safe (open(), not exec()); returns the dialog (None for a cancel)."""
    info = describe(exc)
    if info is None:
        return None
    if info.unexpected:
        dlg: QDialog = ReportDialog(info, log_file, parent)
    else:
        box = QMessageBox(QMessageBox.Icon.Warning, info.title, info.message,
                          QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("errorBox")
        if info.hint:
            box.setInformativeText(info.hint)
        if info.detail:
            box.setDetailedText(info.detail)
        dlg = box
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.open()
    return dlg


def error_html(info: ErrorInfo) -> str:
    """Inline rendering for wizard pages: bold message, then the hint."""
    import html

    text = f"<b>{html.escape(info.message)}</b>"
    if info.hint:
        text += f"<br>{html.escape(info.hint)}"
    return text
