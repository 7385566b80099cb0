"""What core may ask for before it goes on: the user's backup token (exports, backups and downloads,
once the installation has users) and a reason (replace imports, key resets; the audit log keeps it).

``answer(parent, ctx, exc, retry=..., with_reason=...)`` is called with an operation's failure: when
core refused for want of a token or a reason, it asks for it and runs the operation again; it returns
whether it took the failure over (else the caller shows the error as usual)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.ops import access as access_ops
from desktop.widgets import PasswordField, fit_to_screen, no_auto_default

REASON_KIND = "reason_required"


class _Prompt(QDialog):
    def __init__(self, parent: QWidget | None, title: str, text: str, label: str, ok_text: str, field: QWidget,
                 name: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        intro = QLabel(text)
        intro.setWordWrap(True)
        intro.setObjectName("promptText")
        layout.addWidget(intro)
        form = QFormLayout()
        self.field = field
        caption = QLabel(label)
        caption.setBuddy(field)
        form.addRow(caption, field)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        self.ok_button = QPushButton(ok_text)
        self.ok_button.setEnabled(False)
        self.ok_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        row.addWidget(self.ok_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        no_auto_default(self)
        self.ok_button.setDefault(True)       # enabled only once something is typed
        self.resize(520, self.sizeHint().height())
        fit_to_screen(self)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.field.setFocus()


class TokenPrompt(_Prompt):
    """The backup token, typed or pasted; it stays with this window until sign-out."""

    def __init__(self, parent: QWidget | None, message: str):
        field = PasswordField("Backup token")
        super().__init__(parent, "Backup token needed", f"{message} Type or paste your backup token; the app keeps it "
                                                         "until you sign out.", "Backup &token:", "&Continue", field,
                         "tokenPrompt")
        field.textChanged.connect(lambda t: self.ok_button.setEnabled(bool(t.strip())))

    def value(self) -> str:
        return self.field.text().strip()

    def done(self, r: int) -> None:
        if r != QDialog.DialogCode.Accepted:
            self.field.setText("")
        super().done(r)


class ReasonPrompt(_Prompt):
    """Why: one line the audit log keeps with the operation."""

    def __init__(self, parent: QWidget | None, message: str):
        field = QLineEdit()
        field.setAccessibleName("Reason")
        field.setMaxLength(500)
        super().__init__(parent, "Reason needed", message, "&Reason:", "&Continue", field, "reasonPrompt")
        field.textChanged.connect(lambda t: self.ok_button.setEnabled(bool(t.strip())))

    def value(self) -> str:
        return self.field.text().strip()


def answer(parent: QWidget, ctx, exc: BaseException, *, retry: Callable[[], None] | None = None,
           with_reason: Callable[[str], None] | None = None,
           on_cancel: Callable[[], None] | None = None) -> QDialog | None:
    """Ask for what core wants and run the operation again; None when ``exc`` is not such a refusal."""
    kind = getattr(exc, "kind", None)
    message = getattr(exc, "message", "")
    if kind in access_ops.TOKEN_KINDS and retry is not None:
        prompt: _Prompt = TokenPrompt(parent, message)

        def given():
            access_ops.present_token(ctx, prompt.value())
            prompt.field.setText("")
            retry()
    elif kind == REASON_KIND and with_reason is not None:
        prompt = ReasonPrompt(parent, message.replace("; nothing was changed.", ".")
                              + " Say why; the audit log keeps it.")

        def given():
            with_reason(prompt.value())
    else:
        return None
    prompt.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    prompt.accepted.connect(given)
    if on_cancel is not None:
        prompt.rejected.connect(on_cancel)
    if parent is not None:
        parent.prompt = prompt         # for tests and for the window's keyboard checks
    prompt.open()
    return prompt
