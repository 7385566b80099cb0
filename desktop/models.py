"""Qt item models over plain data loaded by the task runner (wire dicts and units; no store access here)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, Qt

MASK = "••••••••"
DisplayRole = Qt.ItemDataRole.DisplayRole
RawRole = Qt.ItemDataRole.UserRole + 1  # the row's wire dict / object


def short_json(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_time(stamp: str) -> str:
    """An ISO 8601 stamp as the app writes every date (desktop.fmt: the user's locale, local time)."""
    from desktop.fmt import date_time

    return date_time(stamp)


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
        from desktop.fmt import number

        return number(n)


class RecordTreeModel(QAbstractItemModel):
    """Two levels: records (top) and their children (applications of a workspace, workspaces of a profile,
    permissions and mappings of a plugin). ``columns`` and ``child_columns`` are (title, getter) pairs."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[dict], Any]]],
                 children: Callable[[dict], list] | None = None,
                 child_columns: Sequence[Callable[[Any], Any]] = (), parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.children_of = children
        self.child_columns = list(child_columns)
        self.rows: list[dict] = []
        self._kids: dict[int, list] = {}

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._kids = {}
        self.endResetModel()

    def _children(self, row: int) -> list:
        kids = self._kids.get(row)
        if kids is None:
            kids = self.children_of(self.rows[row]) if self.children_of else []
            self._kids[row] = kids
        return kids

    # internalId 0 = top level; n > 0 = child of top-level row n - 1
    def index(self, row, column, parent=QModelIndex()):
        if parent.isValid():
            if parent.internalId() != 0:
                return QModelIndex()
            return self.createIndex(row, column, parent.row() + 1)
        return self.createIndex(row, column, 0)

    def parent(self, index=QModelIndex()):  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return len(self.rows)
        if parent.internalId() != 0 or parent.column() != 0:
            return 0
        return len(self._children(parent.row()))

    def hasChildren(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return bool(self.rows)
        if parent.internalId() != 0 or self.children_of is None:
            return False
        return bool(self._children(parent.row()))

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return len(self.columns)

    def headerData(self, section, orientation, role=DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DisplayRole:
            return self.columns[section][0]
        return None

    def data(self, index, role=DisplayRole):
        if not index.isValid():
            return None
        if index.internalId() == 0:
            wire = self.rows[index.row()]
            if role == RawRole:
                return wire
            if role == DisplayRole:
                value = self.columns[index.column()][1](wire)
                return value if isinstance(value, str) else ("" if value is None else str(value))
            return None
        child = self._children(index.internalId() - 1)[index.row()]
        if role == RawRole:
            return child
        if role == DisplayRole and index.column() < len(self.child_columns):
            value = self.child_columns[index.column()](child)
            return value if isinstance(value, str) else ("" if value is None else str(value))
        return None


class ConfigKeysModel(QAbstractTableModel):
    """Config keys with secret values masked until ``set_revealed(True)``, filtered by key and description.

    Filtering is a list scan in Python (not a QSortFilterProxyModel, which calls ``data()`` per cell and
    takes most of a second on the large unit's 100,000 keys). Secret values are never searched.
    """

    HEADERS = ("Key", "Value", "Secret", "Description")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[dict] = []
        self.shown: list[int] = []  # indexes into rows
        self.revealed = False
        self.needle = ""
        self._haystack: list[str] | None = None

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._haystack = None
        self.shown = self._match(self.needle)
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        needle = text.strip().lower()
        if needle == self.needle:
            return
        self.beginResetModel()
        self.needle = needle
        self.shown = self._match(needle)
        self.endResetModel()

    def _match(self, needle: str) -> list[int]:
        if not needle:
            return list(range(len(self.rows)))
        if self._haystack is None:
            self._haystack = [f"{w['key']}\n{w['description']}".lower() for w in self.rows]
        return [i for i, text in enumerate(self._haystack) if needle in text]

    def set_revealed(self, revealed: bool) -> None:
        self.revealed = revealed
        if self.shown:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self.shown) - 1, 1))

    def wire(self, row: int) -> dict:
        return self.rows[self.shown[row]]

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.shown)

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
        wire = self.rows[self.shown[index.row()]]
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
