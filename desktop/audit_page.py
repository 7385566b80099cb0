"""The Audit page (admins): the audit log's entries, newest first (who, what, when, result), filtered
by who and by action or area, with "Verify chain" (names the first entry that was changed, removed
or moved) and a CSV export. Everything comes from core/app/audit.py through desktop/ops/access.py."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop import fmt
from desktop.dialogs import RowsModel, message_label, say, say_failure, table
from desktop.ops import access as access_ops
from desktop.widgets import push_button

OUTCOMES = (("Every result", None), ("Done", "done"), ("Failed", "failed"), ("Refused", "refused"),
            ("Cancelled", "cancelled"))
LIMIT = 1000


def _detail(entry) -> str:
    d = entry.details
    parts = [f"reason: {d['reason']}"] if d.get("reason") else []
    if d.get("error") or d.get("refused"):
        parts.append(d.get("error") or d.get("refused"))
    parts += [f"{k}: {v}" for k, v in sorted(d.items()) if k not in ("reason", "error", "refused")]
    return "; ".join(str(p) for p in parts)


class AuditPage(QWidget):
    loaded = Signal()
    verified = Signal(object)

    def __init__(self, ctx, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.entries: list = []
        self._reading = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Audit log</h2>"))
        top = QHBoxLayout()
        self.who = QLineEdit()
        self.who.setAccessibleName("Show entries of this user")
        self.who.setPlaceholderText("any user")
        wlabel = QLabel("&Who:")
        wlabel.setBuddy(self.who)
        self.action = QLineEdit()
        self.action.setAccessibleName("Show entries of this action or area")
        self.action.setPlaceholderText("any action (token, user, import.apply…)")
        alabel = QLabel("&Action:")
        alabel.setBuddy(self.action)
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Show entries with this result")
        for text, value in OUTCOMES:
            self.outcome.addItem(text, value)
        olabel = QLabel("Res&ult:")
        olabel.setBuddy(self.outcome)
        for w in (wlabel, self.who, alabel, self.action, olabel, self.outcome):
            top.addWidget(w)
        layout.addLayout(top)
        self.model = RowsModel([("#", lambda e: fmt.number(e.seq), True), ("When", lambda e: fmt.date_time(e.at)),
                                ("Who", lambda e: f"{e.actor} ({e.role})"), ("What", lambda e: e.action),
                                ("Target", lambda e: e.target), ("Result", lambda e: e.outcome),
                                ("Details", _detail)])
        self.table = table(self.model, "Audit log entries", stretch=6)
        for col, w in enumerate((60, 150, 150, 150, 220, 80)):
            self.table.setColumnWidth(col, w)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.count = QLabel("")
        self.count.setObjectName("auditCount")
        row.addWidget(self.count, 1)
        self.verify_button = push_button("Verify &chain", "check", "Verify the audit log's hash chain")
        self.export_button = push_button("E&xport CSV…", "export", "Export the whole audit log as CSV")
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(lambda: self.export())
        row.addWidget(self.verify_button)
        row.addWidget(self.export_button)
        layout.addLayout(row)
        self.verdict = message_label("auditVerdict")
        layout.addWidget(self.verdict)
        self.message = message_label("auditMessage")
        layout.addWidget(self.message)
        self.filter_timer = QTimer(self)
        self.filter_timer.setSingleShot(True)
        self.filter_timer.setInterval(300)
        self.filter_timer.timeout.connect(self.reload)
        self.who.textChanged.connect(lambda *_: self.filter_timer.start())
        self.action.textChanged.connect(lambda *_: self.filter_timer.start())
        self.outcome.currentIndexChanged.connect(lambda *_: self.apply_filter())
        self.setTabOrder(self.who, self.action)
        self.setTabOrder(self.action, self.outcome)
        self.setTabOrder(self.outcome, self.table)
        self.setTabOrder(self.table, self.verify_button)
        self.setTabOrder(self.verify_button, self.export_button)

    def _failed(self, label):
        return lambda exc: say_failure(self, label, exc, self.ctx.home.log_file)

    def reload(self) -> None:
        self.filter_timer.stop()
        if self._reading is not None and not self._reading.done:
            self.filter_timer.start()          # the filter changed meanwhile: read again after this one
            return
        self._reading = self.runner.run(access_ops.list_audit(self.ctx, limit=LIMIT, actor=self.who.text().strip(),
                                                              action=self.action.text().strip()),
                                        name="audit", lane="pool", on_success=self._show,
                                        on_failure=self._failed(self.message))

    def _show(self, entries) -> None:
        self.entries = list(entries)
        self.apply_filter()
        self.loaded.emit()

    def apply_filter(self) -> None:
        outcome = self.outcome.currentData()
        rows = [e for e in self.entries if outcome is None or e.outcome == outcome]
        self.model.set_rows(rows)
        more = " (the newest)" if len(self.entries) >= LIMIT else ""
        self.count.setText(fmt.count(len(rows), "entry", "entries") + more)

    def verify(self) -> None:
        say(self.verdict, "Verifying…")
        self.runner.run(access_ops.verify_audit(self.ctx), name="verify audit", lane="pool",
                        on_success=self._verified, on_failure=self._failed(self.verdict))

    def _verified(self, check) -> None:
        if check.ok:
            say(self.verdict, f"<b>The chain is intact:</b> {fmt.count(check.entries, 'entry', 'entries')} checked.")
        else:
            say(self.verdict, f"<b>The chain is broken at entry {fmt.number(check.seq)}:</b> {check.problem} Entries "
                              "from there on cannot be trusted; keep a copy of the log and find out who changed it.")
        self.verified.emit(check)
        self.reload()                           # the verification is itself an entry

    def export(self, path: str | Path | None = None, *, overwrite: bool = False) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export the audit log", str(Path.home() / "audit.csv"),
                                                  "CSV files (*.csv)")
            if not path:
                return
            overwrite = True            # the file dialog asked already
        self.runner.run(access_ops.export_audit(self.ctx, Path(path), overwrite=overwrite), name="export audit",
                        lane="pool", on_success=lambda r: (say(self.message, f"Wrote {fmt.count(r.entries, 'entry', 'entries')} "
                                                                             f"to {r.path}."), self.reload()),
                        on_failure=self._failed(self.message))

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.reload()

    def focus_input(self) -> None:
        self.who.setFocus()
