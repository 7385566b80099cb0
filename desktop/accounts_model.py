"""The accounts table: a tree model whose top rows are accounts and whose one child per account is the
row its actions panel goes in (shown when the account is expanded).

Built for a thousand accounts and more: the rows are the overview one use case returns (read on a
worker thread); filtering and sorting work on that list in memory (a search over 1,000 accounts is a
fraction of a millisecond); the view gets rows in pages as it scrolls (``canFetchMore``/``fetchMore``),
so a reset lays out one page, not every account."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt

from desktop import fmt
from desktop.chips import TagsRole

DisplayRole = Qt.ItemDataRole.DisplayRole
EditRole = Qt.ItemDataRole.EditRole
RowRole = Qt.ItemDataRole.UserRole + 1
PAGE = 100
ACTIONS = 1 << 31            # internalId of an actions row: ACTIONS + the row of its account

DISPLAY, TOOLTIP, ALIGN = int(DisplayRole), int(Qt.ItemDataRole.ToolTipRole), int(Qt.ItemDataRole.TextAlignmentRole)
ACCESSIBLE, ROW, TAGS = int(Qt.ItemDataRole.AccessibleTextRole), int(RowRole), int(TagsRole)
SERVED = frozenset((DISPLAY, TOOLTIP, ALIGN, ACCESSIBLE, ROW, TAGS))
NO_FLAGS, ENABLED = Qt.ItemFlag.NoItemFlags, Qt.ItemFlag.ItemIsEnabled
SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

STATUS_TEXT = {"active": "Active", "suspended": "Suspended", "deleted": "Deleted"}


class AccountsModel(QAbstractItemModel):
    HEADERS = ("Account", "Tags", "Units", "Last backup", "Next backup", "Status", "Size")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.all: list = []                    # core/app/accounts.py AccountRow, as read
        self.visible: list = []                # after the filter, sorted
        self.shown = 0                         # rows the view has fetched
        self.colors: dict[str, str] = {}       # tag -> colour
        self.text = ""
        self.tag: str | None = None
        self.sort_column, self.sort_order = 0, Qt.SortOrder.AscendingOrder
        self._cells: dict[int, tuple[str, ...]] = {}     # display texts of visible rows, made when first shown

    # --- data in -----------------------------------------------------------------------------------
    def set_rows(self, rows, colors: dict[str, str]) -> bool:
        """False when nothing changed: the view keeps its rows (and an expanded account its panel)."""
        rows = list(rows)
        if rows == self.all and dict(colors) == self.colors:
            return False
        self.all = rows
        self.colors = dict(colors)
        self._refilter()
        return True

    def set_filter(self, text: str, tag: str | None) -> None:
        text = text.strip().casefold()
        if (text, tag) == (self.text, self.tag):
            return
        self.text, self.tag = text, tag
        self._refilter()

    def _matches(self, row) -> bool:
        a = row.account
        if self.tag is not None and self.tag not in a.tags:
            return False
        if not self.text:
            return True
        return self.text in a.username.casefold() or self.text in (a.email or "").casefold() or any(
            self.text in t.casefold() for t in a.tags)

    def _key(self, row):
        a, c = row.account, self.sort_column
        if c == 0:
            return a.username
        if c == 1:
            return (len(a.tags) == 0, a.tags)
        if c == 2:
            return len(a.units)
        if c == 3:
            return row.last_backup or ""
        if c == 4:
            return row.next_backup or "\uffff"
        if c == 5:
            return a.status
        return row.last_size

    def _refilter(self) -> None:
        self.beginResetModel()
        rows = [r for r in self.all if self._matches(r)]
        rows.sort(key=lambda r: (self._key(r), r.account.username),
                  reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        self.visible = rows
        self._cells = {}
        self.shown = min(PAGE, len(rows))
        self.endResetModel()

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        self.sort_column, self.sort_order = column, order
        self._refilter()

    def row_of(self, username: str) -> int | None:
        for i, r in enumerate(self.visible):
            if r.account.username == username:
                return i
        return None

    def ensure_shown(self, row: int) -> None:
        """Fetch rows up to ``row`` (selecting an account further down than the view scrolled)."""
        if row >= self.shown:
            last = min(len(self.visible), row + 1)
            self.beginInsertRows(QModelIndex(), self.shown, last - 1)
            self.shown = last
            self.endInsertRows()

    # --- lazy rows -------------------------------------------------------------------------------------
    def canFetchMore(self, parent=QModelIndex()):  # noqa: N802
        return not parent.isValid() and self.shown < len(self.visible)

    def fetchMore(self, parent=QModelIndex()):  # noqa: N802
        if parent.isValid():
            return
        last = min(len(self.visible), self.shown + PAGE)
        if last > self.shown:
            self.beginInsertRows(QModelIndex(), self.shown, last - 1)
            self.shown = last
            self.endInsertRows()

    # --- the tree: account rows, each with one actions row ----------------------------------------------
    def index(self, row, column, parent=QModelIndex()):
        if not parent.isValid():
            if 0 <= row < self.shown and 0 <= column < len(self.HEADERS):
                return self.createIndex(row, column, 0)
            return QModelIndex()
        if parent.internalId() == 0 and row == 0 and 0 <= column < len(self.HEADERS):
            return self.createIndex(0, column, ACTIONS + parent.row())
        return QModelIndex()

    def parent(self, index=QModelIndex()):  # type: ignore[override]
        if not index.isValid() or index.internalId() < ACTIONS:
            return QModelIndex()
        return self.createIndex(index.internalId() - ACTIONS, 0, 0)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return self.shown
        if parent.internalId() == 0 and parent.column() == 0:
            return 1
        return 0

    def hasChildren(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return self.shown > 0
        return parent.internalId() == 0 and parent.column() == 0

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return len(self.HEADERS)

    def headerData(self, section, orientation, role=DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DisplayRole:
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 6:
            return "The size of the latest backup"
        return None

    def flags(self, index):
        if not index.isValid():
            return NO_FLAGS
        return ENABLED if index.internalId() >= ACTIONS else SELECTABLE

    def row_data(self, index):
        if not index.isValid():
            return None
        row = index.row() if index.internalId() == 0 else index.internalId() - ACTIONS
        return self.visible[row] if row < len(self.visible) else None

    def data(self, index, role=DisplayRole):
        # The view asks every cell for a dozen roles on each layout and paint; most are answered at once,
        # and a row's texts are made once per filter (a thousand accounts scroll without a stall).
        if role not in SERVED or not index.isValid():
            return None
        if index.internalId() >= ACTIONS:
            return "Actions" if role == ACCESSIBLE else None
        row_index = index.row()
        if row_index >= len(self.visible):
            return None
        col = index.column()
        if role == DISPLAY:
            cells = self._cells.get(row_index)
            if cells is None:
                cells = self._cells[row_index] = self._texts(self.visible[row_index])
            return cells[col]
        row = self.visible[row_index]
        a = row.account
        if role == ROW:
            return row
        if role == TAGS:
            return [(t, self.colors.get(t, "#808080")) for t in a.tags] if col == 1 else None
        if role == ALIGN:
            return RIGHT if col in (2, 6) else None
        if role == TOOLTIP:
            if col == 0:
                return f"{a.username} <{a.email}>" if a.email else a.username
            if col == 1:
                return ", ".join(a.tags) or None
            if col == 2:
                return ", ".join(a.units) or None
            if col == 4 and row.next_job:
                return f"Job {row.next_job}"
        return None

    @staticmethod
    def _texts(row) -> tuple[str, ...]:
        a = row.account
        return (a.username, ", ".join(a.tags), fmt.number(len(a.units)),
                fmt.date_time(row.last_backup) if row.last_backup else "Never",
                fmt.date_time(row.next_backup) if row.next_backup else "Not scheduled",
                STATUS_TEXT.get(a.status, a.status) + (" · owner-held key" if a.encryption == "owner" else ""),
                fmt.size(row.last_size) if row.last_backup else "")
