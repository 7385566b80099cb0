"""The Units page: a searchable units list with counts, and a unit view with one tab per section."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt, ops
from desktop.icons import icon
from desktop.models import ConfigKeysModel, RawRole, RecordTreeModel, UnitsModel, short_json
from desktop.taskman import TaskRunner
from desktop.widgets import ElidedLabel, SearchBox

WATCH_MS = 2000  # how often the units are checked for changes made elsewhere (the CLI, another window)


def _search_box(placeholder: str, accessible: str) -> QLineEdit:
    return SearchBox(placeholder, accessible)


def _tree(model, accessible: str) -> QTreeView:
    view = QTreeView()
    view.setModel(model)
    view.setAccessibleName(accessible)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return view


class UnitView(QWidget):
    """One unit: header with counts, and tabs for plugins, workspaces, profiles and config keys."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.data: ops.UnitData | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The display name (cut with "…" when long, whole in its tooltip), then the unit's name
        self.title = ElidedLabel("No unit selected")
        self.title.setObjectName("unitTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.name_label = QLabel("")
        self.name_label.setObjectName("unitName")
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title)
        title_row.addWidget(self.name_label)
        title_row.addStretch(1)
        self.summary = QLabel("Choose a unit in the list to see its content.")
        self.summary.setWordWrap(True)
        layout.addLayout(title_row)
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Unit sections")
        layout.addWidget(self.tabs, 1)

        self.plugins = RecordTreeModel(
            [("Plugin", lambda w: w["name"]), ("Version", lambda w: w["version"]),
             ("Enabled", lambda w: "Yes" if w["enabled"] else "No"),
             ("Permissions", lambda w: len(w["permissions"])), ("Mappings", lambda w: len(w["mappings"])),
             ("Config", lambda w: short_json(w["config"])), ("Id", lambda w: w["id"])],
            children=lambda w: [("permission", p) for p in w["permissions"]] + [("mapping", m) for m in w["mappings"]],
            child_columns=[lambda c: ("Permission: " if c[0] == "permission" else "Mapping: ")
                           + (f"{'allow' if c[1]['allow'] else 'deny'} {c[1]['action']} to "
                              f"{c[1]['subject_type']} {c[1]['subject']}" if c[0] == "permission"
                              else f"{c[1]['source']} → {c[1]['target']}")], noun="Plugins")
        self.workspaces = RecordTreeModel(
            [("Workspace", lambda w: w["name"]), ("Owner", lambda w: w["owner"]),
             ("Applications", lambda w: len(w["applications"])), ("Description", lambda w: w["description"]),
             ("Id", lambda w: w["id"])],
            children=lambda w: w["applications"],
            child_columns=[lambda a: a["name"], lambda a: a["kind"], lambda a: f"position {a['position']}",
                           lambda a: short_json(a["config"]), lambda a: a["id"]], noun="Workspaces")
        self.profiles = RecordTreeModel(
            [("Profile", lambda w: w["name"]), ("Workspaces", lambda w: len(w["workspaces"])),
             ("Description", lambda w: w["description"]), ("Id", lambda w: w["id"])],
            children=lambda w: list(w["workspaces"]),
            child_columns=[lambda ws: self._ws_name(ws), lambda ws: "", lambda ws: "", lambda ws: ws], noun="Profiles")
        self.plugins_view = _tree(self.plugins, "Plugins")
        self.workspaces_view = _tree(self.workspaces, "Workspaces and their applications")
        self.profiles_view = _tree(self.profiles, "Profiles and their workspaces")
        self.tabs.addTab(self.plugins_view, "&Plugins")
        self.tabs.addTab(self.workspaces_view, "&Workspaces")
        self.tabs.addTab(self.profiles_view, "P&rofiles")

        keys_page = QWidget()
        keys_layout = QVBoxLayout(keys_page)
        row = QHBoxLayout()
        self.keys_search = _search_box("Search keys and descriptions", "Search config keys")
        self.reveal = QPushButton(icon("eye"), "Reveal &secrets")
        self.reveal.setCheckable(True)
        self.reveal.setAccessibleName("Reveal secret values")
        self.reveal.toggled.connect(self._set_revealed)
        row.addWidget(self.keys_search, 1)
        row.addWidget(self.reveal)
        keys_layout.addLayout(row)
        self.keys = ConfigKeysModel(self)
        self.keys_debounce = QTimer(self)
        self.keys_debounce.setSingleShot(True)
        self.keys_debounce.setInterval(150)
        self.keys_debounce.timeout.connect(self.apply_key_filter)
        self.keys_search.textChanged.connect(lambda *_: self.keys_debounce.start())
        self.keys_view = QTableView()
        self.keys_view.setModel(self.keys)
        self.keys_view.setAccessibleName("Config keys")
        self.keys_view.setAlternatingRowColors(True)
        self.keys_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.keys_view.verticalHeader().setVisible(False)
        self.keys_view.verticalHeader().setDefaultSectionSize(24)
        self.keys_view.horizontalHeader().setStretchLastSection(True)
        self.keys_view.setColumnWidth(0, 260)
        self.keys_view.setColumnWidth(1, 260)
        self.keys_view.setColumnWidth(2, 60)
        keys_layout.addWidget(self.keys_view, 1)
        self.keys_count = QLabel("")
        keys_layout.addWidget(self.keys_count)
        self.keys.modelReset.connect(self._update_key_count)
        self.tabs.addTab(keys_page, "&Config keys")
        for view, widths in ((self.plugins_view, (220, 70, 70, 90, 80, 260)),
                             (self.workspaces_view, (240, 120, 100, 280)),
                             (self.profiles_view, (240, 100, 300))):
            for i, w in enumerate(widths):
                view.setColumnWidth(i, w)

    def _ws_name(self, ws_id: str) -> str:
        return self.data.workspace_names.get(ws_id, ws_id) if self.data else ws_id

    def _set_revealed(self, on: bool) -> None:
        self.keys.set_revealed(on)
        self.reveal.setText("Hide &secrets" if on else "Reveal &secrets")
        self.reveal.setIcon(icon("eye-off" if on else "eye"))

    def apply_key_filter(self) -> None:
        self.keys_debounce.stop()
        self.keys.set_filter(self.keys_search.text())

    def _update_key_count(self, *args) -> None:
        total = len(self.keys.rows)
        shown = self.keys.rowCount()
        self.keys_count.setText(f"{fmt.number(shown)} of {fmt.count(total, 'key')}" if shown != total
                                else fmt.count(total, "key"))

    def show_unit(self, data: ops.UnitData | None) -> None:
        old, self.data = self.data, data
        if old is data:
            old = None
        self.reveal.setChecked(False)
        if data is None:
            self.title.setFullText("No unit selected")
            self.name_label.setText("")
            self.summary.setText("Choose a unit in the list to see its content.")
            for model in (self.plugins, self.workspaces, self.profiles, self.keys):
                model.set_rows([])
            ops.dispose_later(old)
            return
        u, c = data.unit, data.counts
        self.title.setFullText(u.display_name)
        self.name_label.setText(f"({u.name})")
        self.summary.setText(
            f"{fmt.count(c.plugins, 'plugin')} · {fmt.count(c.workspaces, 'workspace')} with "
            f"{fmt.count(c.applications, 'application')} · {fmt.count(c.profiles, 'profile')} · "
            f"{fmt.count(c.config_keys, 'config key')} · updated {fmt.date_time(u.updated_at)}")
        self.plugins.set_rows(data.sections["plugins"])
        self.workspaces.set_rows(data.sections["workspaces"])
        self.profiles.set_rows(data.sections["profiles"])
        self.keys.set_rows(data.sections["config_keys"])
        self._update_key_count()
        ops.dispose_later(old)


class UnitsPage(QWidget):
    """Units list (searchable, with counts) beside the selected unit's view. Loads through the task runner."""

    unit_selected = Signal(str)
    loaded = Signal()

    def __init__(self, runner: TaskRunner, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner, self.ctx = runner, ctx
        self.current: str | None = None
        self._loading = None
        self.revisions: dict | None = None  # {unit id: (name, revision)} the shown list was read at
        self._watch = None
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(WATCH_MS)
        self.watch_timer.timeout.connect(self.check_for_changes)
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        self.search = _search_box("Search units", "Search units")
        top_layout.addWidget(self.search)
        self.model = UnitsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setSortRole(Qt.ItemDataRole.EditRole)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Units")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # rows as high as the text needs (the style's default is taller): more units in view
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        # Names take what is left and are cut with "…" (their tooltip has the whole name); the counts
        # and the date keep their width, so a long name never pushes them out of view.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        self.table.setColumnWidth(0, 130)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        top_layout.addWidget(self.table)
        self.view = UnitView()
        splitter.addWidget(top)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 420])
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter)
        self.setTabOrder(self.search, self.table)
        self.setTabOrder(self.table, self.view.tabs)

    def selected_names(self) -> list[str]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.rows[r][0].name for r in sorted(rows)]

    def reload(self, keep: str | None = None, *, view: bool = True) -> None:
        """Read the units list again (and the selected unit's records, unless ``view`` is False and
        that unit is still there). The revisions are read first, on the same lane: a change that
        lands between the two reads is seen by the next check, never lost."""
        keep = keep or self.current
        self.runner.run(ops.unit_revisions(self.ctx), name="unit revisions", background=True,
                        on_success=self._set_revisions, on_failure=lambda exc: None)
        self.runner.run(ops.list_units(self.ctx), name="list units",
                        on_success=lambda rows: self._set_units(rows, keep, view))
        if not self.watch_timer.isActive():
            self.watch_timer.start()

    def _set_revisions(self, revisions) -> None:
        self.revisions = revisions

    def check_for_changes(self) -> None:
        """Reload what changed in the store since the list was read: a unit deleted, added or changed
        by the CLI or another window (each committed change bumps the unit's revision)."""
        if self._watch is not None and not self._watch.done:
            return
        if not self.isVisible() and not self.window().isVisible():
            return
        self._watch = self.runner.run(ops.unit_revisions(self.ctx), name="watch units", background=True,
                                      on_success=self._compare, on_failure=lambda exc: None)

    def _compare(self, revisions) -> None:
        old = self.revisions
        if old is None or revisions == old:
            return
        self.revisions = revisions
        current = next(((uid, rev) for uid, rev in old.items() if rev[0] == self.current), None)
        view = current is None or revisions.get(current[0]) != current[1]
        self.reload(view=view)

    def _set_units(self, rows, keep: str | None, view: bool = True) -> None:
        self.model.set_units(rows)
        names = [u.name for u, _ in rows]
        target = keep if keep in names else (names[0] if names else None)
        if target is not None:
            self.select(target, force=view or target != self.current)
            if not view and target == self.current:
                self.loaded.emit()
        else:
            self.current = None
            self.view.show_unit(None)
            self.loaded.emit()

    def select(self, name: str, force: bool = False) -> None:
        for r, (u, _) in enumerate(self.model.rows):
            if u.name == name:
                idx = self.proxy.mapFromSource(self.model.index(r, 0))
                if force and self.current == name:
                    self._load(name)
                self.table.setCurrentIndex(idx)
                self.table.selectRow(idx.row())
                return

    def _row_changed(self, current, previous) -> None:
        if not current.isValid():
            return
        unit = self.proxy.data(current, RawRole)
        if unit is not None and unit.name != self.current:
            self._load(unit.name)

    def _load(self, name: str) -> None:
        self.current = name
        self.unit_selected.emit(name)
        self.view.summary.setText("Loading…")

        def done(data, name=name):
            if self.current == name:
                self.view.show_unit(data)
                self.loaded.emit()

        def failed(exc, name=name):
            from core.errors import NotFoundError

            if isinstance(exc, NotFoundError):  # deleted elsewhere since the list was read
                if self.current == name:
                    self.current = None
                self.reload()
            else:
                self.runner.unhandled_failure.emit(exc)
        self.runner.run(ops.load_unit(self.ctx, name), name=f"load {name}", on_success=done, on_failure=failed)
