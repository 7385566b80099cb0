"""What every dialog of the account pages shares: Enter presses the dialog's default button (never the
focused one), errors are shown inline as core words them (with the GUI's hint), destructive steps ask
first with "keep" as the default, a table of plain rows, and a size that fits the screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)

from desktop.errors import describe, error_html, show_error
from desktop.widgets import fit_to_screen, no_auto_default, trailing_row

DisplayRole = Qt.ItemDataRole.DisplayRole
RowRole = Qt.ItemDataRole.UserRole + 1


def message_label(name: str = "") -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    label.hide()
    return label


def say(label: QLabel, html: str) -> None:
    label.setText(html)
    label.setVisible(bool(html))


def say_failure(parent: QWidget, label: QLabel, exc: BaseException, log_file: Path | None) -> None:
    """``exc`` in ``label``; an unexpected one also opens the report dialog; a cancel shows nothing."""
    info = describe(exc)
    if info is None:
        return
    if info.unexpected:
        show_error(parent, exc, log_file)
    say(label, error_html(info))


def ask(parent: QWidget, title: str, text: str, yes_text: str, then: Callable[[], None], *,
        detail: str = "", keep_text: str = "&Keep it") -> QMessageBox:
    """A destructive step asks first: ``keep_text`` is the default (Enter and Escape keep things)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirmBox")
    if detail:
        box.setInformativeText(detail)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton(keep_text, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.yes_button, box.keep_button = yes, no
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.finished.connect(lambda _r, b=box: then() if b.clickedButton() is yes else None)
    box.open()
    return box


class TaskDialog(QDialog):
    """A dialog that runs core work through the task runner and shows failures inline in ``message``.

    ``first_focus``: the field that has the focus each time the dialog shows."""

    def __init__(self, ctx, runner, parent: QWidget | None = None, *, title: str = ""):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.setWindowTitle(title)
        self.message = message_label("dialogMessage")
        self.confirm_box: QMessageBox | None = None
        self.handles: list = []
        self.first_focus: QWidget | None = None

    def bottom_row(self, *actions: QPushButton, close_text: str = "Cancel") -> QHBoxLayout:
        """The dialog's buttons, on the right: its actions, then one that closes it."""
        close = QPushButton(close_text)
        close.clicked.connect(self.reject)
        return trailing_row(*actions, close)

    def finish_layout(self) -> None:
        no_auto_default(self)
        fit_to_screen(self)

    def finish(self, signal, value) -> None:
        """Tell the page what was done, then close."""
        signal.emit(value)
        self.accept()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if self.first_focus is not None:
            self.first_focus.setFocus()

    def run(self, task, on_success: Callable[[Any], None] | None = None, *, what: str = "task", lane: str = "pool",
            on_failure: Callable[[BaseException], None] | None = None, activity: str | None = None,
            retry: Callable[[], None] | None = None, with_reason: Callable[[str], None] | None = None):
        """``retry``: run again once the user gave the backup token core asked for; ``with_reason``: run
        again with the reason core asked for (desktop/prompts.py)."""
        def failed(exc: BaseException) -> None:
            if on_failure is not None:
                on_failure(exc)
            from desktop.prompts import answer

            if answer(self, self.ctx, exc, retry=retry, with_reason=with_reason) is not None:
                say(self.message, "")
                return
            self.show_failure(exc)
        handle = self.runner.run(task, name=what, lane=lane, on_success=on_success, on_failure=failed,
                                 activity=activity)
        self.handles.append(handle)
        return handle

    def show_failure(self, exc: BaseException, label: QLabel | None = None) -> None:
        info = describe(exc)
        if info is None:
            return
        if info.unexpected:
            show_error(self, exc, self.ctx.home.log_file)
            return
        say(label or self.message, error_html(info))

    def ask(self, title: str, text: str, yes_text: str, then, **kw) -> QMessageBox:
        self.confirm_box = ask(self, title, text, yes_text, then, **kw)
        return self.confirm_box


class RowsModel(QAbstractTableModel):
    """Plain rows for a table: ``columns`` are (title, getter(row) -> text or number, align_right)."""

    def __init__(self, columns: Sequence[tuple], parent=None, *, tooltip: Callable[[Any, int], str | None] = None):
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list = []
        self.tooltip = tooltip

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return len(self.columns)

    def headerData(self, section, orientation, role=DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DisplayRole:
            return self.columns[section][0]
        return None

    def data(self, index, role=DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        col = self.columns[index.column()]
        if role == RowRole:
            return row
        if role == DisplayRole:
            value = col[1](row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and len(col) > 2 and col[2]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if self.tooltip is not None:
                return self.tooltip(row, index.column())
            value = col[1](row)
            return str(value) if value and len(str(value)) > 30 else None
        return None


def table(model, accessible: str, *, stretch: int | None = None) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.setTabKeyNavigation(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(40)
    return view


def selected_row(view: QTableView):
    index = view.currentIndex()
    if not index.isValid() or not view.selectionModel().isSelected(index):
        rows = view.selectionModel().selectedRows()
        if not rows:
            return None
        index = rows[0]
    return view.model().data(index.siblingAtColumn(0), RowRole)
