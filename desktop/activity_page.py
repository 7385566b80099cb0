"""The Activity page: finished operations (what, who, when, result), newest first, filtered by text,
kind and result. The rows come from one ops function (desktop/ops/activity.py), today the queue's
finished items and what this window did; the audit log can take its place there."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop import fmt
from desktop.dialogs import RowsModel, message_label, say, table
from desktop.errors import describe, error_html
from desktop.ops import activity as activity_ops
from desktop.widgets import SearchBox

RESULTS = (("Every result", None), ("Done", "done"), ("Failed", "failed"), ("Cancelled", "cancelled"))
KINDS = (("Everything", None), ("Backups", "backup"), ("Restores", "restore"), ("Downloads", "download"),
         ("Exports", "export"), ("Imports", "import"), ("Other", "other"))
RESULT_TEXT = {"done": "Done", "failed": "Failed", "cancelled": "Cancelled"}
QUEUE_KINDS = ("backup", "restore", "download", "export", "import")


class ActivityPage(QWidget):
    loaded = Signal()

    def __init__(self, ctx, runner, session: activity_ops.SessionLog, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner, self.session = ctx, runner, session
        self.entries: list = []
        self._reading = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Activity</h2>"))
        top = QHBoxLayout()
        self.search = SearchBox("Search what, who and details", "Search the activity")
        top.addWidget(self.search, 1)
        klabel = QLabel("&Kind:")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Show this kind of operation")
        for text, value in KINDS:
            self.kind.addItem(text, value)
        klabel.setBuddy(self.kind)
        rlabel = QLabel("Res&ult:")
        self.result = QComboBox()
        self.result.setAccessibleName("Show operations with this result")
        for text, value in RESULTS:
            self.result.addItem(text, value)
        rlabel.setBuddy(self.result)
        for w in (klabel, self.kind, rlabel, self.result):
            top.addWidget(w)
        layout.addLayout(top)
        self.model = RowsModel([("When", lambda e: fmt.date_time(e.when)), ("What", lambda e: e.what),
                                ("Who", lambda e: e.who), ("Result", lambda e: RESULT_TEXT.get(e.result, e.result)),
                                ("Details", lambda e: e.detail)],
                               tooltip=lambda e, col: (e.what if col == 1 else e.detail if col == 4 else None) or None)
        self.table = table(self.model, "Finished operations", stretch=1)
        for col, w in enumerate((150, 420, 130, 90)):
            self.table.setColumnWidth(col, w)
        layout.addWidget(self.table, 1)
        self.count = QLabel("")
        self.count.setObjectName("activityCount")
        layout.addWidget(self.count)
        self.message = message_label("activityMessage")
        layout.addWidget(self.message)
        self.filter_timer = QTimer(self)
        self.filter_timer.setSingleShot(True)
        self.filter_timer.setInterval(150)
        self.filter_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda *_: self.filter_timer.start())
        self.kind.currentIndexChanged.connect(lambda *_: self.apply_filter())
        self.result.currentIndexChanged.connect(lambda *_: self.apply_filter())
        self.setTabOrder(self.search, self.kind)
        self.setTabOrder(self.kind, self.result)
        self.setTabOrder(self.result, self.table)

    def reload(self) -> None:
        if self._reading is not None and not self._reading.done:
            return

        def failed(exc):
            info = describe(exc)
            if info is not None:
                say(self.message, error_html(info))
        self._reading = self.runner.run(activity_ops.activity(self.ctx, self.session), name="activity", lane="pool",
                                        background=True, on_success=self._show, on_failure=failed)

    def _show(self, entries) -> None:
        self.entries = list(entries)
        self.apply_filter()
        self.loaded.emit()

    def apply_filter(self) -> None:
        self.filter_timer.stop()
        text = self.search.text().strip().casefold()
        kind, result = self.kind.currentData(), self.result.currentData()
        rows = []
        for e in self.entries:
            if result is not None and e.result != result:
                continue
            if kind == "other" and e.kind in QUEUE_KINDS or kind not in (None, "other") and e.kind != kind:
                continue
            if text and text not in f"{e.what}\n{e.who}\n{e.detail}".casefold():
                continue
            rows.append(e)
        self.model.set_rows(rows)
        total = len(self.entries)
        self.count.setText(fmt.count(total, "operation") if len(rows) == total else
                           f"{fmt.number(len(rows))} of {fmt.count(total, 'operation')}")

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.reload()

    def focus_input(self) -> None:
        self.search.setFocus()
