"""The one place that turns core errors into what a user sees: a title, a message, a hint, a detail.

A user's own cancel shows nothing. An exception that is not a ``UnitvaultError`` is a bug: it gets a
report dialog with the traceback and the path of the log file.

Hints name the GUI's own controls. An error whose ``kind`` is in ``KIND_HINTS`` gets the GUI's hint
for that kind, whatever core put in ``hint``; a hint from core that names a command-line flag or
command is never shown (the class's GUI hint, if any, takes its place).
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, replace
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

    def with_hint(self, hint: str) -> ErrorInfo:
        return replace(self, hint=hint)


# Titles per class; the message and the hint come from the error itself (core owns the wording).
_TITLES: tuple[tuple[type, str, str], ...] = (
    (E.WrongPasswordError, "Wrong password", ""),
    (E.NotABundleError, "Not a Unitvault bundle", ""),
    (E.NewerVersionError, "Bundle from a newer version", ""),
    (E.UnsupportedBundleError, "Unsupported bundle", ""),
    (E.DamagedBundleError, "Damaged bundle", ""),
    (E.TruncatedBundleError, "Incomplete bundle", ""),
    (E.InvalidContentError, "Invalid bundle content", ""),
    (E.PassphraseRequired, "Passphrase needed", ""),
    (E.PlanRefusedError, "This import cannot be done", "Choose other sections or the merge mode."),
    (E.OtherUnitError, "Bundle from another unit",
     "Check the preview's target unit; the import asks before it puts another unit's content there."),
    (E.NotFoundError, "Not found", ""),
    (E.AlreadyExistsError, "Already exists", "Choose another name or folder."),
    (E.InvalidInputError, "Check your input", ""),
    (E.InvalidRecordError, "Invalid record", ""),
    (E.StoreError, "Unit store problem", "Nothing was changed. Check free disk space and try again."),
    (E.SecretsError, "Secret store problem", ""),
    (E.ConfirmationRequired, "Confirmation needed", ""),
    (E.DestinationError, "Destination problem", ""),
    (E.BackupError, "Backup problem", ""),
    (E.IntegrityError, "Integrity problem", ""),
)

# The GUI's own advice per error kind (core/errors.py); it wins over any hint core gives.
KIND_HINTS: dict[str, str] = {
    "file_exists": "Choose another destination, or tick \u201cReplace existing files of the same name\u201d "
                   "to overwrite it.",
    "out_is_folder": "Type a file name after the folder, or tick several units to write one bundle each into it.",
    "one_file_many_units": "Several units go into a folder, one bundle each: choose a folder as the destination.",
    "folder_missing": "Choose an existing folder with Browse\u2026",
    "password_too_short": "Type a longer password, or press Generate passphrase.",
    "bundle_password_missing": "Type the bundle's password, or choose \u201cUse a recovery key file instead\u201d.",
    "owner_passphrase_missing": "Type the owner's passphrase in the \u201cOwner passphrase\u201d field; "
                                "the app does not keep it.",
    "other_unit_unconfirmed": "Check the target unit on the Preview page; the wizard asks before it puts another "
                              "unit's content there.",
    "confirm_change": "Type the unit's name on the Confirm page to enable Import.",
    "nothing_to_undo": "Every safety snapshot of this unit has been restored already.",
    "private_key_given": "Choose recovery.pub, the public half of the key; keep recovery.key offline.",
    "sign_in_failed": "Check the user name and the password (it is case-sensitive).",
    "os_login_mismatch": "Sign in as another user, or start the app under that user's own login.",
    "wrong_password": "Check your password (it is case-sensitive).",
    "sign_in_required": "Sign in again from the File menu.",
    "backup_token_none": "Make one on the Access page, tab Backup token.",
    "backup_token_pending": "Wait until then, or ask an admin to press Allow now on the Access page, tab Users.",
    "backup_token_missing": "Type your backup token when the app asks for it (Access page, tab Backup token, "
                            "makes one).",
    "backup_token_wrong": "Type the token you were shown last; after a reset only the new one works.",
    "reason_required": "Start again and give a reason when the app asks; the audit log keeps it.",
    "backups_admin_configured": "An admin can switch to user-configured backups on the Access page, tab Mode and "
                                "plans.",
    "backups_module_disabled": "An admin enables the Backups module for your account's plan on the Access page, tab "
                               "Mode and plans.",
    "backups_disabled": "An admin can enable them on the Access page, tab Backups and sessions.",
    "vault_locked": "Sign out (File menu) and sign in again with your password.",
    "mybackup_no_destination": "Choose your destination on this page and press Save destination.",
    "last_admin": "Make another user an admin first.",
    "first_user_admin": "Choose the role admin for the first user.",
}

# A hint written for the terminal: it names a flag ("--force") or a command ("unitvault snapshots list").
_CLI_WORDING = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*|\bunitvault [a-z]")

MAX_DETAIL_LINES = 50


def names_cli(text: str) -> bool:
    """Does ``text`` name a command-line flag or command? (never shown in the GUI)"""
    return bool(_CLI_WORDING.search(text or ""))


def wrong_password_hint(has_recovery_slot: bool) -> str:
    """A wrong password: the recovery key is offered only when the bundle has a recovery slot."""
    if has_recovery_slot:
        return ("Check the password (it is case-sensitive), or go back and choose “Use a recovery key file "
                "instead”: this bundle has a recovery slot.")
    return "Check the password (it is case-sensitive). This bundle has no recovery slot, so only its password opens it."


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
        hint = KIND_HINTS.get(getattr(exc, "kind", "") or "")
        if hint is None:
            hint = exc.hint if exc.hint and not names_cli(exc.hint) else fallback_hint
        message = exc.message if not names_cli(exc.message) else _without_cli(exc.message)
        return ErrorInfo(title, message, hint, "\n".join(details))
    return ErrorInfo("Unexpected error",
                     "Unitvault ran into a problem it did not expect; nothing more was done.",
                     "Please report it with the details below and the log file.",
                     "".join(traceback.format_exception(exc)), unexpected=True)


def _without_cli(message: str) -> str:
    """Drop the sentences of a message that speak to a terminal user."""
    sentences = re.split(r"(?<=[.!?])\s+", message)
    kept = [x for x in sentences if not names_cli(x)]
    return " ".join(kept) or message


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
