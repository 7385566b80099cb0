"""Show core's restore plan (``core.unit_import.plan.RestorePlan``): per-section counts and a tree of
added, removed, changed (with field-level diffs) and unchanged records. Reads only; decides nothing."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from desktop import fmt
from desktop.models import short_json
from desktop.style import semantic

SECTION_TITLES = {"plugins": "Plugins", "workspaces": "Workspaces", "profiles": "Profiles",
                  "config_keys": "Config keys"}
MAX_ITEMS = 300  # listed per kind and section; the rest is summarised
MORE_STEP = 1000  # keys added by each "show more"
MORE_ROLE = Qt.ItemDataRole.UserRole + 1  # on a "… more" row: (section, kind, shown, count)


@dataclass(frozen=True)
class SectionSummary:
    section: str
    action: str  # replace | merge | keep
    added: int
    removed: int
    changed: int
    kept: int
    unchanged: int
    target_count: int
    source_count: int


def summaries(plan, *, chosen_only: bool = True) -> list[SectionSummary]:
    return [SectionSummary(p.section, p.action, p.added, p.removed, p.changed, p.kept,
                           p.unchanged, p.target_count, p.source_count)
            for p in plan.per_section if not (chosen_only and p.action == "keep")]


def section_line(s: SectionSummary) -> str:
    if s.action == "keep":
        return f"not imported: its {fmt.number(s.target_count)} records stay as they are"
    parts = [f"{fmt.number(s.added)} added"]
    if s.action == "replace":
        parts += [f"{fmt.number(s.removed)} removed", f"{fmt.number(s.changed)} changed"]
    else:
        parts += [f"{fmt.number(s.kept)} differ (live kept)"]
    parts.append(f"{fmt.number(s.unchanged)} unchanged")
    return ", ".join(parts)


def _diff_text(f) -> str:
    if f.kind == "added":
        return f"added: {short_json(f.new, 80)}"
    if f.kind == "removed":
        return f"removed (was {short_json(f.old, 80)})"
    return f"{short_json(f.old, 80)}  →  {short_json(f.new, 80)}"


def _colors() -> dict:
    return {"added": semantic("added"), "removed": semantic("removed"), "changed": semantic("changed"),
            "kept": semantic("changed")}


def more_text(count: int, shown: int, loadable: bool) -> str:
    rest = f"… and {fmt.number(count - shown)} more"
    return f"{rest} (Show more: the next {fmt.number(min(MORE_STEP, count - shown))})" if loadable else rest


def fill_tree(tree: QTreeWidget, plan, *, loadable: bool = False) -> None:
    """Section -> Added / Removed / Changed (record -> field diffs) / Kept / Unchanged. ``loadable``:
    each kind's "… more" row carries ``more_of(row)``, for the view to load further keys on demand
    (``add_keys``)."""
    tree.clear()
    colors = _colors()
    titles = {"added": "Added", "removed": "Removed", "changed": "Changed (the bundle's version wins)",
              "kept": "Differ, live version kept"}
    for p in plan.per_section:
        summary = summaries(plan, chosen_only=False)[[x.section for x in plan.per_section].index(p.section)]
        top = QTreeWidgetItem([SECTION_TITLES.get(p.section, p.section), section_line(summary)])
        tree.addTopLevelItem(top)
        if p.action == "keep":
            top.setDisabled(True)
            continue
        diffs = {d.key: d for d in p.diffs}
        for kind in ("added", "removed", "changed", "kept"):
            count, keys = getattr(p, kind), p.keys(kind)  # the plan lists the first keys of each kind
            if not count:
                continue
            group = QTreeWidgetItem([f"{titles[kind]} ({fmt.number(count)})", ""])
            group.setForeground(0, QBrush(colors[kind]))
            top.addChild(group)
            for key in keys[:MAX_ITEMS]:
                item = QTreeWidgetItem([key, ""])
                item.setForeground(0, QBrush(colors[kind]))
                group.addChild(item)
                change = diffs.get(key)
                if change is not None:
                    n = len(change.fields)
                    item.setText(1, f"{n} field{'s' if n != 1 else ''} differ")
                    for f in change.fields:
                        child = QTreeWidgetItem([f.path, _diff_text(f)])
                        child.setToolTip(1, _diff_text(f))
                        item.addChild(child)
            shown = min(len(keys), MAX_ITEMS)
            if count > shown:
                row = QTreeWidgetItem([more_text(count, shown, loadable), ""])
                if loadable:
                    row.setData(0, MORE_ROLE, (p.section, kind, shown, count))
                group.addChild(row)
            if kind in ("changed", "kept") and count <= 3:
                group.setExpanded(True)
        if p.unchanged:
            top.addChild(QTreeWidgetItem([f"Unchanged ({fmt.number(p.unchanged)})", ""]))
        top.setExpanded(True)


def more_of(row: QTreeWidgetItem) -> tuple[str, str, int, int] | None:
    """(section, kind, keys shown, count) of a "… more" row that can load more; None for other rows."""
    data = row.data(0, MORE_ROLE)
    return tuple(data) if data is not None else None


def add_keys(row: QTreeWidgetItem, keys: list[str]) -> list[QTreeWidgetItem]:
    """Insert keys loaded on demand above a kind's "… more" row (returns their rows); the "… more"
    row goes once all are shown."""
    section, kind, shown, count = more_of(row)
    group = row.parent()
    color = QBrush(_colors()[kind])
    items = []
    for key in keys:
        item = QTreeWidgetItem([key, ""])
        item.setForeground(0, color)
        items.append(item)
    group.insertChildren(group.indexOfChild(row), items)
    shown += len(keys)
    if shown >= count or not keys:
        group.removeChild(row)
    else:
        row.setData(0, MORE_ROLE, (section, kind, shown, count))
        row.setText(0, more_text(count, shown, True))
    return items


class MoreLoader:
    """The "… more" rows of a plan tree filled with ``fill_tree(..., loadable=True)``, loaded on demand:
    a row double-clicked, or selected and ``button`` pressed, reads its kind's next ``MORE_STEP`` keys
    on a worker of ``runner`` (``task(section, kind, start, n)`` gives the work, or None when there is
    nothing to read from), and the keyboard goes on at the first new key. ``serial()``: the view's
    generation; a read that finishes after it changed (the rows are gone) is dropped. Call
    ``filled()`` after each fill."""

    def __init__(self, tree: QTreeWidget, button, runner, task, serial):
        self.tree, self.button, self.runner, self.task, self.serial = tree, button, runner, task, serial
        self.loading: set[tuple[str, str]] = set()  # (section, kind) whose next keys are being read
        button.setEnabled(False)
        button.clicked.connect(lambda: self.more(tree.currentItem()))
        tree.itemDoubleClicked.connect(self.more)
        tree.currentItemChanged.connect(lambda *_: self.update())

    def filled(self) -> None:
        self.loading.clear()
        self.update()

    def update(self) -> None:
        row = self.tree.currentItem()
        info = more_of(row) if row is not None else None
        self.button.setEnabled(info is not None and info[:2] not in self.loading)

    def more(self, row, _column: int = 0) -> None:
        info = more_of(row) if row is not None else None
        if info is None or info[:2] in self.loading:
            return
        section, kind, shown, _count = info
        fn = self.task(section, kind, shown, MORE_STEP)
        if fn is None:
            return
        self.loading.add((section, kind))
        self.update()
        row.setText(0, f"Reading the next {fmt.number(MORE_STEP)}…")
        serial = self.serial()
        self.runner.run(fn, name="changes", lane="pool",
                        on_success=lambda keys, s=serial, r=row: self._read(s, r, keys),
                        on_failure=lambda e, s=serial, r=row: self._failed(s, r, e))

    def _read(self, serial, row, keys: list[str]) -> None:
        if serial != self.serial():
            return
        self.loading.discard(more_of(row)[:2])
        reading = self.tree.currentItem() is row
        added = add_keys(row, keys)
        if reading and added:
            self.tree.setCurrentItem(added[0])
            self.tree.scrollToItem(added[0])
        self.update()

    def _failed(self, serial, row, exc: BaseException) -> None:
        if serial != self.serial():
            return
        from desktop.errors import describe

        self.loading.discard(more_of(row)[:2])
        info = describe(exc)
        row.setText(0, f"Could not read the keys ({info.message if info else 'cancelled'}); Show more tries again")
        self.update()
