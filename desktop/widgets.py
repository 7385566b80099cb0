"""Small reusable widgets: a progress panel with ETA and Cancel, a password field with show/hide,
a strength meter, and a 'coming soon' page."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.progress import ProgressState
from desktop.icons import icon
from desktop.taskman import TaskHandle

# Word stems of core's stage names -> what the user reads.
STAGE_NAMES = (
    ("deriv", "Deriving the key from the password"), ("kdf", "Deriving the key from the password"),
    ("export", "Writing the bundle"), ("writ", "Writing the bundle"), ("read", "Reading the bundle"),
    ("scan", "Checking the bundle"), ("validat", "Validating records"), ("plan", "Computing the changes"),
    ("snapshot", "Saving a safety snapshot"), ("apply", "Importing"), ("import", "Importing"),
    ("wip", "Importing"), ("insert", "Importing"), ("verif", "Verifying the bundle"), ("seed", "Creating the unit"),
    ("undo", "Restoring the safety snapshot"), ("restor", "Restoring the safety snapshot"),
)


def stage_label(stage: str) -> str:
    if not stage:
        return "Working"
    word = stage.split(":")[0].split(" ")[0].lower()
    for stem, text in STAGE_NAMES:
        if word.startswith(stem):
            return text
    return stage[:1].upper() + stage[1:]


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def eta_text(done: int, total: int | None, elapsed: float) -> str:
    if not total or done <= 0 or elapsed < 0.5 or done >= total:
        return ""
    left = elapsed * (total - done) / done
    if left < 1.5:
        return "about a second left"
    if left < 90:
        return f"about {left:.0f} s left"
    return f"about {left / 60:.0f} min left"


class ProgressPanel(QWidget):
    """Shows one task's progress (stage, bar, ETA) with a Cancel button that sets the cancel token."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, cancel_text: str = "&Cancel"):
        super().__init__(parent)
        self.handle: TaskHandle | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stage = QLabel("Waiting to start")
        self.stage.setObjectName("progressStage")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setRange(0, 0)
        row = QHBoxLayout()
        self.eta = QLabel("")
        self.eta.setObjectName("progressEta")
        row.addWidget(self.eta, 1)
        self.cancel_button = QPushButton(icon("error"), cancel_text)
        self.cancel_button.setAccessibleName("Cancel the running operation")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar)
        layout.addLayout(row)

    def attach(self, handle: TaskHandle) -> None:
        self.handle = handle
        self.stage.setText("Starting")
        self.bar.setRange(0, 0)
        self.eta.setText("")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("&Cancel")
        handle.progressed.connect(self.show_state)
        handle.finished.connect(self._finished)

    def show_state(self, state: ProgressState) -> None:
        self.stage.setText(stage_label(state.stage) + "…")
        if state.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, int(1000 * state.done / state.total)))
            if state.unit == "bytes":
                self.bar.setFormat(f"{human_size(state.done)} of {human_size(state.total)}")
            else:
                self.bar.setFormat(f"{state.done:,} of {state.total:,}")
            elapsed = time.monotonic() - (self.handle.stage_started if self.handle else time.monotonic())
            self.eta.setText(eta_text(state.done, state.total, elapsed))
        else:
            self.bar.setRange(0, 0)
            self.eta.setText("")

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.handle.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")
            self.stage.setText("Cancelling…")
        self.cancel_requested.emit()

    def _finished(self) -> None:
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.eta.setText("")


class PasswordField(QWidget):
    """A password line edit with a show/hide toggle (Alt+S toggles while the field has focus)."""

    textChanged = Signal(str)

    def __init__(self, accessible_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(accessible_name)
        self.edit.textChanged.connect(self.textChanged)
        self.toggle = QAction(icon("eye"), "Show password", self)
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self.set_visible)
        self.edit.addAction(self.toggle, QLineEdit.ActionPosition.TrailingPosition)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    def set_visible(self, visible: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password)
        self.toggle.setIcon(icon("eye-off" if visible else "eye"))
        self.toggle.setText("Hide password" if visible else "Show password")
        if self.toggle.isChecked() != visible:
            self.toggle.setChecked(visible)

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self.edit.setText(text)


class StrengthMeter(QWidget):
    """Score 0-4 as a bar plus the core's advice in words."""

    LABELS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(True)
        self.bar.setAccessibleName("Password strength")
        self.bar.setMaximumHeight(18)
        self.advice = QLabel("")
        self.advice.setWordWrap(True)
        self.advice.setObjectName("strengthAdvice")
        layout.addWidget(self.bar)
        layout.addWidget(self.advice)
        self.set_score(0, "")

    def set_score(self, score: int, advice: str) -> None:
        self.bar.setValue(score)
        self.bar.setFormat(self.LABELS[max(0, min(4, score))])
        self.advice.setText(advice)


class ComingSoonPage(QWidget):
    """A page that is not built yet says what is coming instead of showing a blank."""

    def __init__(self, title: str, icon_name: str, text: str, bullets: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        head = QHBoxLayout()
        pic = QLabel()
        pic.setPixmap(icon(icon_name).pixmap(48, 48))
        head.addWidget(pic)
        title_label = QLabel(f"<h2>{title}</h2>")
        head.addWidget(title_label, 1)
        layout.addLayout(head)
        body = QLabel(text + "<ul>" + "".join(f"<li>{b}</li>" for b in bullets) + "</ul>")
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout.addWidget(body)
        badge = QLabel("Coming in the next release.")
        badge.setObjectName("comingSoonBadge")
        layout.addWidget(badge)
        layout.addStretch(1)
