"""Qt item models over plain data loaded by the task runner (wire dicts and units; no store access here)."""

from __future__ import annotations

import json
import threading
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, Qt, Signal

from desktop import fmt

MASK = "••••••••"
DisplayRole = Qt.ItemDataRole.DisplayRole
RawRole = Qt.ItemDataRole.UserRole + 1  # the row's wire dict / object


def short_json(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_time(stamp: str) -> str:
    """An ISO 8601 stamp as the app writes every date (desktop.fmt: the user's locale, local time)."""
    return fmt.date_time(stamp)


class UnitsModel(QAbstractTableModel):
    HEADERS = ("Unit", "Display name", "Plugins", "Workspaces", "Applications", "Profiles", "Config keys", "Updated")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[Any, Any]] = []  # (Unit, SectionCounts | None)

    def set_units(self, rows: list[tuple[Any, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return len(self.HEADERS)

    def headerData(self, section, orientation, role=DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=DisplayRole):
        unit, counts = self.rows[index.row()]
        col = index.column()
        if role == RawRole:
            return unit
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= col <= 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col in (0, 1):
            return unit.name if col == 0 else unit.display_name
        if role not in (DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        if col == 0:
            return unit.name
        if col == 1:
            return unit.display_name
        if col == 7:  # sorted by the stamp itself, shown in the user's format
            return unit.updated_at if role == Qt.ItemDataRole.EditRole else short_time(unit.updated_at)
        n = getattr(counts, ("plugins", "workspaces", "applications", "profiles", "config_keys")[col - 2], 0) \
            if counts else 0
        if role == Qt.ItemDataRole.EditRole:
            return n
        return fmt.number(n)


class RecordTreeModel(QAbstractItemModel):
    """Records (top) and their children (applications of a workspace, workspaces of a profile,
    permissions and mappings of a plugin). ``columns`` and ``child_columns`` are (title, getter) pairs.

    ``rows`` is any sequence of wire dicts: a list, or the pages of a unit read on demand
    (``core.unit.pages.SectionPages``); children are kept for the rows seen last only.

    A tree view lays out every top-level row whenever the model resets (two calls into Python per
    row: ~0.3 s for 50,000 workspaces, on the GUI thread). Beyond ``GROUP_AT`` records the model
    therefore groups them in ranges of ``GROUP`` ("Records 1-1,000", …) one level up; a range is
    laid out when it is expanded."""

    KIDS_KEPT = 2000
    GROUP_AT = 5_000
    GROUP = 1000

    def __init__(self, columns: Sequence[tuple[str, Callable[[dict], Any]]],
                 children: Callable[[dict], list] | None = None,
                 child_columns: Sequence[Callable[[Any], Any]] = (), parent=None, noun: str = "Records"):
        super().__init__(parent)
        self.columns = list(columns)
        self.children_of = children
        self.child_columns = list(child_columns)
        self.noun = noun
        self.rows: Sequence[dict] = []
        self._kids: dict[int, list] = {}
        self._groups = 0  # 0: records at the top level

    def set_rows(self, rows: Sequence[dict]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._kids = {}
        n = len(rows)
        self._groups = (n + self.GROUP - 1) // self.GROUP if n > self.GROUP_AT else 0
        self.endResetModel()

    def _children(self, row: int) -> list:
        kids = self._kids.get(row)
        if kids is None:
            try:
                kids = self.children_of(self.rows[row]) if self.children_of else []
            except IndexError:  # the unit changed under the view (it reloads on the change event)
                return []
            if len(self._kids) >= self.KIDS_KEPT:
                self._kids.clear()
            self._kids[row] = kids
        return kids

    # internalId: 0 = top level (records, or ranges when grouped); 1..G = a record of range id - 1
    # (grouped); G + 1 + r = a child of record r (r: the record's row in ``rows``).
    def _level(self, index) -> tuple[str, int]:
        """("range", range) | ("record", row in rows) | ("child", row of its record)."""
        i = index.internalId()
        g = self._groups
        if i == 0:
            return ("range", index.row()) if g else ("record", index.row())
        if i <= g:
            return "record", (i - 1) * self.GROUP + index.row()
        return "child", i - g - 1

    def index(self, row, column, parent=QModelIndex()):
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        kind, n = self._level(parent)
        if kind == "range":
            return self.createIndex(row, column, n + 1)
        if kind == "record":
            return self.createIndex(row, column, self._groups + 1 + n)
        return QModelIndex()

    def parent(self, index=QModelIndex()):  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        kind, n = self._level(index)
        if kind == "record":  # grouped: its range
            return self.createIndex(index.internalId() - 1, 0, 0)
        if self._groups:
            return self.createIndex(n % self.GROUP, 0, n // self.GROUP + 1)
        return self.createIndex(n, 0, 0)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return self._groups or len(self.rows)
        if parent.column() != 0:
            return 0
        kind, n = self._level(parent)
        if kind == "range":
            return min(self.GROUP, len(self.rows) - n * self.GROUP)
        if kind == "record":
            return len(self._children(n))
        return 0

    def hasChildren(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return bool(self.rows)
        kind, n = self._level(parent)
        if kind == "range":
            return True
        if kind == "child" or self.children_of is None:
            return False
        loaded = getattr(self.rows, "is_loaded", None)
        if loaded is not None and n not in self._kids and not loaded(n):
            # A tree view asks this of every row it lays out: answering from pages not read yet
            # would read the whole unit. Expanding reads the page (and finds out).
            return True
        return bool(self._children(n))

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return len(self.columns)

    def headerData(self, section, orientation, role=DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DisplayRole:
            return self.columns[section][0]
        return None

    def data(self, index, role=DisplayRole):
        if not index.isValid():
            return None
        try:
            return self._data(index, role)
        except IndexError:  # the unit changed under the view (it reloads on the change event)
            return None

    def _data(self, index, role):
        kind, n = self._level(index)
        if kind == "range":
            if role == DisplayRole and index.column() == 0:
                first = n * self.GROUP
                last = min(len(self.rows), first + self.GROUP)
                return f"{self.noun} {fmt.number(first + 1)}–{fmt.number(last)}"
            return None
        if kind == "record":
            wire = self.rows[n]
            if role == RawRole:
                return wire
            if role == DisplayRole:
                value = self.columns[index.column()][1](wire)
                return value if isinstance(value, str) else ("" if value is None else str(value))
            return None
        child = self._children(n)[index.row()]
        if role == RawRole:
            return child
        if role == DisplayRole and index.column() < len(self.child_columns):
            value = self.child_columns[index.column()](child)
            return value if isinstance(value, str) else ("" if value is None else str(value))
        return None


class ConfigKeysModel(QAbstractTableModel):
    """Config keys with secret values masked until ``set_revealed(True)``, filtered by key and description.

    ``rows`` is a sequence of wire dicts (a list, or pages read on demand). A filter over up to
    ``SYNC_LIMIT`` rows is a list scan on the spot; over more (a million-key unit) it runs on a
    helper thread (``rows.search(needle, stop)``: positions of matching rows, keys and descriptions
    only) and the view keeps showing the previous result until it arrives. Secret values are never
    searched.
    """

    HEADERS = ("Key", "Value", "Secret", "Description")
    SYNC_LIMIT = 1_000  # rows scanned on the spot (two pages); more: on a helper thread
    _found = Signal(int, object)  # (filter generation, positions): from the search thread

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: Sequence[dict] = []
        self.shown: Sequence[int] | None = None  # positions in rows; None: every row
        self.revealed = False
        self.needle = ""
        self.searching = False
        self._generation = 0
        self._found.connect(self._apply_found)

    def set_rows(self, rows: Sequence[dict]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.shown = None
        self.endResetModel()
        needle, self.needle = self.needle, ""
        if needle:
            self.set_filter(needle)

    def set_filter(self, text: str) -> None:
        needle = text.strip().lower()
        if needle == self.needle:
            return
        self.needle = needle
        self._generation += 1
        if not needle or len(self.rows) <= self.SYNC_LIMIT or not hasattr(self.rows, "search"):
            self.searching = False
            self._show(self._match(needle))
            return
        self.searching = True
        generation, rows = self._generation, self.rows

        def search():
            found = array("l")
            try:
                for i in rows.search(needle, stop=lambda: generation != self._generation):
                    found.append(i)
            except Exception:  # the unit went away meanwhile: keep showing what is there
                return
            if generation == self._generation:
                self._found.emit(generation, found)

        threading.Thread(target=search, name="unitvault-key-search", daemon=True).start()

    def _apply_found(self, generation: int, found) -> None:
        if generation == self._generation:
            self.searching = False
            self._show(found)

    def _show(self, shown: Sequence[int] | None) -> None:
        self.beginResetModel()
        self.shown = shown
        self.endResetModel()

    def _match(self, needle: str) -> list[int] | None:
        if not needle:
            return None
        return [i for i, w in enumerate(self.rows) if needle in f"{w['key']}\n{w['description']}".lower()]

    def set_revealed(self, revealed: bool) -> None:
        self.revealed = revealed
        n = self.rowCount()
        if n:
            self.dataChanged.emit(self.index(0, 1), self.index(n - 1, 1))

    def wire(self, row: int) -> dict:
        return self.rows[row if self.shown is None else self.shown[row]]

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        if parent.isValid():
            return 0
        return len(self.rows) if self.shown is None else len(self.shown)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 4

    def headerData(self, section, orientation, role=DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DisplayRole:
            return self.HEADERS[section]
        return None

    def display_value(self, wire: dict) -> str:
        if wire["secret"] and not self.revealed:
            return MASK
        return short_json(wire["value"])

    def data(self, index, role=DisplayRole):
        try:
            wire = self.wire(index.row())
        except IndexError:  # the unit changed under the view (it reloads on the change event)
            return None
        col = index.column()
        if role == RawRole:
            return wire
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return "Secret value: use Reveal secrets to show it." if wire["secret"] and not self.revealed else None
        if role != DisplayRole:
            return None
        if col == 0:
            return wire["key"]
        if col == 1:
            return self.display_value(wire)
        if col == 2:
            return "Yes" if wire["secret"] else ""
        return wire["description"]
