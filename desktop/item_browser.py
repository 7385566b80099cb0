"""Choosing items to restore or download: a backup's account settings, each unit (per section) and
its home directory through a file browser (a lazy tree with sizes and dates, search, include and
exclude checkboxes). Items can come from several backups of an account; each keeps its own choice.

The tree reads only what core returned (core/accounts/contents.py BackupContents, one manifest read
per backup); it decides nothing but what the user ticked. ``Selection.request_parts`` turns a choice
into the items and paths a restore or download request takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.errors import describe, error_html
from desktop.ops import backups as backup_ops
from desktop.widgets import PasswordField, SearchBox

SECTIONS = ("plugins", "workspaces", "profiles", "config_keys")
SECTION_TITLES = {"plugins": "Plugins", "workspaces": "Workspaces", "profiles": "Profiles",
                  "config_keys": "Config keys"}
Checked, Unchecked, Partial = Qt.CheckState.Checked, Qt.CheckState.Unchecked, Qt.CheckState.PartiallyChecked
SEARCH_LIMIT = 2000


# --- what is chosen in one backup ------------------------------------------------------------------------
class Selection:
    """The choice in one backup: account settings, unit sections, and files as marks on paths (a mark
    on a folder covers everything below it unless something below has a mark of its own)."""

    def __init__(self, contents):
        self.contents = contents
        self.account = False
        self.units: dict[str, set[str]] = {}
        self.marks: dict[bytes, bool] = {}            # b"" is the home directory itself

    # files
    def effective(self, raw: bytes) -> bool:
        p = raw
        while True:
            if p in self.marks:
                return self.marks[p]
            if p == b"":
                return False
            p = p.rpartition(b"/")[0]

    def _marks_below(self, raw: bytes):
        prefix = raw + b"/" if raw else b""
        return [(p, v) for p, v in self.marks.items() if p != raw and (raw == b"" or p.startswith(prefix))]

    def file_state(self, raw: bytes, is_dir: bool) -> Qt.CheckState:
        mine = self.effective(raw)
        if is_dir and any(v != mine for _p, v in self._marks_below(raw)):
            return Partial
        return Checked if mine else Unchecked

    def set_file(self, raw: bytes, on: bool) -> None:
        """Tick or untick ``raw`` and everything below it."""
        for p, _v in self._marks_below(raw):
            del self.marks[p]
        inherited = self.effective(raw.rpartition(b"/")[0]) if raw else False
        if on == inherited:
            self.marks.pop(raw, None)
        else:
            self.marks[raw] = on

    def file_paths(self) -> tuple[bool, tuple[bytes, ...]]:
        """(any file chosen, the paths: () for the whole home directory)."""
        index = self.contents.files
        if index is None or not any(self.marks.values()):
            return False, ()
        if self.marks.get(b"") and not self._marks_below(b""):
            return True, ()
        out: list[bytes] = []

        def walk(folder: bytes) -> None:
            for node in index.children(folder):
                raw = node.raw
                below = self._marks_below(raw) if node.is_dir else []
                if not below:
                    if self.effective(raw):
                        out.append(raw)
                elif node.is_dir:
                    walk(raw)
        walk(b"")
        return bool(out), tuple(out)

    # units
    def unit_state(self, name: str) -> Qt.CheckState:
        chosen = self.units.get(name, set())
        have = set(self.unit_sections(name))
        if not chosen:
            return Unchecked
        return Checked if have <= chosen else Partial

    def unit_sections(self, name: str) -> list[str]:
        for u in self.contents.units:
            if u.name == name:
                return [s for s in SECTIONS if s in u.sections]
        return []

    def set_unit(self, name: str, on: bool) -> None:
        if on:
            self.units[name] = set(self.unit_sections(name))
        else:
            self.units.pop(name, None)

    def set_section(self, name: str, section: str, on: bool) -> None:
        chosen = self.units.setdefault(name, set())
        (chosen.add if on else chosen.discard)(section)
        if not chosen:
            self.units.pop(name)

    # the whole
    def empty(self) -> bool:
        return not self.account and not self.units and not self.file_paths()[0]

    def request_parts(self) -> tuple[str, tuple[str, ...]]:
        """(items, paths) as restore and download requests take them."""
        parts = ["account"] if self.account else []
        for name in sorted(self.units):
            sections = self.units[name]
            if set(self.unit_sections(name)) <= sections:
                parts.append(f"units:{name}")
            else:
                parts += [f"units:{name}/{s}" for s in SECTIONS if s in sections]
        files, paths = self.file_paths()
        if files:
            parts.append("files")
        from desktop.ops.backups import restore_path

        return ",".join(parts), tuple(restore_path(p) for p in paths)

    def describe(self) -> str:
        bits = []
        if self.account:
            bits.append("account settings")
        for name in sorted(self.units):
            sections = self.units[name]
            if set(self.unit_sections(name)) <= sections:
                bits.append(f"unit {fmt.name(name, 30)}")
            else:
                bits.append(f"{', '.join(SECTION_TITLES[s].lower() for s in SECTIONS if s in sections)} of unit "
                            f"{fmt.name(name, 30)}")
        files, paths = self.file_paths()
        if files:
            bits.append("every file" if not paths else fmt.count(len(paths), "file or folder", "files and folders"))
        return ", ".join(bits)


# --- the tree over one backup ---------------------------------------------------------------------------
@dataclass
class Node:
    kind: str                  # settings | units | unit | section | home | file
    key: object                # unit name, (unit, section), raw path
    parent: int                # node id (0: top)
    row: int
    label: str
    size: str = ""
    when: str = ""
    tooltip: str = ""
    is_dir: bool = False
    children: list | None = None


class ItemsModel(QAbstractItemModel):
    HEADERS = ("Item", "Size", "Modified")
    changed = Signal()

    def __init__(self, selection: Selection, parent=None, *, account_settings: bool = True):
        super().__init__(parent)
        self.sel = selection
        self.nodes: dict[int, Node] = {}
        self._next = 1
        contents = selection.contents
        tops = []
        if account_settings and contents.account_settings is not None:
            tops.append(self._add("settings", None, 0, "Account settings", tooltip="Email, home directory, units "
                                  "and excludes as they were when the backup was made"))
        if contents.units:
            n = self._add("units", None, 0, "Units", size=fmt.count(len(contents.units), "unit"))
            tops.append(n)
        if contents.files is not None:
            f = contents.files
            tops.append(self._add("home", b"", 0, "Home directory", size=fmt.size(f.total_size),
                                  when=fmt.count(f.total_entries, "entry", "entries"), tooltip=contents.home_dir,
                                  is_dir=True))
        self.tops = tops
        for i, nid in enumerate(tops):
            self.nodes[nid].row = i

    def _add(self, kind, key, parent, label, **kw) -> int:
        nid = self._next
        self._next += 1
        self.nodes[nid] = Node(kind, key, parent, 0, label, **kw)
        return nid

    def _children(self, nid: int) -> list[int]:
        node = self.nodes[nid]
        if node.children is not None:
            return node.children
        kids: list[int] = []
        contents = self.sel.contents
        if node.kind == "units":
            for u in contents.units:
                total = sum(u.sections.values())
                kids.append(self._add("unit", u.name, nid, u.name, size=fmt.count(total, "record"),
                                      tooltip=u.display_name))
        elif node.kind == "unit":
            for u in contents.units:
                if u.name == node.key:
                    for s in SECTIONS:
                        if s in u.sections:
                            kids.append(self._add("section", (u.name, s), nid, SECTION_TITLES[s],
                                                  size=fmt.count(u.sections[s], "record")))
        elif node.kind in ("home", "file") and node.is_dir:
            for f in contents.files.children(node.key):
                label = f.name + (f" → {f.target}" if f.target else "")
                kids.append(self._add("file", f.raw, nid, label, size=fmt.size(f.size),
                                      when=fmt.date_time(f.mtime), is_dir=f.is_dir,
                                      tooltip=f.path + (f" ({fmt.count(f.entries, 'entry', 'entries')})"
                                                        if f.is_dir else "")))
        for i, k in enumerate(kids):
            self.nodes[k].row = i
        node.children = kids
        return kids

    def index(self, row, column, parent=QModelIndex()):
        kids = self.tops if not parent.isValid() else self._children(parent.internalId())
        if 0 <= row < len(kids):
            return self.createIndex(row, column, kids[row])
        return QModelIndex()

    def parent(self, index=QModelIndex()):  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = self.nodes[index.internalId()]
        if node.parent == 0:
            return QModelIndex()
        return self.createIndex(self.nodes[node.parent].row, 0, node.parent)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return len(self.tops)
        if parent.column() != 0:
            return 0
        return len(self._children(parent.internalId()))

    def hasChildren(self, parent=QModelIndex()):  # noqa: N802
        if not parent.isValid():
            return bool(self.tops)
        node = self.nodes[parent.internalId()]
        if node.kind in ("units", "unit"):
            return True
        if node.kind in ("home", "file") and node.is_dir:
            return self.sel.contents.files.has_children(node.key)
        return False

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def state(self, node: Node) -> Qt.CheckState:
        sel = self.sel
        if node.kind == "settings":
            return Checked if sel.account else Unchecked
        if node.kind == "units":
            states = {sel.unit_state(u.name) for u in sel.contents.units}
            return states.pop() if len(states) == 1 else Partial
        if node.kind == "unit":
            return sel.unit_state(node.key)
        if node.kind == "section":
            name, section = node.key
            return Checked if section in sel.units.get(name, ()) else Unchecked
        return sel.file_state(node.key, node.is_dir)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = self.nodes[index.internalId()]
        col = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return self.state(node)
        if role == Qt.ItemDataRole.DisplayRole:
            return (node.label, node.size, node.when)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return node.tooltip or node.label
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        node = self.nodes[index.internalId()]
        on = Qt.CheckState(value) != Unchecked
        self.toggle(node, on)
        return True

    def toggle(self, node: Node, on: bool) -> None:
        sel = self.sel
        if node.kind == "settings":
            sel.account = on
        elif node.kind == "units":
            for u in sel.contents.units:
                sel.set_unit(u.name, on)
        elif node.kind == "unit":
            sel.set_unit(node.key, on)
        elif node.kind == "section":
            sel.set_section(*node.key, on)
        else:
            sel.set_file(node.key, on)
        self.refresh()

    def refresh(self) -> None:
        """Every loaded row may have changed its tick (a folder's state follows what is below it)."""
        if self.tops:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.tops) - 1, 0),
                                  [Qt.ItemDataRole.CheckStateRole])
        for nid, node in list(self.nodes.items()):
            if node.children:
                parent = self.createIndex(node.row, 0, nid)
                self.dataChanged.emit(self.index(0, 0, parent), self.index(len(node.children) - 1, 0, parent),
                                      [Qt.ItemDataRole.CheckStateRole])
        self.changed.emit()


class SearchModel(QAbstractTableModel):
    """Files whose path holds the searched text, each with its tick (the same choice as the tree)."""

    HEADERS = ("Path", "Size", "Modified")
    changed = Signal()

    def __init__(self, selection: Selection, parent=None):
        super().__init__(parent)
        self.sel = selection
        self.rows: list = []

    def search(self, text: str) -> None:
        self.beginResetModel()
        self.rows = self.sel.contents.files.search(text, SEARCH_LIMIT) if self.sel.contents.files else []
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def flags(self, index):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return f | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else f

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        n = self.rows[index.row()]
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            return self.sel.file_state(n.raw, n.is_dir)
        if role == Qt.ItemDataRole.DisplayRole:
            return (n.path + ("/" if n.is_dir else ""), fmt.size(n.size), fmt.date_time(n.mtime))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return n.path
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole:
            return False
        n = self.rows[index.row()]
        self.sel.set_file(n.raw, Qt.CheckState(value) != Unchecked)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))
        self.changed.emit()
        return True


def _tree(accessible: str) -> QTreeView:
    view = QTreeView()
    view.setAccessibleName(accessible)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    header = view.header()
    header.setStretchLastSection(False)
    fit_columns(view)
    return view


def fit_columns(view: QTreeView) -> None:
    """The item stretches; sizes and dates get the width their longest text needs (fitting them to the
    rows shown cut the dates of folders opened later). Again after every setModel, which resets them."""
    header = view.header()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    metrics = view.fontMetrics()
    for col, widest in ((1, fmt.count(1_000_000, "record")), (2, fmt.date_time("2027-12-31T23:59:59Z"))):
        if col < header.count():
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, metrics.horizontalAdvance(widest) + 24)


class ItemBrowser(QWidget):
    """Choose items from one or more backups of an account. ``backups`` are catalog BackupEntry rows
    (newest first is how they are offered); ``passphrase`` is shared with the wizard's key page."""

    changed = Signal()
    loaded = Signal(str)           # a backup's contents arrived (its id)

    def __init__(self, ctx, runner, backups: list, parent: QWidget | None = None, *, account_settings: bool = True,
                 keys=None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.backups = list(backups)
        self.account_settings = account_settings
        self.keys = keys                       # callable -> (passphrase, KeyFiles)
        self.selections: dict[str, Selection] = {}
        self.models: dict[str, ItemsModel] = {}
        self.search_models: dict[str, SearchModel] = {}
        self.loading: dict[str, object] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        label = QLabel("Fro&m backup:")
        self.backup = QComboBox()
        self.backup.setAccessibleName("Backup the items come from")
        label.setBuddy(self.backup)
        for b in self.backups:
            self.backup.addItem(backup_label(b), b.id)
        top.addWidget(label)
        top.addWidget(self.backup, 1)
        layout.addLayout(top)
        self.search = SearchBox("Search the backup's files", "Search the backup's files")
        layout.addWidget(self.search)
        self.stack = QStackedWidget()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Space ticks the current item (the delegate's own key); Enter stays the dialog's (Next, Queue)
        key_page = QWidget()
        kv = QVBoxLayout(key_page)
        self.key_text = QLabel("This backup is encrypted with its owner's key: type the owner's passphrase to see "
                               "what it holds.")
        self.key_text.setWordWrap(True)
        self.passphrase = PasswordField("The owner's passphrase")
        krow = QHBoxLayout()
        klabel = QLabel("Owner's pa&ssphrase:")
        klabel.setBuddy(self.passphrase)
        krow.addWidget(klabel)
        krow.addWidget(self.passphrase, 1)
        self.open_button = QPushButton("&Open")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(lambda: self.load(self.current_id(), force=True))
        krow.addWidget(self.open_button)
        kv.addWidget(self.key_text)
        kv.addLayout(krow)
        kv.addStretch(1)
        self.tree = _tree("Items in the backup")
        self.results = _tree("Files found in the backup")
        self.results.setRootIsDecorated(False)
        self.stack.addWidget(self.status)       # 0: loading or an error
        self.stack.addWidget(key_page)          # 1: the owner's passphrase is needed
        self.stack.addWidget(self.tree)         # 2
        self.stack.addWidget(self.results)      # 3: search results
        layout.addWidget(self.stack, 1)
        self.summary = QLabel("")
        self.summary.setObjectName("itemsSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(200)
        self.search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda *_: self.search_timer.start())
        self.backup.currentIndexChanged.connect(lambda *_: self.show_backup(self.current_id()))

    def current_id(self) -> str | None:
        return self.backup.currentData()

    def entry(self, backup_id: str):
        return next((b for b in self.backups if b.id == backup_id), None)

    def start(self, backup_id: str | None = None) -> None:
        if backup_id is not None:
            i = self.backup.findData(backup_id)
            if i >= 0 and i != self.backup.currentIndex():
                self.backup.setCurrentIndex(i)
                return
        self.show_backup(self.current_id())

    def show_backup(self, backup_id: str | None) -> None:
        self.search.clear()
        if backup_id is None:
            self.status.setText("No backup to choose from.")
            self.stack.setCurrentIndex(0)
            return
        if backup_id in self.models:
            self.tree.setModel(self.models[backup_id])
            self._size_columns()
            self.stack.setCurrentIndex(2)
            return
        self.load(backup_id)

    def load(self, backup_id: str | None, *, force: bool = False) -> None:
        if backup_id is None:
            return
        entry = self.entry(backup_id)
        passphrase, key_files = self.keys() if self.keys else (None, None)
        passphrase = self.passphrase.text() or passphrase
        owner_file = key_files is not None and key_files.owner_key_file
        if entry is not None and entry.encryption == "owner" and not passphrase and not owner_file:
            self.stack.setCurrentIndex(1)
            return
        if backup_id in self.loading and not force:
            return
        self.status.setText("Reading what the backup holds…")
        self.stack.setCurrentIndex(0)

        def done(contents, backup_id=backup_id):
            self.loading.pop(backup_id, None)
            sel = Selection(contents)
            self.selections[backup_id] = sel
            model = ItemsModel(sel, self, account_settings=self.account_settings)
            model.changed.connect(self._changed)
            self.models[backup_id] = model
            search = SearchModel(sel, self)
            search.changed.connect(self._changed)
            search.changed.connect(model.refresh)
            self.search_models[backup_id] = search
            if self.current_id() == backup_id:
                self.tree.setModel(model)
                self._size_columns()
                for row in range(model.rowCount()):
                    self.tree.expand(model.index(row, 0))
                self.stack.setCurrentIndex(2)
            self.loaded.emit(backup_id)
            self._changed()

        def failed(exc, backup_id=backup_id):
            self.loading.pop(backup_id, None)
            info = describe(exc)
            if info is None:
                return
            self.status.setText(error_html(info))
            self.stack.setCurrentIndex(0)
            from core.errors import PassphraseRequired, WrongPasswordError

            if isinstance(exc, (PassphraseRequired, WrongPasswordError)) and entry is not None \
                    and entry.encryption == "owner":
                self.key_text.setText(error_html(info))
                self.key_text.setTextFormat(Qt.TextFormat.RichText)
                self.stack.setCurrentIndex(1)
                self.passphrase.setFocus()
        self.loading[backup_id] = self.runner.run(backup_ops.browse(self.ctx, backup_id, passphrase, key_files),
                                                  name="browse backup", lane="pool", on_success=done,
                                                  on_failure=failed)

    def _size_columns(self) -> None:
        fit_columns(self.tree)

    def apply_search(self) -> None:
        self.search_timer.stop()
        backup_id = self.current_id()
        model = self.search_models.get(backup_id)
        if model is None:
            return
        text = self.search.text().strip()
        if not text:
            self.stack.setCurrentIndex(2)
            return
        model.search(text)
        if self.results.model() is not model:
            self.results.setModel(model)
            fit_columns(self.results)
        self.stack.setCurrentIndex(3)

    def _changed(self) -> None:
        parts = []
        for b in self.backups:
            sel = self.selections.get(b.id)
            if sel is not None and not sel.empty():
                parts.append(f"{sel.describe()} from the backup of {fmt.date_time(b.created_at)}")
        self.summary.setText(("Chosen: " + "; ".join(parts) + ".") if parts else "Nothing chosen yet.")
        self.changed.emit()

    def chosen(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(backup id, items, paths) for every backup something was chosen in, oldest backup first."""
        out = []
        for b in sorted(self.backups, key=lambda b: (b.created_at, b.id)):
            sel = self.selections.get(b.id)
            if sel is not None and not sel.empty():
                items, paths = sel.request_parts()
                out.append((b.id, items, paths))
        return out

    def focus_input(self) -> None:
        if self.stack.currentIndex() == 1:
            self.passphrase.setFocus()
        elif self.stack.currentIndex() == 2:
            self.tree.setFocus()
        else:
            self.backup.setFocus()


def backup_label(b) -> str:
    kind = f"job {b.job}" if b.job else "on demand"
    lock = " · locked" if b.locked else ""
    owner = " · owner's key" if b.encryption == "owner" else ""
    return f"{fmt.date_time(b.created_at)} · {kind} · {b.destination} · {fmt.size(b.size)}{lock}{owner}"
