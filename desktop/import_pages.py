"""The import wizard's later pages: preview (plan, live), confirm (typed name), import (progress), done (undo)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from core.unit.records import SECTIONS, UNIT_NAME_RE
from desktop import fmt, ops
from desktop.errors import describe, error_html, show_error
from desktop.icons import icon
from desktop.import_wizard import error_label
from desktop.plan_view import MORE_STEP, SECTION_TITLES, MoreLoader, fill_tree, summaries
from desktop.widgets import ElidedLabel, ProgressPanel, leading_row, push_button


def _counts_text(counts) -> str:
    d = counts.as_dict() if hasattr(counts, "as_dict") else dict(counts)
    return (f"{fmt.count(d.get('plugins', 0), 'plugin')}, {fmt.count(d.get('workspaces', 0), 'workspace')} "
            f"({fmt.count(d.get('applications', 0), 'application')}), {fmt.count(d.get('profiles', 0), 'profile')}, "
            f"{fmt.count(d.get('config_keys', 0), 'config key')}")


def section_line(s) -> str:
    """One section's counts in a sentence, numbers in the user's format (desktop/fmt.py)."""
    n = fmt.number
    if s.action == "keep":
        return f"not imported: its {n(s.target_count)} records stay as they are"
    parts = [f"{n(s.added)} added"]
    if s.action == "replace":
        parts += [f"{n(s.removed)} removed", f"{n(s.changed)} changed"]
    else:
        parts += [f"{n(s.kept)} differ (live kept)"]
    parts.append(f"{n(s.unchanged)} unchanged")
    return ", ".join(parts)


def no_snapshot_reason(plan, chose_snapshot: bool) -> str:
    """Why an import kept no safety snapshot, in the words of the page that shows it."""
    if plan.creates_unit:
        return "the unit is new, so nothing was there to overwrite"
    if not plan.has_changes:
        return "the unit already matched the bundle, so nothing was changed"
    if not chose_snapshot:
        return "you chose not to keep one"
    return "nothing the import changed needed one"


class PreviewPage(QWizardPage):
    """Counts and origin of the bundle, the target, the replace/merge choice, sections, and the plan tree."""

    def __init__(self, wizard):
        super().__init__()
        self.w = wizard
        self.handle = None
        self.error_exc: BaseException | None = None
        self._serial = 0
        self._base = None  # the last good preview (its target's state is what a re-choice reuses)
        self.setTitle("Preview")
        self.setSubTitle("What the bundle holds and exactly what the import would change. Nothing is changed yet.")
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        bundle_box = QGroupBox("Bundle")
        bf = QFormLayout(bundle_box)
        self.source = ElidedLabel()
        self.created = QLabel()
        self.version = QLabel()
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        bf.addRow("Source unit:", self.source)
        bf.addRow("Created:", self.created)
        bf.addRow("App version:", self.version)
        bf.addRow("Contents:", self.counts)
        top.addWidget(bundle_box, 3)

        target_box = QGroupBox("Import into")
        tf = QVBoxLayout(target_box)
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.setAccessibleName("Target unit")
        self.target.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        target_label = QLabel("&Target unit:")
        target_label.setBuddy(self.target)
        tf.addWidget(target_label)
        tf.addWidget(self.target)
        self.target_state = QLabel("")
        self.target_state.setWordWrap(True)
        tf.addWidget(self.target_state)
        self.replace = QRadioButton("&Replace: wipe the chosen sections, then restore them")
        self.merge = QRadioButton("&Merge: add what is missing; live data takes precedence")
        self.replace.setChecked(True)
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.replace)
        self.mode_group.addButton(self.merge)
        tf.addWidget(self.replace)
        tf.addWidget(self.merge)
        top.addWidget(target_box, 4)
        layout.addLayout(top)

        sec_row = QHBoxLayout()
        sec_row.addWidget(QLabel("Sections:"))
        self.section_boxes: dict[str, QCheckBox] = {}
        for s, mnemonic in zip(SECTIONS, ("P&lugins", "&Workspaces", "Pr&ofiles", "Config &keys"), strict=True):
            box = QCheckBox(mnemonic)
            box.setChecked(True)
            box.setAccessibleName(f"Import {SECTION_TITLES[s].lower()}")
            box.toggled.connect(lambda *_: self.request(False))
            self.section_boxes[s] = box
            sec_row.addWidget(box)
        sec_row.addStretch(1)
        layout.addLayout(sec_row)

        self.notice = QLabel("")
        self.notice.setObjectName("loudNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)
        self.status = QLabel("")
        layout.addWidget(self.status)
        self.error = error_label()
        layout.addWidget(self.error)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Change", "Details"])
        self.tree.setColumnWidth(0, 360)
        self.tree.setAccessibleName("Planned changes")
        self.tree.setUniformRowHeights(True)
        layout.addWidget(self.tree, 1)
        # Keys beyond those the plan lists, on demand: a kind's "… more" row, double-clicked or selected
        # and Show more (Enter stays the wizard's Next).
        self.more_button = push_button("S&how more", "plus", "Show more changes of the selected kind")
        self.more_button.setToolTip(f"Select a “… more” row: reads its next {fmt.number(MORE_STEP)} keys "
                                    "from the bundle and the unit.")
        layout.addLayout(leading_row(self.more_button))
        self.more = MoreLoader(self.tree, self.more_button, self.w.runner, self._more_task, lambda: self._serial)

        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(250)
        self.debounce.timeout.connect(lambda: self.request(True))
        self.target.currentTextChanged.connect(self._target_edited)
        self.mode_group.buttonToggled.connect(lambda b, on: on and self.request(False))
        self.setTabOrder(self.target, self.replace)
        self.setTabOrder(self.replace, self.merge)
        prev = self.merge
        for box in self.section_boxes.values():
            self.setTabOrder(prev, box)
            prev = box
        self.setTabOrder(prev, self.tree)

    def _target_edited(self, *_) -> None:
        """The plan shown is for the old name until the new one is read: Next waits for it (else Enter
        right after typing would confirm one unit's name and import into another)."""
        if self.w.preview is not None and self.w.preview.target_name != self.target_name():
            self.w.preview = None
            self.status.setText("Reading the unit…")
            self.completeChanged.emit()
        self.debounce.start()

    # --- choices -----------------------------------------------------------------------------------
    def mode(self) -> str:
        return "merge" if self.merge.isChecked() else "replace"

    def sections(self) -> tuple[str, ...]:
        return tuple(s for s, b in self.section_boxes.items() if b.isChecked())

    def target_name(self) -> str:
        return self.target.currentText().strip()

    def focus_input(self) -> None:
        """The target's name is what one types here; Enter goes Next once the plan is shown. The name
        is not selected: the combo box takes selected text for an inline completion, which Enter would
        only accept."""
        edit = self.target.lineEdit()
        edit.setFocus()
        edit.deselect()
        edit.end(False)

    def initializePage(self) -> None:  # noqa: N802
        v = self.w.validated.validation
        self.source.setFullText(v.source_unit_name)
        self.source.setToolTip(f"{v.source_unit_name} (unit id {v.source_unit_id})")
        self.created.setText(html.escape(fmt.date_time(v.created)))
        self.version.setText(html.escape(v.app_version))
        self.counts.setText(_counts_text(v.counts))
        names = ops.unit_names(self.w.ctx)
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems(names)
        self.target.setEditText(v.source_unit_name)
        self.target.blockSignals(False)
        self.replace.blockSignals(True)
        self.replace.setChecked(True)
        self.replace.blockSignals(False)
        for box in self.section_boxes.values():
            box.blockSignals(True)
            box.setChecked(True)
            box.blockSignals(False)
        self.error_exc = None
        self.error.hide()
        self._base = self.w.validated.preview
        self._previewed(self._serial, self._base.target_name, self._base)

    def cleanupPage(self) -> None:  # noqa: N802
        self.debounce.stop()
        self._serial += 1
        self.w.preview = None
        self._base = None

    # --- the plan, recomputed live ------------------------------------------------------------------------
    def request(self, full: bool) -> None:
        """``full``: target changed, ask core for a new preview; else re-choose mode/sections on it."""
        if self.w.validated is None:
            return
        self._serial += 1
        serial = self._serial
        self.error.hide()
        self.error_exc = None
        name = self.target_name()
        if not UNIT_NAME_RE.match(name or ""):
            self.w.preview = None
            self._show_target_state(None)
            self.status.setText("")
            self.error.setText("<b>Type a unit name:</b> 1-63 lowercase letters, digits, '-' or '_'.")
            self.error.show()
            self.tree.clear()
            self.completeChanged.emit()
            return
        sections = self.sections()
        if not sections:
            self.status.setText("")
            self.error.setText("<b>Choose at least one section to import.</b>")
            self.error.show()
            self.tree.clear()
            self.completeChanged.emit()
            return
        base = self._base
        self.w.preview = None
        self.status.setText("Computing the changes…")
        self.completeChanged.emit()
        mode = self.mode()
        if base is not None and base.target_name == name:
            fn = ops.rechoose(base, mode, sections)
        else:
            self.status.setText(f"Reading unit {name} and comparing it with the bundle…")
            fn = ops.preview(self.w.ctx, self.w.validated, name, mode, sections)
        self.handle = self.w.runner.run(fn, name="preview",
                                        on_success=lambda p, s=serial, n=name: self._previewed(s, n, p),
                                        on_failure=lambda e, s=serial, n=name: self._failed(s, n, e))

    def _previewed(self, serial: int, name: str, preview) -> None:
        if serial != self._serial:
            return
        self.w.preview = preview
        self._base = preview
        self.status.setText("")
        self._show_target_state(preview)
        fill_tree(self.tree, preview.plan, loadable=True)
        self.more.filled()
        self.completeChanged.emit()

    def _more_task(self, section: str, kind: str, start: int, n: int):
        preview = self.w.preview
        return None if preview is None else ops.more_changes(self.w.ctx, self.w.validated, preview, section, kind,
                                                             start, n)

    def _failed(self, serial: int, name: str, exc: BaseException) -> None:
        if serial != self._serial:
            return
        self.status.setText("")
        self.error_exc = exc
        info = describe(exc)
        if info is not None:
            self.error.setText(error_html(info))
            self.error.show()
            if info.unexpected:
                show_error(self, exc, self.w.ctx.home.log_file)
        self.tree.clear()
        self.completeChanged.emit()

    def _show_target_state(self, preview) -> None:
        if preview is None:
            self.target_state.setText("")
            self.notice.hide()
            return
        if preview.target is None:
            self.target_state.setText(f"A new unit <b>{fmt.html_name(self.target_name())}</b> will be created.")
            self.target_state.setToolTip("")
        else:
            self.target_state.setText(f"Existing unit <b>{fmt.html_name(preview.target.display_name)}</b>.")
            self.target_state.setToolTip(preview.target.display_name)
        if preview.other_unit:
            v = self.w.validated.validation
            self.notice.setText(
                f"⚠ This bundle comes from another unit: “{fmt.name(v.source_unit_name)}” (id {v.source_unit_id}), "
                f"not “{fmt.name(preview.target.name if preview.target else self.target_name())}”. Importing it "
                "puts that unit's content here. Check the target before you continue.")
            self.notice.show()
        else:
            self.notice.hide()

    def isComplete(self) -> bool:  # noqa: N802
        return (self.w.preview is not None and self.w.preview.target_name == self.target_name()
                and self.error_exc is None and bool(self.sections()))


class ConfirmPage(QWizardPage):
    """What will be wiped, the safety snapshot option, and the unit's name typed to enable Import."""

    def __init__(self, wizard):
        super().__init__()
        self.w = wizard
        self.setTitle("Confirm")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)
        self.snapshot = QCheckBox("Keep a &safety snapshot of what is overwritten (lets you undo this import)")
        self.snapshot.setChecked(True)
        layout.addWidget(self.snapshot)
        self.snapshot_note = QLabel("")
        self.snapshot_note.setObjectName("snapshotNote")
        self.snapshot_note.setWordWrap(True)
        self.snapshot_note.hide()
        layout.addWidget(self.snapshot_note)
        self.type_label = QLabel("")
        self.type_label.setWordWrap(True)
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Type the unit's name to confirm")
        self.type_label.setBuddy(self.typed)
        layout.addWidget(self.type_label)
        layout.addWidget(self.typed)
        layout.addStretch(1)
        self.typed.textChanged.connect(lambda *_: self.completeChanged.emit())

    def target_name(self) -> str:
        return self.w.preview_page.target_name()

    def initializePage(self) -> None:  # noqa: N802
        preview = self.w.preview
        mode = self.w.preview_page.mode()
        name = fmt.html_name(self.target_name())
        lines = []
        new = preview.target is None
        lines.append(f"Import <b>{fmt.html_name(self.w.validated.validation.source_unit_name)}</b> from "
                     f"{fmt.html_name(self.w.path.name)} into {'the new' if new else 'unit'} <b>{name}</b>, "
                     f"mode <b>{mode}</b>.")
        rows = []
        for s in summaries(preview.plan, chosen_only=False):
            title = SECTION_TITLES[s.section]
            if s.action == "replace" and not new:
                rows.append(f"<li><b>{title}</b>: its {fmt.number(s.target_count)} current records are replaced "
                            f"by the bundle's {fmt.number(s.source_count)} ({section_line(s)}).</li>")
            else:
                rows.append(f"<li><b>{title}</b>: {section_line(s)}.</li>")
        lines.append("<ul>" + "".join(rows) + "</ul>")
        if mode == "replace" and not new:
            wiped = sum(s.removed + s.changed for s in summaries(preview.plan))
            lines.append(f"<b>{fmt.number(wiped)} records of {name} will be deleted or overwritten.</b> "
                         "Sections not chosen stay as they are.")
        elif mode == "merge":
            lines.append("Nothing is deleted or overwritten in merge mode.")
        if preview.other_unit:
            lines.append("<b>The bundle comes from another unit.</b>")
        self.summary.setText("<p>" + "</p><p>".join(lines) + "</p>")
        self.setSubTitle("Check what will happen, then type the unit's name to enable Import.")
        self.type_label.setText(f"&Type <b>{name}</b> to enable Import:")
        self.typed.clear()
        # A snapshot holds what the import overwrites: with nothing to overwrite none is kept, and
        # the box says so instead of showing a tick that the result would contradict.
        needed = not new and preview.plan.has_changes
        self.snapshot.setEnabled(needed)
        self.snapshot.setChecked(needed)
        if needed:
            self.snapshot_note.hide()
        else:
            reason = ("the unit is new, so nothing is there to overwrite" if new else
                      "the unit already matches the bundle, so the import changes nothing")
            self.snapshot_note.setText(f"No safety snapshot will be kept: {reason}.")
            self.snapshot_note.show()

    def focus_input(self) -> None:
        """Typing the unit's name is what this page asks for; Enter then imports."""
        self.typed.setFocus()

    def isComplete(self) -> bool:  # noqa: N802
        return self.typed.text().strip() == self.target_name() and self.w.preview is not None


class ImportPage(QWizardPage):
    """Runs the import (cancel is possible until commit) and moves on to Done when it committed."""

    def __init__(self, wizard):
        super().__init__()
        self.w = wizard
        self.handle = None
        self.ok = False
        self.setTitle("Importing")
        self.setSubTitle("Cancel is possible until the import commits; a cancelled import changes nothing.")
        layout = QVBoxLayout(self)
        self.progress = ProgressPanel()
        layout.addWidget(self.progress)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)

    def running(self) -> bool:
        return self.handle is not None and not self.handle.done

    def focus_input(self) -> None:
        """Nothing to type: focus rests on the page, so Enter and Space press nothing while it runs."""
        self.setFocus()

    def initializePage(self) -> None:  # noqa: N802
        self.ok = False
        self.error.hide()
        self.message.setText("")
        self._start()

    def _start(self, reason: str | None = None) -> None:
        self.error.hide()
        preview = self.w.preview
        self.progress.show()
        self.handle = self.w.runner.run(
            ops.apply(self.w.ctx, self.w.validated, preview,
                      safety_snapshot=self.w.confirm_page.snapshot.isChecked(),
                      allow_other_unit=bool(preview.other_unit), reason=reason),
            name="import", activity="An import", on_success=self._ok, on_failure=self._failed)
        self.handle.cancelled.connect(self._cancelled)
        self.progress.attach(self.handle)

    def _ok(self, result) -> None:
        self.w.result = result
        self.ok = True
        self.completeChanged.emit()
        self.w.imported.emit(result)
        self.w.next()

    def _cancelled(self) -> None:
        self.progress.hide()
        self.message.setText(f"<b>Import cancelled.</b> Unit {html.escape(self.w.preview_page.target_name())} "
                             "was not changed. Close the wizard, or start again from the menu.")
        self.w.button(QWizard.WizardButton.CancelButton).setText("&Close")

    def _failed(self, exc: BaseException, *, ask: bool = True) -> None:
        self.progress.hide()
        from desktop.prompts import answer

        info = describe(exc)
        if ask and answer(self, self.w.ctx, exc, with_reason=self._start,
                          on_cancel=lambda: self._failed(exc, ask=False)) is not None:
            return
        if info is not None:
            self.error.setText(error_html(info) + "<br>The unit was not changed.")
            self.error.show()
            if info.unexpected:
                show_error(self, exc, self.w.ctx.home.log_file)
        self.w.button(QWizard.WizardButton.CancelButton).setText("&Close")

    def isComplete(self) -> bool:  # noqa: N802
        return self.ok


class DonePage(QWizardPage):
    """What changed, and Undo: it restores exactly the safety snapshot this import kept, after
    showing what that restore would change and asking; Enter on this page finishes."""

    def __init__(self, wizard):
        super().__init__()
        self.w = wizard
        self.handle = None
        self.undo_plan = None  # what Undo would restore, once read (core/app: imports.SnapshotPlan)
        self.confirm_box: QMessageBox | None = None
        self.setTitle("Done")
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)
        self.undo_button = QPushButton(icon("undo"), "&Undo this import…")
        self.undo_button.setAccessibleName("Undo this import")
        self.undo_button.setAutoDefault(False)  # Enter finishes; Undo is pressed on purpose only
        self.undo_button.clicked.connect(self.undo)
        row = QHBoxLayout()
        row.addWidget(self.undo_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.undo_progress = ProgressPanel()
        self.undo_progress.hide()
        layout.addWidget(self.undo_progress)
        self.undo_message = QLabel("")
        self.undo_message.setWordWrap(True)
        layout.addWidget(self.undo_message)
        self.undo_tree = QTreeWidget()
        self.undo_tree.setHeaderLabels(["Change", "Details"])
        self.undo_tree.setColumnWidth(0, 300)
        self.undo_tree.setAccessibleName("What Undo restores")
        self.undo_tree.setUniformRowHeights(True)
        self.undo_tree.hide()
        layout.addWidget(self.undo_tree, 1)
        self.undo_more = push_button("S&how more", "plus", "Show more changes of the selected kind")
        self.undo_more.setToolTip(f"Select a “… more” row: reads its next {fmt.number(MORE_STEP)} keys "
                                  "from the safety snapshot and the unit.")
        self.undo_more.hide()
        layout.addLayout(leading_row(self.undo_more))
        self._filled = 0  # which undo plan the tree shows (a read for an earlier one is dropped)
        self.more = MoreLoader(self.undo_tree, self.undo_more, self.w.runner, self._more_task, lambda: self._filled)
        self.stretch = QLabel("")
        layout.addWidget(self.stretch, 1)

    def initializePage(self) -> None:  # noqa: N802
        r = self.w.result
        rows = "".join(f"<li><b>{SECTION_TITLES[s.section]}</b>: {section_line(s)}</li>"
                       for s in summaries(r.plan, chosen_only=False))
        snap = getattr(r, "snapshot_id", None)
        if snap:
            kept = (f"<p>A safety snapshot was kept ({html.escape(str(snap))}); <i>Undo this import</i> puts "
                    "the unit back as it was, after showing you what it restores.</p>")
        else:
            reason = no_snapshot_reason(r.plan, self.w.confirm_page.snapshot.isChecked())
            kept = f"<p>No safety snapshot was kept: {html.escape(reason)}. This import cannot be undone here.</p>"
        self.summary.setText(f"<p><b>Imported into {fmt.html_name(r.unit.name)}.</b></p><ul>{rows}</ul>" + kept)
        self.setSubTitle("The import committed. Open views have been reloaded. Press Enter to finish.")
        self.undo_button.setEnabled(bool(snap))
        self.undo_message.setText("")
        self.undo_tree.hide()
        self.undo_more.hide()
        self.stretch.show()
        self.undo_plan = None
        self._filled += 1

    def focus_input(self) -> None:
        self.w.button(QWizard.WizardButton.FinishButton).setFocus()

    # --- 1. read the snapshot and plan its restore ------------------------------------------------------
    def undo(self) -> None:
        snap = getattr(self.w.result, "snapshot_id", None)
        if not snap:
            return
        self.undo_button.setEnabled(False)
        self.undo_message.setText("Reading the safety snapshot and comparing it with the unit…")
        self.undo_progress.show()
        self.handle = self.w.runner.run(ops.preview_undo(self.w.ctx, snap), name="preview undo",
                                        activity="An undo", on_success=self._previewed, on_failure=self._failed)
        self.handle.cancelled.connect(self._not_undone)
        self.undo_progress.attach(self.handle)

    def _previewed(self, undo_plan) -> None:
        self.undo_progress.hide()
        self.undo_plan = undo_plan
        plan = undo_plan.preview.plan
        self._filled += 1
        fill_tree(self.undo_tree, plan, loadable=True)
        self.more.filled()
        self.undo_tree.show()
        self.undo_more.show()
        self.stretch.hide()
        unit = fmt.html_name(undo_plan.info.unit_name)
        if not plan.has_changes:
            self.undo_message.setText(f"{unit} already is as it was before this import: there is nothing to undo.")
            self.undo_button.setEnabled(False)
            return
        rows = "".join(f"<li><b>{SECTION_TITLES[s.section]}</b>: {section_line(s)}</li>"
                       for s in summaries(plan))
        self.undo_message.setText(f"<b>Undo restores safety snapshot {html.escape(undo_plan.info.id)}</b> "
                                  f"(taken {html.escape(fmt.date_time(undo_plan.info.created))}):"
                                  f"<ul>{rows}</ul>")
        box = QMessageBox(QMessageBox.Icon.Question, "Undo this import?",
                          f"Put unit {fmt.name(undo_plan.info.unit_name)} back as it was before this import?",
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("undoConfirm")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText("These changes restore it (the wizard lists each record):\n"
                               + "\n".join(f"• {SECTION_TITLES[s.section]}: {section_line(s)}"
                                            for s in summaries(plan)))
        self.undo_yes = box.addButton("&Undo the import", QMessageBox.ButtonRole.DestructiveRole)
        self.undo_no = box.addButton("&Keep the import", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.undo_no)  # Enter keeps what is there
        box.setEscapeButton(self.undo_no)
        box.finished.connect(lambda _r, b=box: self._answered(b.clickedButton() is self.undo_yes))
        self.confirm_box = box
        box.open()

    def _more_task(self, section: str, kind: str, start: int, n: int):
        plan = self.undo_plan
        return None if plan is None else ops.more_undo_changes(self.w.ctx, plan, section, kind, start, n)

    # --- 2. restore it, if confirmed ----------------------------------------------------------------------
    def _answered(self, yes: bool) -> None:
        self.confirm_box = None
        if not yes:
            self._not_undone()
            return
        self.undo_button.setEnabled(False)
        self.undo_message.setText("Restoring the safety snapshot…")
        self.undo_progress.show()
        undo_plan = self.undo_plan
        self.handle = self.w.runner.run(ops.undo(self.w.ctx, undo_plan), name="undo", activity="An undo",
                                        on_success=self._undone, on_failure=self._failed)
        self.handle.cancelled.connect(self._not_undone)
        self.undo_progress.attach(self.handle)

    def _not_undone(self) -> None:
        self.undo_progress.hide()
        self.undo_button.setEnabled(True)
        self.undo_message.setText("Not undone: the import stays.")
        self.focus_input()

    def _undone(self, _result) -> None:
        self.undo_progress.hide()
        self.undo_button.setEnabled(False)
        self.undo_message.setText(f"<b>Undone.</b> {fmt.html_name(self.w.result.unit.name)} is back to how it was "
                                  "before the import.")
        self.w.undone.emit(self.w.result.unit.name)
        self.focus_input()

    def _failed(self, exc: BaseException) -> None:
        self.undo_progress.hide()
        self.undo_button.setEnabled(True)
        info = describe(exc)
        if info is not None:
            self.undo_message.setText(error_html(info))
            if info.unexpected:
                show_error(self, exc, self.w.ctx.home.log_file)
        self.focus_input()
