"""The Settings tabs for account backups: destinations (add, test, remove), jobs, tags, priority groups,
restore conditions, and the account-backup limits of the General tab (download TTL, on-demand
maximum, kept and lifetime). Each change runs through desktop/ops and the lists are read again."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.chips import ChipDelegate, TagsRole
from desktop.dialogs import RowsModel, ask, message_label, say, say_failure, selected_row, table
from desktop.errors import describe, error_html
from desktop.ops import backups as backup_ops
from desktop.ops import destinations as destination_ops
from desktop.ops import jobs as job_ops
from desktop.ops import tags as tag_ops
from desktop.settings_dialogs import ConditionDialog, DestinationDialog, JobDialog, PriorityDialog, TagDialog
from desktop.widgets import push_button


class ListTab(QWidget):
    """A table, a row of buttons and a message line; ``load()`` reads the rows through the runner."""

    def __init__(self, ctx, runner, intro: str, columns, accessible: str, *, stretch: int = 0):
        super().__init__()
        self.ctx, self.runner = ctx, runner
        self.dialog = None
        self.confirm_box = None
        layout = QVBoxLayout(self)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.model = RowsModel(columns)
        self.table = table(self.model, accessible, stretch=stretch)
        layout.addWidget(self.table, 1)
        self.buttons = QHBoxLayout()
        layout.addLayout(self.buttons)
        self.message = message_label()
        layout.addWidget(self.message)

    def add_buttons(self, *buttons) -> None:
        for b in buttons:
            self.buttons.addWidget(b)
        self.buttons.addStretch(1)

    def run(self, task, on_success, what: str, **kw):
        return self.runner.run(task, name=what, lane="pool", on_success=on_success, on_failure=self.show_failure,
                               **kw)

    def show_failure(self, exc) -> None:
        say_failure(self, self.message, exc, self.ctx.home.log_file)

    def open(self, dialog, signal: str, then=None) -> None:
        self.dialog = dialog
        getattr(dialog, signal).connect(lambda *_: (self.load(), then() if then else None))
        dialog.open()

    def selected(self):
        return selected_row(self.table)

    def show_rows(self, rows, key=lambda row: row.name) -> None:
        """Show ``rows``, the one chosen before still chosen (the same ``key``), else the first."""
        keep = self.selected()
        self.model.set_rows(rows)
        keys = [key(r) for r in rows]
        if rows:
            self.table.selectRow(keys.index(key(keep)) if keep is not None and key(keep) in keys else 0)

    def change_selected(self, dialog_class) -> None:
        """Open ``dialog_class`` on the chosen row; the list is read again once it saved."""
        row = self.selected()
        if row is not None:
            self.open(dialog_class(self.ctx, self.runner, row, self), "saved")

    def ask_remove(self, title: str, text: str, task, what: str) -> None:
        """Ask first; then run ``task()`` and read the list again."""
        self.confirm_box = ask(self, title, text, "&Remove it",
                               lambda: self.run(task(), lambda _r: self.load(), what))

    def focus_input(self) -> None:
        self.table.setFocus()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.load()


class DestinationsTab(ListTab):
    def __init__(self, ctx, runner):
        super().__init__(ctx, runner, "Where account backups are stored: folders, SFTP servers and S3 buckets. A "
                                      "destination is saved only once the app could write, read back and remove a "
                                      "small test object there; its secret goes to the secret store.",
                         [("Name", lambda d: d.name), ("Type", lambda d: d.config.type), ("Where", lambda d: d.location),
                          ("Secret", lambda d: "stored" if d.has_secret else "")], "Destinations", stretch=2)
        self.table.setColumnWidth(0, 160)
        self.add_button = push_button("&Add destination…", "plus", "Add a destination")
        self.test_button = push_button("Test &connection", "refresh", "Test the chosen destination")
        self.remove_button = push_button("&Remove…", "error", "Remove the chosen destination")
        self.add_buttons(self.add_button, self.test_button, self.remove_button)
        self.add_button.clicked.connect(self.add)
        self.test_button.clicked.connect(self.test)
        self.remove_button.clicked.connect(self.remove)
        self.table.activated.connect(lambda _i: self.test())

    def load(self) -> None:
        self.run(destination_ops.listing(self.ctx), self._show, "destinations")

    def _show(self, rows) -> None:
        self.show_rows(rows)
        for b in (self.test_button, self.remove_button):
            b.setEnabled(bool(rows))

    def add(self) -> None:
        self.open(DestinationDialog(self.ctx, self.runner, self), "added",
                  lambda: say(self.message, "The destination was added."))

    def test(self) -> None:
        d = self.selected()
        if d is None:
            return
        say(self.message, f"Testing {fmt.html_name(d.name)}: writing, reading back and removing 4 MB…")
        self.test_button.setEnabled(False)

        def done(r):
            self.test_button.setEnabled(True)
            say(self.message, f"<b>{fmt.html_name(r.name)} works.</b> Latency {fmt.number(round(r.latency_s * 1000, 1))} "
                              f"ms; writes {fmt.number(round(r.write_mib_s, 1))} MiB/s, reads "
                              f"{fmt.number(round(r.read_mib_s, 1))} MiB/s ({fmt.size(r.probe_bytes)} probe).")
        handle = self.run(destination_ops.probe(self.ctx, d.name), done, "test destination")
        handle.finished.connect(lambda: self.test_button.setEnabled(True))

    def remove(self) -> None:
        d = self.selected()
        if d is None:
            return
        self.ask_remove("Remove this destination?",
                        f"This installation forgets the destination {fmt.name(d.name)} and the index of its "
                        "backups. The backups stored there stay; adding it again and scanning finds them.",
                        lambda: destination_ops.remove(self.ctx, d.name), "remove destination")


class JobsTab(ListTab):
    retention_done = Signal(object)      # core/app/backups.py RetentionRun
    queued = Signal(object)              # core/jobs/scheduler.py DueResult: a job's run queued now

    def __init__(self, ctx, runner):
        super().__init__(ctx, runner, "Backup jobs run on their schedule while this app (or the queue's timer) "
                                      "runs: one backup per account they cover, rotated by their retention.",
                         [("Job", lambda j: j.name), ("Destination", lambda j: j.destination),
                          ("Accounts", lambda j: j.accounts_text()), ("What", lambda j: ", ".join(j.items)),
                          ("Schedule", lambda j: f"{j.schedule} ({j.timezone})"),
                          ("Keeps", lambda j: fmt.number(j.keep_last), True),
                          ("Enabled", lambda j: "yes" if j.enabled else "no")], "Backup jobs", stretch=2)
        self.table.setColumnWidth(0, 140)
        self.add_button = push_button("&Add job…", "plus", "Add a backup job")
        self.change_button = push_button("&Change…", "settings", "Change the chosen job")
        self.remove_button = push_button("&Remove…", "error", "Remove the chosen job")
        self.retention_button = push_button("Retention &overview", "file", "What retention would remove today")
        self.run_button = push_button("R&un retention now…", "warning", "Remove the backups retention removes")
        self.run_now_button = push_button("Run job no&w", "export", "Queue the chosen job's backups now")
        self.prompt = None
        self.add_buttons(self.add_button, self.change_button, self.remove_button, self.run_now_button)
        second = QHBoxLayout()            # a row of its own: the page stays narrow enough for a small screen
        second.addWidget(self.retention_button)
        second.addWidget(self.run_button)
        second.addStretch(1)
        self.layout().insertLayout(3, second)
        self.run_button.clicked.connect(self.run_retention)
        self.add_button.clicked.connect(lambda: self.open(JobDialog(self.ctx, self.runner, None, self), "saved"))
        self.change_button.clicked.connect(self.change)
        self.remove_button.clicked.connect(self.remove)
        self.retention_button.clicked.connect(self.retention)
        self.run_now_button.clicked.connect(self.run_now)
        self.table.activated.connect(lambda _i: self.change())

    def load(self) -> None:
        self.run(job_ops.listing(self.ctx), self._show, "jobs")

    def _show(self, rows) -> None:
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        for b in (self.change_button, self.remove_button, self.run_now_button):
            b.setEnabled(bool(rows))

    def run_now(self) -> None:
        """Queue one backup per account the job covers, now (outside its schedule); the queue's workers
        take them. Core asks for the backup token first once the installation has users."""
        job = self.selected()
        if job is None:
            return
        self.run_now_button.setEnabled(False)

        def done(result):
            self.run_now_button.setEnabled(True)
            problems = "".join(f"<li>{fmt.html_name(p, 200)}</li>" for p in result.problems)
            say(self.message, f"{fmt.html_name(job.name)}: {fmt.count(result.items, 'backup')} queued; the Queue page "
                              "shows them." + (f"<ul>{problems}</ul>" if problems else ""))
            self.queued.emit(result)

        def failed(exc):
            from desktop.prompts import answer

            self.run_now_button.setEnabled(True)
            self.prompt = answer(self, self.ctx, exc, retry=self.run_now)
            if self.prompt is not None:
                say(self.message, "")
                return
            self.show_failure(exc)
        self.runner.run(job_ops.run_now(self.ctx, job.name), name="run job", lane="unit", on_success=done,
                        on_failure=failed)

    def change(self) -> None:
        self.change_selected(JobDialog)

    def remove(self) -> None:
        job = self.selected()
        if job is None:
            return
        self.ask_remove("Remove this job?", f"The job {fmt.name(job.name)} stops running. Its backups stay, and "
                                            "retention no longer removes them.",
                        lambda: job_ops.remove(self.ctx, job.name), "remove job")

    def retention(self) -> None:
        say(self.message, "Looking at every backup…")

        def done(run):
            remove = run.to_remove
            if not remove:
                say(self.message, f"If retention ran now, it would remove nothing ({fmt.count(len(run.decisions), 'backup')}"
                                  " kept).")
                return
            import html

            lines = "".join(f"<li>{html.escape(d.backup_id)}: {html.escape('; '.join(d.reasons))}</li>"
                            for d in remove[:20])
            more = f"<li>… and {fmt.number(len(remove) - 20)} more</li>" if len(remove) > 20 else ""
            say(self.message, f"If retention ran now, it would remove {fmt.count(len(remove), 'backup')} (locked "
                              f"backups are always kept):<ul>{lines}{more}</ul>")
        self.run(backup_ops.retention(self.ctx, dry_run=True), done, "retention preview")


    def run_retention(self) -> None:
        def go():
            say(self.message, "Running retention…")

            def done(run):
                self.retention_done.emit(run)
                failed = "".join(f"<li>{fmt.html_name(i)}: {fmt.html_name(why, 200)}</li>" for i, why in run.failed)
                say(self.message, f"Retention removed {fmt.count(len(run.removed), 'backup')}; their data goes with "
                                  "each destination's next prune." + (f"<ul>{failed}</ul>" if failed else ""))
            self.run(backup_ops.retention(self.ctx, dry_run=False), done, "retention", activity="Retention")
        self.confirm_box = ask(self, "Run retention now?",
                               "Every job's rotation and the on-demand rules are applied now: the backups they no "
                               "longer keep are forgotten (Retention overview shows which). Locked backups stay.",
                               "R&un it", go)


class TagsModel(RowsModel):
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == TagsRole and index.isValid() and index.column() == 0:
            t = self.rows[index.row()]
            return [(t.name, t.color)]
        return super().data(index, role)


class TagsTab(ListTab):
    def __init__(self, ctx, runner):
        super().__init__(ctx, runner, "Tags group accounts: filter the accounts page by them, back up every account "
                                      "with a tag in one job, and give their work a priority.",
                         [], "Tags", stretch=1)
        self.model = TagsModel([("Tag", lambda t: t.name), ("Colour", lambda t: t.color),
                                ("Priority group", lambda t: t.priority_group or ""),
                                ("Accounts", lambda t: fmt.number(t.accounts), True)])
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(0, ChipDelegate(self.table))
        self.table.setColumnWidth(0, 220)
        self.add_button = push_button("&Add tag…", "plus", "Add a tag")
        self.change_button = push_button("&Change…", "settings", "Change the chosen tag")
        self.remove_button = push_button("&Remove…", "error", "Remove the chosen tag")
        self.add_buttons(self.add_button, self.change_button, self.remove_button)
        self.add_button.clicked.connect(lambda: self.open(TagDialog(self.ctx, self.runner, None, self), "saved"))
        self.change_button.clicked.connect(self.change)
        self.remove_button.clicked.connect(self.remove)
        self.table.activated.connect(lambda _i: self.change())

    def load(self) -> None:
        self.run(lambda _reporter: tag_ops.listing(self.ctx), self._show, "tags")

    def _show(self, rows) -> None:
        self.show_rows(rows)
        for b in (self.change_button, self.remove_button):
            b.setEnabled(bool(rows))

    def change(self) -> None:
        self.change_selected(TagDialog)

    def remove(self) -> None:
        tag = self.selected()
        if tag is None:
            return
        self.ask_remove("Remove this tag?", f"The tag {fmt.name(tag.name)} goes, and with it from "
                                            f"{fmt.count(tag.accounts, 'account')}; jobs that back up its accounts "
                                            "stop covering them.",
                        lambda: tag_ops.remove(self.ctx, tag.name), "remove tag")


class PrioritiesTab(ListTab):
    def __init__(self, ctx, runner):
        super().__init__(ctx, runner, "Queued work runs by its priority group's value, lowest first: the account's "
                                      "own group, else the best group of its tags, else the group of the kind of "
                                      "work below.",
                         [("Group", lambda g: g.name), ("Value", lambda g: fmt.number(g.value), True)],
                         "Priority groups", stretch=0)
        self.add_button = push_button("&Add group…", "plus", "Add a priority group")
        self.change_button = push_button("&Change…", "settings", "Change the chosen group's value")
        self.remove_button = push_button("&Remove…", "error", "Remove the chosen group")
        self.add_buttons(self.add_button, self.change_button, self.remove_button)
        self.add_button.clicked.connect(lambda: self.open(PriorityDialog(self.ctx, self.runner, None, self), "saved"))
        self.change_button.clicked.connect(self.change)
        self.remove_button.clicked.connect(self.remove)
        self.table.activated.connect(lambda _i: self.change())
        kinds = QGroupBox("Groups of each kind of work")
        form = QFormLayout(kinds)
        self.kind_boxes = {}
        for kind, text in (("backup", "&Backups:"), ("restore", "Rest&ores:"), ("download", "Do&wnloads:")):
            box = QComboBox()
            box.setAccessibleName(f"Priority group of {kind}s")
            form.addRow(text, box)
            box.activated.connect(lambda _i, k=kind, b=box: self.set_kind(k, b.currentData()))
            self.kind_boxes[kind] = box
        self.layout().insertWidget(3, kinds)

    def load(self) -> None:
        self.run(lambda _reporter: tag_ops.priorities(self.ctx), self._show, "priority groups")

    def _show(self, data: dict) -> None:
        self.show_rows(data["groups"])
        for kind, box in self.kind_boxes.items():
            box.blockSignals(True)
            box.clear()
            for g in data["groups"]:
                box.addItem(f"{g.name} ({fmt.number(g.value)})", g.name)
            box.setCurrentIndex(max(0, box.findData(data["kinds"].get(kind))))
            box.blockSignals(False)

    def set_kind(self, kind: str, group: str) -> None:
        self.run(tag_ops.set_kind_priority(self.ctx, kind, group), lambda _k: (self.load(), say(
            self.message, f"{kind.capitalize()}s now run in the group {fmt.html_name(group)}.")), "priority kind")

    def change(self) -> None:
        self.change_selected(PriorityDialog)

    def remove(self) -> None:
        g = self.selected()
        if g is None:
            return
        self.ask_remove("Remove this priority group?", f"The group {fmt.name(g.name)} goes; accounts and tags in "
                                                       "it fall back to the other rules.",
                        lambda: tag_ops.set_priority(self.ctx, g.name, None, remove=True), "remove group")


class ConditionsTab(ListTab):
    def __init__(self, ctx, runner):
        super().__init__(ctx, runner, "Restore conditions: texts whoever restores must accept first (the restore "
                                      "wizard shows them, the command line asks for them).",
                         [("#", lambda c: c.id, True), ("Condition", lambda c: c.text)], "Restore conditions", stretch=1)
        self.table.setColumnWidth(0, 50)
        self.add_button = push_button("&Add condition…", "plus", "Add a restore condition")
        self.remove_button = push_button("&Remove…", "error", "Remove the chosen condition")
        self.add_buttons(self.add_button, self.remove_button)
        self.add_button.clicked.connect(lambda: self.open(ConditionDialog(self.ctx, self.runner, self), "saved"))
        self.remove_button.clicked.connect(self.remove)

    def load(self) -> None:
        self.run(lambda _reporter: backup_ops.conditions(self.ctx), self._show, "restore conditions")

    def _show(self, rows) -> None:
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        self.remove_button.setEnabled(bool(rows))

    def remove(self) -> None:
        c = self.selected()
        if c is None:
            return
        self.ask_remove("Remove this condition?", f"Restores will no longer ask to accept: {c.text}",
                        lambda: backup_ops.remove_condition(self.ctx, c.id), "remove condition")


class BackupLimitsBox(QGroupBox):
    """The General tab's account-backup settings: download TTL and the on-demand limits."""

    def __init__(self, ctx, runner):
        super().__init__("Account backups")
        self.ctx, self.runner = ctx, runner
        v = QVBoxLayout(self)
        text = QLabel("Shared by every workstation on this catalog, except the download lifetime (this installation).")
        text.setWordWrap(True)
        v.addWidget(text)
        form = QFormLayout()
        self.ttl = self._spin("Days a download is kept", 1, 365)
        self.od_max = self._spin("Most on-demand backups an account may have", 1, 99)
        self.od_keep = self._spin("Newest on-demand backups rotation keeps", 1, 99)
        self.od_days = self._spin("Days an on-demand backup lives", 1, 3650)
        form.addRow("Do&wnloads are removed after (days):", self.ttl)
        form.addRow("&Maximum on-demand backups per account:", self.od_max)
        form.addRow("&Rotation keeps the newest on-demand backups:", self.od_keep)
        form.addRow("On-demand backups l&ive (days):", self.od_days)
        v.addLayout(form)
        self.message = message_label("limitsMessage")
        v.addWidget(self.message)
        self.loaded: dict | None = None       # the values last read or saved
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(600)
        self.timer.timeout.connect(self.save)
        for spin in (self.ttl, self.od_max, self.od_keep, self.od_days):
            spin.valueChanged.connect(lambda *_: self.timer.start())
            spin.editingFinished.connect(self.save)

    def _spin(self, accessible: str, low: int, high: int) -> QSpinBox:
        s = QSpinBox()
        s.setRange(low, high)
        s.setAccessibleName(accessible)
        return s

    def _spins(self) -> dict[str, QSpinBox]:
        return {"download_ttl": self.ttl, "ondemand_max": self.od_max, "ondemand_keep": self.od_keep,
                "ondemand_ttl_days": self.od_days}

    def refresh(self) -> None:
        """Read on a worker (the catalog may be a server); the spin boxes show what was read."""
        self.runner.run(tag_ops.backup_limits(self.ctx), name="backup limits", lane="pool", background=True,
                        on_success=self._show)

    def _show(self, values: dict) -> None:
        self.loaded = dict(values)
        for key, spin in self._spins().items():
            spin.blockSignals(True)
            spin.setValue(values[key])
            spin.blockSignals(False)

    def save(self) -> None:
        """Saves what differs from what was last read or saved (nothing before the first read)."""
        self.timer.stop()
        if self.loaded is None:
            return
        changes = {k: spin.value() for k, spin in self._spins().items() if spin.value() != self.loaded[k]}
        ttl = changes.pop("download_ttl", None)

        def failed(exc):
            info = describe(exc)
            if info is not None:
                say(self.message, "Not saved. " + error_html(info))
            self.refresh()

        def saved(done: dict, text: str) -> None:
            self.loaded.update(done)
            say(self.message, text)
        if changes:
            self.loaded.update(changes)         # a second edit before this lands is compared with it
            self.runner.run(tag_ops.set_backup_settings(self.ctx, **changes), name="backup settings", lane="pool",
                            on_success=lambda _s: saved(changes, "Saved."), on_failure=failed)
        if ttl is not None:
            self.loaded["download_ttl"] = ttl
            self.runner.run(tag_ops.set_download_ttl(self.ctx, ttl), name="download ttl", lane="pool",
                            on_success=lambda n: saved({"download_ttl": n}, f"Saved: downloads are removed after "
                                                                            f"{fmt.count(n, 'day')}."),
                            on_failure=failed)
