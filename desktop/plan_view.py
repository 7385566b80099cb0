"""Read core's restore plan for display: per-section counts and a tree of added, removed, changed items.

Only reads attributes of core's plan dataclasses; nothing is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from core.unit.records import SECTIONS
from desktop.models import MASK, short_json
from desktop.style import semantic

SECTION_TITLES = {"plugins": "Plugins", "workspaces": "Workspaces", "profiles": "Profiles",
                  "config_keys": "Config keys"}
MAX_ITEMS = 300  # per kind and section in the tree; the rest is summarised


@dataclass(frozen=True)
class SectionSummary:
    section: str
    added: int
    removed: int
    changed: int
    unchanged: int


def _len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return len(value)


def section_plans(plan) -> dict[str, Any]:
    """{section: section plan} for the sections the plan covers, in the canonical order."""
    sections = getattr(plan, "sections", plan)
    if isinstance(sections, dict):
        return {s: sections[s] for s in SECTIONS if s in sections}
    return {sp.section: sp for sp in sections}


def summaries(plan) -> list[SectionSummary]:
    return [SectionSummary(s, _len(getattr(sp, "added", None)), _len(getattr(sp, "removed", None)),
                           _len(getattr(sp, "changed", None)), _len(getattr(sp, "unchanged", None)))
            for s, sp in section_plans(plan).items()]


def _label(entry: Any) -> str:
    """An added/removed entry: a key, a wire dict, or an object with key/name."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        key = entry.get("key") or entry.get("id", "")
        name = entry.get("name")
        return f"{name} ({key})" if name else str(key)
    key = getattr(entry, "key", None) or getattr(entry, "id", "")
    name = getattr(entry, "name", None) or getattr(entry, "label", None)
    return f"{name} ({key})" if name and name != key else str(key)


def _field_diffs(change: Any) -> list[tuple[str, str, str]]:
    diffs = getattr(change, "fields", None) or getattr(change, "diffs", None) or []
    out = []
    for d in diffs:
        if isinstance(d, tuple):
            field, before, after = d[0], d[1], d[2]
        else:
            field = getattr(d, "field", None) or getattr(d, "path", "")
            before, after = getattr(d, "before", None), getattr(d, "after", None)
        if isinstance(field, (list, tuple)):
            field = ".".join(str(p) for p in field)
        secret = bool(getattr(d, "secret", False) or getattr(change, "secret", False))
        out.append((str(field), MASK if secret else short_json(before, 80), MASK if secret else short_json(after, 80)))
    return out


def fill_tree(tree: QTreeWidget, plan) -> None:
    """Section -> Added / Removed / Changed (with field diffs) / Unchanged."""
    tree.clear()
    colors = {k: QBrush(semantic(k)) for k in ("added", "removed", "changed")}
    for s, sp in section_plans(plan).items():
        summary = next(x for x in summaries({s: sp}))
        top = QTreeWidgetItem([SECTION_TITLES.get(s, s),
                               f"{summary.added} added, {summary.removed} removed, {summary.changed} changed, "
                               f"{summary.unchanged} unchanged"])
        tree.addTopLevelItem(top)
        for kind in ("added", "removed", "changed"):
            entries = getattr(sp, kind, None) or []
            if isinstance(entries, int) or not entries:
                continue
            group = QTreeWidgetItem([f"{kind.capitalize()} ({len(entries):,})", ""])
            group.setForeground(0, colors[kind])
            top.addChild(group)
            for entry in list(entries)[:MAX_ITEMS]:
                item = QTreeWidgetItem([_label(entry), ""])
                item.setForeground(0, colors[kind])
                group.addChild(item)
                if kind == "changed":
                    diffs = _field_diffs(entry)
                    item.setText(1, f"{len(diffs)} field{'s' if len(diffs) != 1 else ''} differ")
                    for field, before, after in diffs:
                        item.addChild(QTreeWidgetItem([field, f"{before}  →  {after}"]))
            if len(entries) > MAX_ITEMS:
                group.addChild(QTreeWidgetItem([f"… and {len(entries) - MAX_ITEMS:,} more", ""]))
        unchanged = summary.unchanged
        if unchanged:
            top.addChild(QTreeWidgetItem([f"Unchanged ({unchanged:,})", ""]))
        top.setExpanded(True)
