"""The restore wizard: items, options, the restore conditions, the owner's key, the plan, then the
restore itself, queued and followed to its result.

Decide, then act: the plan page shows the account-restore dry run of every chosen backup (and, for
units, the import preview of each unit, as the import wizard shows it); "Restore" queues exactly those
requests (core/app/queue.py; an owner's passphrase is held in this process's memory only) and the
last page follows the queue items to the restored, skipped and failed items."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QRadioButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop import fmt
from desktop.errors import describe, error_html, show_error
from desktop.icons import icon
from desktop.import_wizard import error_label
from desktop.item_browser import ItemBrowser, backup_label
from desktop.ops import backups as backup_ops
from desktop.ops import queue as queue_ops
from desktop.plan_view import MORE_STEP, MoreLoader, fill_tree
from desktop.widgets import PasswordField, leading_row, no_auto_default, push_button, stage_label

P_ITEMS, P_OPTIONS, P_CONDITIONS, P_KEY, P_PLAN, P_RESTORE = range(6)
POLL_MS = 500
LISTED = 300


def _label(text: str = "", *, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


class ItemsPage(QWizardPage):
    def __init__(self, wizard: RestoreWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("What to restore")
        self.setSubTitle("A whole backup, or with the advanced settings chosen items: the account's settings, "
                         "units or single sections, and files and folders, from one or more backups.")
        layout = QVBoxLayout(self)
        self.simple = QWidget()
        sv = QVBoxLayout(self.simple)
        sv.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.backup = QComboBox()
        self.backup.setAccessibleName("Backup to restore from")
        for b in wizard.backups:
            self.backup.addItem(backup_label(b), b.id)
        form.addRow("Bac&kup:", self.backup)
        items = QHBoxLayout()
        self.settings_box = QCheckBox("Account se&ttings")
        self.units_box = QCheckBox("&Units")
        self.files_box = QCheckBox("Home directory fi&les")
        for box in (self.settings_box, self.units_box, self.files_box):
            box.setChecked(True)
            box.toggled.connect(lambda *_: self.completeChanged.emit())
            items.addWidget(box)
        items.addStretch(1)
        form.addRow("Restore:", items)
        sv.addLayout(form)
        layout.addWidget(self.simple)
        self.advanced = QCheckBox("Show &advanced settings: choose single items and files")
        layout.addWidget(self.advanced)
        self.browser = ItemBrowser(wizard.ctx, wizard.runner, wizard.backups, keys=wizard.key_material)
        self.browser.changed.connect(self.completeChanged)
        self.browser.hide()
        layout.addWidget(self.browser, 1)
        self.stretch = QWidget()
        layout.addWidget(self.stretch, 1)
        self.advanced.toggled.connect(self.set_advanced)

    def set_advanced(self, on: bool) -> None:
        self.simple.setVisible(not on)
        self.browser.setVisible(on)
        self.stretch.setVisible(not on)
        if on:
            self.browser.start(self.backup.currentData())
            self.browser.focus_input()
        self.completeChanged.emit()

    def chosen(self) -> list[tuple[str, str, tuple[str, ...]]]:
        if self.advanced.isChecked():
            return self.browser.chosen()
        items = ",".join(n for n, b in (("account", self.settings_box), ("units", self.units_box),
                                        ("files", self.files_box)) if b.isChecked())
        return [(self.backup.currentData(), items, ())] if items and self.backup.currentData() else []

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.chosen())

    def focus_input(self) -> None:
        if self.advanced.isChecked():
            self.browser.focus_input()
        else:
            self.backup.setFocus()


class OptionsPage(QWizardPage):
    def __init__(self, wizard: RestoreWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("How to restore")
        self.setSubTitle("Merge keeps everything that is there now; terminate removes what it restores first.")
        layout = QVBoxLayout(self)
        self.merge = QRadioButton("&Merge: restore what is missing; where both exist, the live data takes precedence")
        self.terminate = QRadioButton("&Terminate: remove what is restored first, then restore it from the backup")
        self.merge.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.merge)
        group.addButton(self.terminate)
        layout.addWidget(self.merge)
        layout.addWidget(self.terminate)
        self.warning = _label("")
        self.warning.setObjectName("terminateWarning")
        layout.addWidget(self.warning)
        self.suspend = QCheckBox("&Suspend the account after the restore")
        layout.addWidget(self.suspend)
        layout.addStretch(1)
        self.terminate.toggled.connect(lambda on: self.warning.setText(
            "Terminate removes the chosen files and folders (the whole home directory when every file is chosen) "
            "and replaces the chosen unit sections. The plan shows exactly what goes before anything is done."
            if on else ""))

    def mode(self) -> str:
        return "terminate" if self.terminate.isChecked() else "merge"

    def focus_input(self) -> None:
        (self.terminate if self.terminate.isChecked() else self.merge).setFocus()


class ConditionsPage(QWizardPage):
    def __init__(self, wizard: RestoreWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Restore conditions")
        self.setSubTitle("Whoever restores must accept these conditions, set by an administrator.")
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setAccessibleName("Restore conditions")
        self.list.setWordWrap(True)
        layout.addWidget(self.list, 1)
        self.accept_box = QCheckBox("I &accept these conditions")
        self.accept_box.toggled.connect(lambda *_: self.completeChanged.emit())
        layout.addWidget(self.accept_box)

    def initializePage(self) -> None:  # noqa: N802
        self.list.clear()
        for i, c in enumerate(self.w.conditions, 1):
            self.list.addItem(f"{i}. {c.text}")

    def isComplete(self) -> bool:  # noqa: N802
        return self.accept_box.isChecked()

    def focus_input(self) -> None:
        self.accept_box.setFocus()


class KeyPage(QWizardPage):
    def __init__(self, wizard: RestoreWizard):
        super().__init__()
        self.w = wizard
        self.setTitle("The owner's key")
        self.setSubTitle("The backup is encrypted with its owner's key. The passphrase is used for this restore "
                         "only: it is held in memory until the restore ran, never stored.")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.passphrase = PasswordField("The owner's passphrase")
        form.addRow("Owner's &passphrase:", self.passphrase)
        self.owner_file = QLineEdit()
        self.owner_file.setAccessibleName("The owner's key file")
        self.owner_file.setPlaceholderText("instead of the passphrase")
        form.addRow("Or the owner's &key file:", self.owner_file)
        self.recovery_file = QLineEdit()
        self.recovery_file.setAccessibleName("The organisation's recovery key file")
        self.recovery_file.setPlaceholderText("an app-held account on a new installation")
        form.addRow("Or the &recovery key file:", self.recovery_file)
        self.account_file = QLineEdit()
        self.account_file.setAccessibleName("The account's exported key file")
        form.addRow("Or the account's key fi&le:", self.account_file)
        layout.addLayout(form)
        self.note = _label("")
        layout.addWidget(self.note)
        layout.addStretch(1)
        for edit in (self.passphrase, self.owner_file, self.recovery_file, self.account_file):
            edit.textChanged.connect(lambda *_: self.completeChanged.emit())

    def isComplete(self) -> bool:  # noqa: N802
        if not self.w.owner_backups():
            return True
        return bool(self.passphrase.text() or self.owner_file.text().strip())

    def focus_input(self) -> None:
        self.passphrase.setFocus()


class PlanPage(QWizardPage):
    def __init__(self, wizard: RestoreWizard):
        super().__init__()
        self.w = wizard
        self.outcomes: list = []
        self.handle = None
        self.setTitle("The plan")
        self.setSubTitle("Exactly what the restore will do. Nothing is changed yet.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Restore")
        layout = QVBoxLayout(self)
        self.state = _label("")
        layout.addWidget(self.state)
        split = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["What", "Details"])
        self.tree.setAccessibleName("What the restore will do")
        self.tree.setColumnWidth(0, 300)
        split.addWidget(self.tree)
        units = QWidget()
        uv = QVBoxLayout(units)
        uv.setContentsMargins(0, 0, 0, 0)
        urow = QHBoxLayout()
        ulabel = QLabel("&Unit:")
        self.unit = QComboBox()
        self.unit.setAccessibleName("The unit whose plan is shown")
        ulabel.setBuddy(self.unit)
        urow.addWidget(ulabel)
        urow.addWidget(self.unit, 1)
        uv.addLayout(urow)
        self.unit_tree = QTreeWidget()
        self.unit_tree.setHeaderLabels(["Section / record", "Change"])
        self.unit_tree.setAccessibleName("What the restore changes in the unit")
        self.unit_tree.setColumnWidth(0, 300)
        uv.addWidget(self.unit_tree, 1)
        # The plan lists a unit's first changes of each kind; a "… more" row reads the next ones from
        # the backup (opened again) and the unit, double-clicked or selected and Show more.
        self.more_button = push_button("S&how more", "plus", "Show more changes of the selected kind")
        self.more_button.setToolTip(f"Select a “… more” row: reads its next {fmt.number(MORE_STEP)} keys "
                                    "from the backup and the unit.")
        uv.addLayout(leading_row(self.more_button))
        self._shown = 0  # which unit plan the tree shows (a read for an earlier one is dropped)
        self.more = MoreLoader(self.unit_tree, self.more_button, self.w.runner, self._more_task, lambda: self._shown)
        self.units_widget = units
        split.addWidget(units)
        layout.addWidget(split, 1)
        self.confirm_label = QLabel("&Type the account's username to confirm the terminate restore:")
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Type the account's username to confirm")
        self.confirm_label.setBuddy(self.typed)
        layout.addWidget(self.confirm_label)
        layout.addWidget(self.typed)
        self.error = error_label()
        layout.addWidget(self.error)
        self.typed.textChanged.connect(lambda *_: self.completeChanged.emit())
        self.unit.currentIndexChanged.connect(self._show_unit)

    def initializePage(self) -> None:  # noqa: N802
        self.outcomes = []
        self.requests = []
        self.tree.clear()
        self._shown += 1
        self.unit_tree.clear()
        self.unit.clear()
        self.error.hide()
        self.typed.clear()
        terminate = self.w.options_page.mode() == "terminate"
        self.confirm_label.setVisible(terminate)
        self.typed.setVisible(terminate)
        self.units_widget.hide()
        self.state.setText("Planning: reading the backups and what is there now…")
        requests = self.requests = self.w.requests()
        self.handle = self.w.runner.run(backup_ops.plan_restores(self.w.ctx, requests), name="restore plan",
                                        lane="pool", on_success=self._planned, on_failure=self._failed)
        self.completeChanged.emit()

    def _planned(self, outcomes) -> None:
        self.outcomes = list(outcomes)
        totals = {"restore": 0, "skip": 0, "remove": 0, "refused": 0, "units": 0}
        for outcome, request, (backup_id, items, paths) in zip(self.outcomes, self.requests, self.w.chosen,
                                                               strict=True):
            plan = outcome.plan
            entry = self.w.entry(backup_id)
            top = QTreeWidgetItem([f"Backup of {fmt.date_time(entry.created_at) if entry else backup_id}",
                                   f"{items_text(items, paths)}; {plan.mode}"])
            self.tree.addTopLevelItem(top)
            s = plan.settings
            if s is not None:
                node = QTreeWidgetItem(["Account settings", {"create": "the account is added again with its id",
                                                             "none": "unchanged"}.get(s.action, "updated")])
                top.addChild(node)
                for field, old, new in s.changes:
                    node.addChild(QTreeWidgetItem([field, f"{_short(old)} → {_short(new)}"]))
            for u in plan.units:
                t = u.preview.plan.totals
                verb = "replace" if u.preview.plan.mode == "replace" else "merge"
                new = ", a new unit" if u.preview.target is None else ""
                top.addChild(QTreeWidgetItem([f"Unit {u.name}", f"{verb} {', '.join(u.sections)}{new}: "
                                              f"{fmt.number(t['added'])} added, {fmt.number(t['removed'])} removed, "
                                              f"{fmt.number(t['changed'])} changed"]))
                self.unit.addItem(f"{u.name} (backup of {fmt.date_time(entry.created_at) if entry else backup_id})",
                                  (request, u))
                totals["units"] += 1
            f = plan.files
            if f is not None:
                c = f.counts()
                totals["restore"] += c["restore"] + c["link"]
                totals["skip"] += c["skip"]
                totals["remove"] += len(f.remove)
                totals["refused"] += len(f.refused)
                node = QTreeWidgetItem([f"Files into {f.target}",
                                        f"{fmt.number(c['restore'] + c['link'])} restored "
                                        f"({fmt.size(f.bytes_to_write)}), {fmt.number(c['keep'])} folders kept, "
                                        f"{fmt.number(c['skip'])} skipped (live data kept), "
                                        f"{fmt.number(len(f.remove))} removed first, "
                                        f"{fmt.number(len(f.refused))} refused"])
                top.addChild(node)
                for title, paths_ in (("Removed first", [p.decode("utf-8", "backslashreplace") for p in f.remove]),
                                      ("Restored", f.paths("restore") + f.paths("link")),
                                      ("Skipped: live data kept", f.paths("skip")),
                                      ("Refused", [f"{p}: {why}" for p, why in f.refused])):
                    if not paths_:
                        continue
                    group = QTreeWidgetItem([f"{title} ({fmt.number(len(paths_))})", ""])
                    node.addChild(group)
                    for p in paths_[:LISTED]:
                        group.addChild(QTreeWidgetItem([p, ""]))
                    if len(paths_) > LISTED:
                        group.addChild(QTreeWidgetItem([f"… and {fmt.number(len(paths_) - LISTED)} more", ""]))
                node.setExpanded(True)
            if plan.suspend:
                top.addChild(QTreeWidgetItem(["Then", f"suspend the account {plan.account}"]))
            top.setExpanded(True)
        self.units_widget.setVisible(self.unit.count() > 0)
        if self.unit.count():
            self._show_unit(0)
        parts = [f"{fmt.count(totals['restore'], 'file or folder', 'files and folders')} restored"] if any(
            o.plan.files for o in self.outcomes) else []
        if totals["skip"]:
            parts.append(f"{fmt.number(totals['skip'])} skipped")
        if totals["remove"]:
            parts.append(f"{fmt.number(totals['remove'])} removed first")
        if totals["units"]:
            parts.append(fmt.count(totals["units"], "unit"))
        self.state.setText(("The restore will do this: " + ", ".join(parts) + ".") if parts else
                           "The restore will do this:")
        self.completeChanged.emit()
        self.focus_input()

    def _show_unit(self, i: int) -> None:
        data = self.unit.itemData(i) if i >= 0 else None
        self._shown += 1
        self.unit_tree.clear()
        if data is not None:
            fill_tree(self.unit_tree, data[1].preview.plan, loadable=True)
        self.more.filled()

    def _more_task(self, section: str, kind: str, start: int, n: int):
        data = self.unit.currentData()
        if data is None:
            return None
        request, unit = data
        return backup_ops.restore_changes(self.w.ctx, request, unit, section, kind, start, n)

    def _failed(self, exc: BaseException) -> None:
        info = describe(exc)
        self.state.setText("")
        if info is None:
            return
        from core.errors import PassphraseRequired, WrongPasswordError

        hint = ""
        if isinstance(exc, (PassphraseRequired, WrongPasswordError)):
            self.w.key_needed = True
            hint = " Go back to the key page and give the owner's passphrase or a key file."
        self.error.setText(error_html(info) + html.escape(hint))
        self.error.show()
        if info.unexpected:
            show_error(self, exc, self.w.ctx.home.log_file)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        if not self.outcomes:
            return False
        if self.w.options_page.mode() == "terminate":
            return self.typed.text() == self.w.username
        return True

    def validatePage(self) -> bool:  # noqa: N802
        return self.isComplete()

    def focus_input(self) -> None:
        if self.typed.isVisible():
            self.typed.setFocus()
        else:
            self.tree.setFocus()


def items_text(items: str, paths=()) -> str:
    """A request's items in words: "account,units:demo/plugins,files" with two paths -> "account settings,
    plugins of unit demo, 2 files and folders"."""
    from desktop.item_browser import SECTION_TITLES

    words = []
    for item in filter(None, items.split(",")):
        if item == "account":
            words.append("account settings")
        elif item == "units":
            words.append("every unit")
        elif item.startswith("units:"):
            name, _, section = item[len("units:"):].partition("/")
            words.append(f"{SECTION_TITLES.get(section, section).lower()} of unit {fmt.name(name, 30)}" if section
                         else f"unit {fmt.name(name, 30)}")
        elif item == "files":
            words.append(fmt.count(len(paths), "file or folder", "files and folders") if paths else "every file")
        else:
            words.append(item)
    return ", ".join(words)


def _short(value) -> str:
    text = ", ".join(value) if isinstance(value, (list, tuple)) else ("" if value is None else str(value))
    return fmt.short(text or "(none)", 60)


class RestorePage(QWizardPage):
    """Queues the requests and follows their queue items to the result."""

    def __init__(self, wizard: RestoreWizard):
        super().__init__()
        self.w = wizard
        self.items: list = []             # the queue items, as last read
        self.failure: BaseException | None = None
        self.setTitle("Restoring")
        self.setSubTitle("The restore runs in the queue; you can close this window, the Queue page follows it too.")
        layout = QVBoxLayout(self)
        self.state = _label("Queueing…")
        self.state.setObjectName("restoreState")
        layout.addWidget(self.state)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Restore progress")
        self.bar.setRange(0, 0)
        layout.addWidget(self.bar)
        self.result = QTreeWidget()
        self.result.setHeaderLabels(["Result", "Details"])
        self.result.setAccessibleName("What was restored, skipped and failed")
        self.result.setColumnWidth(0, 320)
        layout.addWidget(self.result, 1)
        self.error = error_label()
        layout.addWidget(self.error)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self._polling = None

    def initializePage(self) -> None:  # noqa: N802
        self.items, self.failure = [], None
        self.result.clear()
        self.error.hide()
        self.state.setText("Queueing the restore…")
        self.w.runner.run(backup_ops.queue_restores(self.w.ctx, self.w.requests(accept=True)), name="queue restore",
                          lane="pool", on_success=self._queued, on_failure=self._failed, activity="A restore")

    def _queued(self, items) -> None:
        self.items = list(items)
        self.w.queued.emit([i.id for i in self.items])
        self.w.forget_secrets()
        self.state.setText(f"Queued as {', '.join(f'item {i.id}' for i in self.items)}; waiting for a worker…")
        self.timer.start()
        self.poll()

    def _failed(self, exc: BaseException) -> None:
        self.failure = exc
        info = describe(exc)
        self.bar.setRange(0, 1)
        if info is not None:
            self.error.setText(error_html(info))
            self.error.show()
            if info.unexpected:
                show_error(self, exc, self.w.ctx.home.log_file)
        self.completeChanged.emit()

    def poll(self) -> None:
        if self._polling is not None and not self._polling.done:
            return
        ids = [i.id for i in self.items]

        def read(reporter, ids=ids):
            return [queue_ops.item(self.w.ctx, i)(reporter) for i in ids]
        self._polling = self.w.runner.run(read, name="follow restore", lane="pool", on_success=self._show,
                                          on_failure=lambda exc: None, background=True)

    def _show(self, items) -> None:
        self.items = list(items)
        running = [i for i in items if not i.finished]
        if running:
            i = running[0]
            if i.state == "running" and i.total:
                self.bar.setRange(0, 1000)
                self.bar.setValue(min(1000, int(1000 * (i.done or 0) / i.total)))
            else:
                self.bar.setRange(0, 0)
            stage = stage_label(i.stage or "") if i.state == "running" else "Waiting for a worker"
            self.state.setText(f"{stage}… ({fmt.number(len(items) - len(running))} of "
                               f"{fmt.count(len(items), 'restore')} finished)")
            return
        self.timer.stop()
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self._result(items)
        self.w.finished_restore.emit(items)
        self.completeChanged.emit()
        self.w.button(QWizard.WizardButton.FinishButton).setFocus()

    def _result(self, items) -> None:
        self.result.clear()
        ok = all(i.state == "done" for i in items)
        counts = {"restored": 0, "skipped": 0, "failed": 0}
        for i in items:
            r = i.result or {}
            entry = self.w.entry(i.request.get("backup_id", ""))
            top = QTreeWidgetItem([f"Backup of {fmt.date_time(entry.created_at) if entry else i.request.get('backup_id')}",
                                   {"done": "done", "failed": "failed", "cancelled": "cancelled"}.get(i.state, i.state)
                                   + (f": {i.error}" if i.error else "")])
            self.result.addTopLevelItem(top)
            if r.get("account_restored"):
                top.addChild(QTreeWidgetItem(["Account settings", "restored"]))
            for name, what in r.get("units", []):
                top.addChild(QTreeWidgetItem([f"Unit {name}", what]))
            counts["restored"] += r.get("files_restored", 0)
            counts["skipped"] += r.get("files_skipped", 0)
            counts["failed"] += r.get("files_failed", 0)
            for title, key, total in (("Restored", "restored_paths", r.get("files_restored", 0)),
                                      ("Skipped: live data kept", "skipped_paths", r.get("files_skipped", 0)),
                                      ("Failed", "failed_paths", r.get("files_failed", 0))):
                paths = r.get(key) or []
                if not total:
                    continue
                group = QTreeWidgetItem([f"{title} ({fmt.number(total)})", ""])
                top.addChild(group)
                for p in paths:
                    group.addChild(QTreeWidgetItem([p[0], p[1]] if isinstance(p, list) else [p, ""]))
                if total > len(paths):
                    group.addChild(QTreeWidgetItem([f"… and {fmt.number(total - len(paths))} more", ""]))
                group.setExpanded(title == "Failed" or total <= 20)
            if r.get("suspended"):
                top.addChild(QTreeWidgetItem(["Account", "suspended"]))
            top.setExpanded(True)
        summary = (f"{fmt.number(counts['restored'])} restored, {fmt.number(counts['skipped'])} skipped, "
                   f"{fmt.number(counts['failed'])} failed")
        self.state.setText(("Restored: " if ok else "The restore did not finish as planned: ") + summary + ".")

    def isComplete(self) -> bool:  # noqa: N802
        return self.failure is not None or (bool(self.items) and all(i.finished for i in self.items))

    def focus_input(self) -> None:
        self.result.setFocus()


class RestoreWizard(QWizard):
    """Restores from the backups of one account. Emits ``queued(ids)`` and ``finished_restore(items)``."""

    queued = Signal(list)
    finished_restore = Signal(list)
    page_ready = Signal(int)

    def __init__(self, ctx, runner, username: str, backups: list, parent: QWidget | None = None, *,
                 backup_id: str | None = None, advanced: bool = False):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.username = username
        self.backups = sorted(backups, key=lambda b: (b.created_at, b.id), reverse=True)
        self.conditions = backup_ops.conditions(ctx)
        self.key_needed = False
        self.chosen: list = []
        self.setWindowTitle(f"Restore {fmt.short(username, 40)}")
        self.setWindowIcon(icon("restore"))
        self.setObjectName("restoreWizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(900, 680)
        self.key_page = KeyPage(self)         # first: the browser reads the key from it
        self.items_page = ItemsPage(self)
        self.options_page = OptionsPage(self)
        self.conditions_page = ConditionsPage(self)
        self.plan_page = PlanPage(self)
        self.restore_page = RestorePage(self)
        for pid, page in ((P_ITEMS, self.items_page), (P_OPTIONS, self.options_page),
                          (P_CONDITIONS, self.conditions_page), (P_KEY, self.key_page), (P_PLAN, self.plan_page),
                          (P_RESTORE, self.restore_page)):
            self.setPage(pid, page)
        self.setStartId(P_ITEMS)
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.NextButton,
                      QWizard.WizardButton.CommitButton, QWizard.WizardButton.FinishButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which)
        no_auto_default(self)
        if backup_id is not None:
            i = self.items_page.backup.findData(backup_id)
            if i >= 0:
                self.items_page.backup.setCurrentIndex(i)
        if advanced:
            self.items_page.advanced.setChecked(True)
        self.currentIdChanged.connect(lambda _id: QTimer.singleShot(0, self._focus_page))
        from desktop.widgets import fit_to_screen

        fit_to_screen(self)

    def entry(self, backup_id: str):
        return next((b for b in self.backups if b.id == backup_id), None)

    def owner_backups(self) -> list[str]:
        chosen = self.items_page.chosen() if self.currentId() <= P_ITEMS else self.chosen
        return [b for b, _i, _p in chosen if (e := self.entry(b)) is not None and e.encryption == "owner"]

    def key_material(self):
        k = self.key_page
        files = backup_ops.keys(k.recovery_file.text().strip(), k.account_file.text().strip(),
                                k.owner_file.text().strip())
        return k.passphrase.text() or self.items_page_passphrase(), files

    def items_page_passphrase(self) -> str:
        page = getattr(self, "items_page", None)
        return page.browser.passphrase.text() if page is not None else ""

    def requests(self, *, accept: bool = False):
        passphrase, files = self.key_material()
        return [backup_ops.restore_request(b, items, self.options_page.mode(), paths=paths,
                                           suspend=self.options_page.suspend.isChecked(),
                                           passphrase=passphrase if (e := self.entry(b)) and e.encryption == "owner"
                                           else None, key_files=files,
                                           accept_conditions=accept and bool(self.conditions))
                for b, items, paths in self.chosen]

    def nextId(self) -> int:  # noqa: N802
        current = self.currentId()
        if current == P_ITEMS:
            self.chosen = self.items_page.chosen()
            return P_OPTIONS
        if current == P_OPTIONS:
            return P_CONDITIONS if self.conditions else self._after_conditions()
        if current == P_CONDITIONS:
            return self._after_conditions()
        if current == P_KEY:
            return P_PLAN
        if current == P_PLAN:
            return P_RESTORE
        return -1

    def _after_conditions(self) -> int:
        passphrase, files = self.key_material()
        needs = self.owner_backups() and not (passphrase or files.owner_key_file)
        return P_KEY if needs or self.key_needed else P_PLAN

    def _focus_page(self) -> None:
        page = self.currentPage()
        focus = getattr(page, "focus_input", None)
        if focus is not None and self.isVisible():
            focus()
        self.page_ready.emit(self.currentId())

    def forget_secrets(self) -> None:
        """The queue holds what it needs; the wizard keeps no passphrase once the restore is queued."""
        self.key_page.passphrase.setText("")
        self.items_page.browser.passphrase.setText("")

    def done(self, r: int) -> None:
        self.forget_secrets()
        handle = self.plan_page.handle
        if handle is not None and not handle.done:
            handle.cancel()
        self.restore_page.timer.stop()
        super().done(r)
