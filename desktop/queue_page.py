"""The Queue page: what is queued, running and finished (every workstation's, from the shared catalog),
with progress bars, priority, account and destination; cancel and retry; a filter by state. The list
follows the queue (read every second while the page is shown)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.dialogs import RowRole, RowsModel, ask, message_label, say, table
from desktop.errors import describe, error_html
from desktop.icons import icon
from desktop.ops import queue as queue_ops
from desktop.ops.activity import describe_item
from desktop.widgets import PasswordField, no_auto_default, stage_label

POLL_MS = 1000
STATES = (("Everything", None), ("Queued", "queued"), ("Running", "running"), ("Done", "done"),
          ("Failed", "failed"), ("Cancelled", "cancelled"))
STATE_TEXT = {"queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed", "cancelled": "Cancelled"}
SECRET_NAMES = {"passphrase": "The owner's passphrase", "bundle_password": "The bundle password"}
ProgressRole = Qt.ItemDataRole.UserRole + 3


def progress_of(item) -> tuple[int, str] | None:
    """(per mille or -1 for busy, text) for a running item; None for the others."""
    if item.state != "running":
        return None
    stage = stage_label(item.stage or "")
    if item.total:
        value = min(1000, int(1000 * (item.done or 0) / item.total))
        if item.progress_unit == "bytes":
            return value, f"{stage}: {fmt.size(item.done or 0)} of {fmt.size(item.total)}"
        return value, f"{stage}: {fmt.number(item.done or 0)} of {fmt.number(item.total)}"
    return -1, stage


class ProgressDelegate(QStyledItemDelegate):
    """A progress bar in the Progress column of a running item."""

    def paint(self, painter, option, index):
        progress = index.data(ProgressRole)
        if progress is None:
            super().paint(painter, option, index)
            return
        value, text = progress
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = (0, 1000) if value >= 0 else (0, 0)
        bar.progress = max(0, value)
        bar.text = text
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class QueueModel(RowsModel):
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == ProgressRole and index.isValid() and index.column() == 4:
            return progress_of(self.rows[index.row()])
        return super().data(index, role)


def _progress_text(item) -> str:
    p = progress_of(item)
    if p is not None:
        return p[1]
    if item.state == "failed":
        return item.error or "failed"
    if item.state == "done" and item.result:
        r = item.result
        if item.kind == "backup" and r.get("backup_id"):
            return f"backup {r['backup_id']}, {fmt.size(r.get('size', 0))}"
        if item.kind == "restore":
            return f"{fmt.number(r.get('files_restored', 0))} files restored"
        if item.kind == "download":
            return fmt.count(len(r.get("files", [])), "file")
    return ""


class QueuePage(QWidget):
    loaded = Signal()

    def __init__(self, ctx, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self._reading = None
        self.counts: dict = {}
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        head = QLabel("<h2>Queue</h2>")
        top.addWidget(head)
        top.addStretch(1)
        label = QLabel("&Show:")
        self.state = QComboBox()
        self.state.setAccessibleName("Show items in this state")
        for text, value in STATES:
            self.state.addItem(text, value)
        label.setBuddy(self.state)
        top.addWidget(label)
        top.addWidget(self.state)
        layout.addLayout(top)
        self.summary = QLabel("")
        self.summary.setObjectName("queueSummary")
        layout.addWidget(self.summary)
        self.model = QueueModel([("#", lambda i: i.id, True), ("What", describe_item),
                                 ("State", lambda i: STATE_TEXT.get(i.state, i.state)
                                  + (" (cancelling)" if i.cancel_requested and not i.finished else "")),
                                 ("Priority", lambda i: f"{i.priority_group} ({fmt.number(i.priority)})"),
                                 ("Progress", _progress_text),
                                 ("Account", lambda i: i.username or i.account_id or ""),
                                 ("Destination", lambda i: i.destination or ""),
                                 ("Queued", lambda i: fmt.date_time(i.created_at)),
                                 ("Finished", lambda i: fmt.date_time(i.finished_at) if i.finished_at else ""),
                                 ("Attempts", lambda i: f"{i.attempts} of {i.max_attempts}", True)],
                                tooltip=lambda i, col: (i.error or None) if col in (2, 4) else
                                (describe_item(i) if col == 1 else None))
        self.table = table(self.model, "Queue", stretch=1)
        self.table.setItemDelegateForColumn(4, ProgressDelegate(self.table))
        for col, w in enumerate((50, 320, 90, 110, 240, 110, 110, 140, 140)):
            self.table.setColumnWidth(col, w)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.cancel_button = QPushButton(icon("error"), "&Cancel item…")
        self.cancel_button.setAccessibleName("Cancel the chosen queue item")
        self.retry_button = QPushButton(icon("refresh"), "&Retry")
        self.retry_button.setAccessibleName("Queue the chosen item again")
        for b in (self.cancel_button, self.retry_button):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = message_label("queueMessage")
        layout.addWidget(self.message)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.reload)
        self.state.currentIndexChanged.connect(lambda *_: self.reload())
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.confirm_box = None
        self.secret_dialog = None
        self._enable()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], RowRole) if rows else None

    def _enable(self) -> None:
        item = self.selected()
        self.cancel_button.setEnabled(item is not None and not item.finished)
        self.retry_button.setEnabled(item is not None and item.state in ("failed", "cancelled"))

    def reload(self) -> None:
        if self._reading is not None and not self._reading.done:
            return
        self._reading = self.runner.run(queue_ops.listing(self.ctx, self.state.currentData()), name="queue",
                                        lane="pool", background=True, on_success=self._show,
                                        on_failure=self._failed)

    def _failed(self, exc) -> None:
        info = describe(exc)
        if info is not None:
            say(self.message, error_html(info))
        self.loaded.emit()

    def _show(self, listing) -> None:
        chosen = self.selected()
        keep = chosen.id if chosen is not None else None
        scroll = self.table.verticalScrollBar().value()
        self.model.set_rows(listing.items)
        self.counts = dict(listing.counts)
        self.table.verticalScrollBar().setValue(scroll)
        if keep is not None:
            for r, item in enumerate(listing.items):
                if item.id == keep:
                    self.table.selectRow(r)
                    break
        c = self.counts
        self.summary.setText(f"{fmt.number(c.get('running', 0))} running, {fmt.number(c.get('queued', 0))} queued, "
                             f"{fmt.number(c.get('failed', 0))} failed, {fmt.number(c.get('done', 0))} done.")
        self._enable()
        self.loaded.emit()

    def cancel_selected(self) -> None:
        item = self.selected()
        if item is None or item.finished:
            return
        what = describe_item(item)
        detail = ("It stops at its next step; what it did so far stays (a cancelled backup leaves no backup behind)."
                  if item.state == "running" else "It will not run.")
        self.confirm_box = ask(self, "Cancel this item?", f"Cancel {what}?", "&Cancel it",
                               lambda: self.runner.run(queue_ops.cancel(self.ctx, item.id), name="cancel",
                                                       lane="pool", on_success=lambda _i: self.reload(),
                                                       on_failure=self._failed),
                               detail=detail, keep_text="&Keep it")

    def retry_selected(self) -> None:
        item = self.selected()
        if item is None or item.state not in ("failed", "cancelled"):
            return
        if item.secrets_needed:
            self.secret_dialog = SecretDialog(item, self)
            self.secret_dialog.accepted.connect(lambda: self._retry(item, self.secret_dialog.secrets()))
            self.secret_dialog.open()
            return
        self._retry(item, None)

    def _retry(self, item, secrets) -> None:
        self.runner.run(queue_ops.retry(self.ctx, item.id, secrets), name="retry", lane="pool",
                        on_success=lambda i: (say(self.message, f"Item {i.id} is queued again."), self.reload()),
                        on_failure=self._failed)

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.reload()
        self.timer.start()

    def hideEvent(self, event):  # noqa: N802
        super().hideEvent(event)
        self.timer.stop()

    def focus_input(self) -> None:
        self.table.setFocus()


class SecretDialog(QDialog):
    """A retried item that needs a secret gets it again here (held in memory for that item only)."""

    def __init__(self, item, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Retry: a secret is needed")
        self.setObjectName("retrySecretDialog")
        self.item = item
        layout = QVBoxLayout(self)
        text = QLabel(f"{describe_item(item)} needs a secret again: it is held in this app's memory until the item "
                      "ran, never stored.")
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.fields = {}
        for name in item.secrets_needed:
            field = PasswordField(SECRET_NAMES.get(name, name))
            form.addRow(SECRET_NAMES.get(name, name) + ":", field)
            self.fields[name] = field
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        self.ok = QPushButton("&Retry")
        self.ok.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(self.ok)
        row.addWidget(cancel)
        layout.addLayout(row)
        no_auto_default(self)
        self.ok.setDefault(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def secrets(self) -> dict:
        return {k: f.text() for k, f in self.fields.items() if f.text()}

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if self.fields:
            next(iter(self.fields.values())).setFocus()

