"""Small reusable widgets: a progress panel with ETA and Cancel, a password field with show/hide,
a strength meter, an eliding label and a search box that lets the window's shortcuts through."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.progress import ProgressState
from desktop import fmt
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
        self.cancel_button.setAutoDefault(False)  # Enter never cancels; Space or Alt+C does
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
                self.bar.setFormat(f"{fmt.size(state.done)} of {fmt.size(state.total)}")
            else:
                self.bar.setFormat(f"{fmt.number(state.done)} of {fmt.number(state.total)}")
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
        # A label's mnemonic focuses its buddy only if the buddy takes focus itself; with the proxy,
        # focus then lands in the line edit.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

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


def push_button(text: str, icon_name: str, accessible: str) -> QPushButton:
    """A page's button: Enter never presses it, Space or its mnemonic does."""
    b = QPushButton(icon(icon_name), text)
    b.setAccessibleName(accessible)
    b.setAutoDefault(False)
    return b


def leading_row(*widgets: QWidget) -> QHBoxLayout:
    """Widgets side by side on the left of a row."""
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    return row


def trailing_row(*widgets: QWidget) -> QHBoxLayout:
    """Widgets side by side on the right of a row (a dialog's buttons)."""
    row = QHBoxLayout()
    row.addStretch(1)
    for w in widgets:
        row.addWidget(w)
    return row


def line_edit(accessible: str, placeholder: str = "") -> QLineEdit:
    e = QLineEdit()
    e.setAccessibleName(accessible)
    if placeholder:
        e.setPlaceholderText(placeholder)
    return e


def path_row(edit: QLineEdit, parent: QWidget, title: str, *, folder: bool, text: str) -> QHBoxLayout:
    """``edit`` with a button that picks a folder (or a file) into it, starting where it points."""
    button = QPushButton(icon("folder"), text)
    button.setAutoDefault(False)

    def pick():
        start = edit.text() or str(Path.home())
        if folder:
            path = QFileDialog.getExistingDirectory(parent, title, start)
        else:
            path, _ = QFileDialog.getOpenFileName(parent, title, start)
        if path:
            edit.setText(path)
    button.clicked.connect(pick)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


def scroll_area(margin: int = 0) -> tuple[QScrollArea, QVBoxLayout]:
    """A frameless scroll area whose body follows its width; returns it and the body's layout."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    body = QWidget()
    layout = QVBoxLayout(body)
    layout.setContentsMargins(margin, margin, margin, margin)
    scroll.setWidget(body)
    return scroll, layout


def scroll_body(outer: QVBoxLayout) -> QVBoxLayout:
    """A frameless scroll area that takes the room left in ``outer``; returns the layout of its body."""
    scroll, layout = scroll_area()
    outer.addWidget(scroll, 1)
    return layout


def note_label(name: str = "") -> QLabel:
    """A word-wrapped line of plain words, named for tests and style sheets."""
    label = QLabel("")
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    return label


def no_auto_default(root: QWidget) -> None:
    """Enter presses the dialog's default button, never the focused one (Space still does).

    In a dialog every push button is "auto default": the focused one takes Enter. That made Enter
    run "Undo this import" on the wizard's last page and "Select all" in the export dialog."""
    for button in root.findChildren(QPushButton):
        button.setAutoDefault(False)


def fit_to_screen(window: QWidget) -> None:
    """Cut a window's size to the available area of its screen and move it fully onto it.

    A geometry saved on a bigger screen, or by a window that once could not be narrowed, would
    otherwise put its buttons out of reach. Window frames are not known before the first show; a
    few pixels are kept free for them."""
    from PySide6.QtGui import QGuiApplication

    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = 0 if window.isVisible() else 8
    title = 0 if window.isVisible() else 32
    extra_w = max(frame * 2, window.frameGeometry().width() - window.width())
    extra_h = max(title + frame, window.frameGeometry().height() - window.height())
    w = min(window.width(), area.width() - extra_w)
    h = min(window.height(), area.height() - extra_h)
    if (w, h) != (window.width(), window.height()):
        window.resize(max(w, window.minimumWidth()), max(h, window.minimumHeight()))
    pos = window.frameGeometry().topLeft() if window.isVisible() else window.pos()
    x = min(max(pos.x(), area.left()), area.right() + 1 - window.width() - extra_w)
    y = min(max(pos.y(), area.top()), area.bottom() + 1 - window.height() - extra_h)
    if (x, y) != (pos.x(), pos.y()):
        window.move(max(x, area.left()), max(y, area.top()))


class ElidedLabel(QLabel):
    """One line of plain text, cut with "…" to the width it gets; the whole text is its tooltip.

    A long unit name no longer sets the window's minimum width."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        # as wide as the text when there is room, down to a few characters when there is not
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setFullText(text)

    def setFullText(self, text: str) -> None:  # noqa: N802 - Qt naming
        self._full = text
        self.setToolTip(text if text else "")
        self.setAccessibleName(text)
        self._elide()

    def fullText(self) -> str:  # noqa: N802
        return self._full

    def _elide(self) -> None:
        width = max(10, self.contentsRect().width())
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event):  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 40), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        full = self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 4
        return QSize(full, hint.height())


class SearchBox(QLineEdit):
    """A search field whose window's shortcuts still work while it has focus.

    A line edit claims Ctrl+E (end of line) and other editing keys before shortcuts see them; keys
    that an action of this window binds go to the action instead."""

    def __init__(self, placeholder: str, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setAccessibleName(accessible)
        self.setClearButtonEnabled(True)
        self.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)

    def _window_binds(self, event) -> bool:
        pressed = QKeySequence(event.keyCombination())
        for action in self.window().findChildren(QAction):
            if action.isEnabled() and any(s == pressed for s in action.shortcuts()):
                return True
        return False

    def event(self, event):  # noqa: D401
        if event.type() == QEvent.Type.ShortcutOverride and event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier) and self._window_binds(event):
            event.ignore()
            return False
        return super().event(event)
