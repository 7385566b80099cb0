"""The Account backups page: the accounts (searchable, filtered by tag, tags as chips; expanding one
shows its actions), orphaned accounts to adopt, and UUIDs to reassign."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.accounts_model import AccountsModel
from desktop.chips import ChipDelegate, ChipRow
from desktop.dialogs import RowsModel, message_label, say, selected_row, table
from desktop.errors import describe, error_html
from desktop.icons import icon
from desktop.ops import accounts as account_ops
from desktop.ops import tags as tag_ops
from desktop.widgets import SearchBox, leading_row, push_button

ALL_TAGS = "All tags"
FILTER_MS = 120


class OneHeight:
    """Every account row is one line high, measured once: the tree asks each cell of each row it lays
    out for its size (a dozen roles each), which cost a thousand accounts a visible stall per scroll.
    The actions row still grows to its panel (the view sizes a row to its index widget). Columns keep
    the widths the page gives them (no width from contents)."""

    def sizeHint(self, option, index):  # noqa: N802
        line = option.fontMetrics.height()
        hint = getattr(self, "_hint", None)
        if hint is None or self._line != line:
            self._line, hint = line, QSize(0, max(line + 8, 22))
            self._hint = hint
        return hint


class RowDelegate(OneHeight, QStyledItemDelegate):
    pass


class AccountChipDelegate(OneHeight, ChipDelegate):
    pass


class AccountPanel(QFrame):
    """An expanded account: what it is, and what can be done with it."""

    def __init__(self, page: AccountsPage, row, parent: QWidget | None = None):
        super().__init__(parent)
        self.page, self.row = page, row
        a = row.account
        self.setObjectName("accountPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        facts = [("Home directory", a.home_dir), ("Email", a.email or "none"),
                 ("Encryption", "held by the app" if a.encryption == "app" else "held by the account's owner"),
                 ("Units", ", ".join(a.units) or "none"),
                 ("Backups", fmt.number(row.backups)), ("Excludes", ", ".join(a.excludes) or "none")]
        for i, (title, value) in enumerate(facts):
            head = QLabel(f"{title}:")
            text = QLabel(fmt.short(value, 80))
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setToolTip(value)
            grid.addWidget(head, i // 2, (i % 2) * 2)
            grid.addWidget(text, i // 2, (i % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        self.chips = ChipRow()
        self.chips.set_tags([(t, page.model.colors.get(t, "#808080")) for t in a.tags])
        layout.addWidget(self.chips)
        buttons = QHBoxLayout()
        self.manage = push_button("&Manage account…", "settings", f"Manage account {a.username}")
        self.backup = push_button("Create &backup on demand…", "plus", f"Back up {a.username} now")
        self.backups = push_button("View ba&ckups…", "file", f"Backups of {a.username}")
        self.downloads = push_button("View &downloads…", "download", f"Downloads of {a.username}")
        self.tags = push_button("Manage ta&gs…", "tag", f"Tags of {a.username}")
        for b, slot in ((self.manage, page.manage), (self.backup, page.back_up), (self.backups, page.view_backups),
                        (self.downloads, page.view_downloads), (self.tags, page.manage_tags)):
            b.clicked.connect(lambda _=False, s=slot: s(self.row.account.username))
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def first(self) -> QWidget:
        return self.manage

    def last(self) -> QWidget:
        return self.tags


class AccountsTab(QWidget):
    loaded = Signal()

    def __init__(self, page: AccountsPage):
        super().__init__()
        self.page = page
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search = SearchBox("Search accounts by name, email or tag", "Search accounts")
        top.addWidget(self.search, 1)
        tag_label = QLabel("Show &tag:")
        self.tag = QComboBox()
        self.tag.setAccessibleName("Show only accounts with this tag")
        self.tag.setMinimumContentsLength(12)
        self.tag.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        tag_label.setBuddy(self.tag)
        top.addWidget(tag_label)
        top.addWidget(self.tag)
        self.add_button = push_button("&New account…", "plus", "Add an account")
        top.addWidget(self.add_button)
        layout.addLayout(top)
        self.tree = QTreeView()
        self.tree.setObjectName("accountsTree")
        self.tree.setAccessibleName("Accounts")
        self.tree.setModel(page.model)
        self.tree.setItemDelegate(RowDelegate(self.tree))
        self.tree.setItemDelegateForColumn(1, AccountChipDelegate(self.tree))
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setExpandsOnDoubleClick(True)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        # One height for every row while no account is open: the view then lays out a thousand rows
        # without asking each for its size (the page turns this off while an actions panel shows).
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        for col, width in enumerate((170, 160, 60, 150, 150, 150, 90)):
            self.tree.setColumnWidth(col, width)
        layout.addWidget(self.tree, 1)
        self.count = QLabel("")
        self.count.setObjectName("accountsCount")
        layout.addWidget(self.count)
        self.message = message_label("accountsMessage")
        layout.addWidget(self.message)
        self.setTabOrder(self.search, self.tag)
        self.setTabOrder(self.tag, self.add_button)
        self.setTabOrder(self.add_button, self.tree)


class ChooseAndActTab(QWidget):
    """An introduction, a table and one button that hands the chosen row to ``act`` (so does activating a row)."""

    def __init__(self, intro: str, model: RowsModel, accessible: str, stretch: int, button: tuple[str, str, str],
                 message_name: str, act):
        super().__init__()
        layout = QVBoxLayout(self)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.model = model
        self.table = table(self.model, accessible, stretch=stretch)
        self.table.setColumnWidth(0, 170)
        layout.addWidget(self.table, 1)
        self.action_button = push_button(*button)
        layout.addLayout(leading_row(self.action_button))
        self.message = message_label(message_name)
        layout.addWidget(self.message)
        self.action_button.clicked.connect(lambda: act(selected_row(self.table)))
        self.table.activated.connect(lambda _i: act(selected_row(self.table)))


class OrphansTab(ChooseAndActTab):
    def __init__(self, page: AccountsPage):
        super().__init__("Accounts whose backups are still at a destination but that are no longer in this "
                         "catalog. Adopting one makes it an account again, with its backups, its key and "
                         "its deduplication.",
                         RowsModel([("Former username", lambda o: o.username or "(unknown)"),
                                    ("Account id", lambda o: o.account_id),
                                    ("Backups", lambda o: fmt.number(o.backups), True),
                                    ("Destinations", lambda o: ", ".join(o.destinations)),
                                    ("Latest backup", lambda o: fmt.date_time(o.latest) if o.latest else "")]),
                         "Orphaned accounts", 1, ("Ado&pt…", "import", "Adopt the chosen orphaned account"),
                         "orphansMessage", lambda row: page.adopt(row))
        self.adopt_button = self.action_button


class AssignableTab(ChooseAndActTab):
    def __init__(self, page: AccountsPage):
        super().__init__("Usernames whose backups sit under more than one account id (an account that was "
                         "recreated, or moved from another server). Reassigning gives those backups to the "
                         "live account: listed, restored and rotated with its own.",
                         RowsModel([("Username", lambda a: a.username),
                                    ("Live account id", lambda a: a.account_id or "(no live account)"),
                                    ("Other account ids", lambda a: ", ".join(a.uuids))]),
                         "Assignable account ids", 2, ("&Reassign…", "refresh", "Reassign the chosen account id"),
                         "assignableMessage", lambda row: page.reassign(row))
        self.reassign_button = self.action_button
        self.table.setColumnWidth(1, 300)


class AccountsPage(QWidget):
    """Tabs for the accounts, the orphans and the assignable ids; loads through the task runner."""

    loaded = Signal()
    open_dialog = Signal(str, str)        # (what, username): the main window opens the dialog

    def __init__(self, ctx, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.model = AccountsModel(self)
        self.expanded: str | None = None      # the username whose actions show
        self.panel: AccountPanel | None = None
        self._loading = None
        self._again: str | bool | None = None    # a reload asked for while one was running
        self.ever_loaded = False
        self.permissions = None               # None: everything (single-user); else core's Permissions
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Account backups")
        self.accounts_tab = AccountsTab(self)
        self.orphans_tab = OrphansTab(self)
        self.assignable_tab = AssignableTab(self)
        self.tabs.addTab(self.accounts_tab, icon("accounts"), "&Accounts")
        self.tabs.addTab(self.orphans_tab, "&Orphans")
        self.tabs.addTab(self.assignable_tab, "Ass&ignable")
        layout.addWidget(self.tabs)
        self.search = self.accounts_tab.search
        self.tree = self.accounts_tab.tree
        self.filter_timer = QTimer(self)
        self.filter_timer.setSingleShot(True)
        self.filter_timer.setInterval(FILTER_MS)
        self.filter_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda *_: self.filter_timer.start())
        self.accounts_tab.tag.currentIndexChanged.connect(lambda *_: self.apply_filter())
        self.accounts_tab.add_button.clicked.connect(lambda: self.open_dialog.emit("add", ""))
        self.tree.expanded.connect(self._expanded)
        self.tree.collapsed.connect(self._collapsed)
        self.tree.activated.connect(self._toggle)
        self.model.modelReset.connect(self._after_reset)
        self.tabs.currentChanged.connect(self._tab_changed)

    # --- who sees what -----------------------------------------------------------------------------------
    PANEL_NEEDS = (("manage", "account.edit"), ("backup", "backup.now"), ("backups", "backup.list"),
                   ("downloads", "backup.downloads"), ("tags", "tag.assign"))

    def set_permissions(self, permissions) -> None:
        """A user sees their own accounts only (core lists no others) and none of the admin's tools."""
        self.permissions = permissions
        self.accounts_tab.add_button.setVisible(permissions.may("account.add"))
        self.tabs.setTabVisible(1, permissions.may("orphan.list"))
        self.tabs.setTabVisible(2, permissions.may("account.assignable"))
        self.orphans_tab.adopt_button.setVisible(permissions.may("orphan.adopt"))
        self.assignable_tab.reassign_button.setVisible(permissions.may("account.reassign"))
        if not self.tabs.isTabVisible(self.tabs.currentIndex()):
            self.tabs.setCurrentIndex(0)
        if self.panel is not None:
            self._panel_permissions(self.panel)

    def _panel_permissions(self, panel) -> None:
        if self.permissions is None:
            return
        for name, action in self.PANEL_NEEDS:
            getattr(panel, name).setVisible(self.permissions.may(action))

    # --- loading ---------------------------------------------------------------------------------------
    def reload(self, keep: str | None = None) -> None:
        if self._loading is not None and not self._loading.done:
            self._again = keep or self._again or True     # a read is on its way: read once more after it
            return
        keep = keep or self.expanded
        tags_shown = self.permissions is None or self.permissions.may("tag.list")    # a user's rows carry no tags
        overview = account_ops.overview(self.ctx)

        def read(reporter):                               # on a worker, like the rows: the tags and their colors
            colors = {t.name: t.color for t in tag_ops.listing(self.ctx)} if tags_shown else {}
            return overview(reporter), colors

        def done(result, keep=keep):
            rows, colors = result
            self._fill_tags(colors)
            again, self._again = self._again, None
            if again is not None:                         # something changed while it read: read again
                self._loading = None
                self.reload(again if isinstance(again, str) else keep)
                return
            self.model.set_rows(rows, colors)
            self.ever_loaded = True
            if keep is not None:
                self.expand(keep)
            self._count()
            self.loaded.emit()

        def failed(exc):
            self._again = None
            info = describe(exc)
            if info is not None:
                say(self.accounts_tab.message, error_html(info))
            self.loaded.emit()
        self._loading = self.runner.run(read, name="list accounts", lane="pool", on_success=done, on_failure=failed)
        if self.tabs.currentIndex() == 1:
            self.load_orphans()
        elif self.tabs.currentIndex() == 2:
            self.load_assignable()

    def _fill_tags(self, colors: dict[str, str]) -> None:
        combo = self.accounts_tab.tag
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(ALL_TAGS, None)
        for name in sorted(colors, key=str.casefold):
            combo.addItem(fmt.short(name, 40), name)
        i = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(0, i))
        combo.blockSignals(False)

    def apply_filter(self) -> None:
        self.filter_timer.stop()
        self.model.set_filter(self.search.text(), self.accounts_tab.tag.currentData())
        self._count()

    def _count(self) -> None:
        total, shown = len(self.model.all), len(self.model.visible)
        text = fmt.count(total, "account") if shown == total else f"{fmt.number(shown)} of {fmt.count(total, 'account')}"
        self.accounts_tab.count.setText(text)

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self.load_orphans()
        elif index == 2:
            self.load_assignable()

    def load_orphans(self) -> None:
        tab = self.orphans_tab
        self._load_tab(tab, account_ops.orphans(self.ctx), "orphans", "No orphaned accounts.", tab.adopt_button)

    def load_assignable(self) -> None:
        tab = self.assignable_tab
        self._load_tab(tab, account_ops.assignable(self.ctx), "assignable", "No account ids to reassign.",
                       tab.reassign_button)

    def _load_tab(self, tab, task, what: str, empty: str, button) -> None:
        """Read ``tab``'s rows; ``empty`` says there are none, and ``button`` works only on a row."""
        def done(rows):
            tab.model.set_rows(rows)
            say(tab.message, "" if rows else empty)
            button.setEnabled(bool(rows))

        def failed(exc):
            info = describe(exc)
            if info is not None:
                say(tab.message, error_html(info))
        self.runner.run(task, name=what, lane="pool", on_success=done, on_failure=failed)

    # --- expanding an account shows its actions (one at a time: their mnemonics stay unique) --------------
    def expand(self, username: str) -> bool:
        row = self.model.row_of(username)
        if row is None:
            return False
        self.model.ensure_shown(row)
        index = self.model.index(row, 0)
        self.tree.setCurrentIndex(index)
        self.tree.expand(index)
        self.tree.scrollTo(index)
        self.expanded = username
        QTimer.singleShot(0, self._sync_panel)
        return True

    def _toggle(self, index) -> None:
        if not index.isValid() or index.parent().isValid():
            return
        index = index.siblingAtColumn(0)
        self.tree.setExpanded(index, not self.tree.isExpanded(index))

    # The panel is made and removed after Qt's expand or collapse has finished (changing index widgets
    # inside those signals crashed the tree view), and removed through the view, which owns it.
    def _expanded(self, index) -> None:
        row = self.model.row_data(index)
        if row is not None:
            self.expanded = row.account.username
            QTimer.singleShot(0, self._sync_panel)

    def _collapsed(self, index) -> None:
        row = self.model.row_data(index)
        if row is not None and row.account.username == self.expanded:
            self.expanded = None
            QTimer.singleShot(0, self._sync_panel)

    def _sync_panel(self) -> None:
        want = self.expanded
        if self.panel is not None and self.panel.row.account.username == want:
            return
        self._forget_panel()
        if want is None:
            self.tree.setUniformRowHeights(True)
            return
        row = self.model.row_of(want)
        if row is None or row >= self.model.shown:
            self.expanded = None
            self.tree.setUniformRowHeights(True)
            return
        index = self.model.index(row, 0)
        self.tree.setUniformRowHeights(False)         # the actions row is as high as its panel
        for other in range(self.model.shown):         # one account open at a time: its keys stay unique
            if other != row and self.tree.isExpanded(self.model.index(other, 0)):
                self.tree.collapse(self.model.index(other, 0))
        if not self.tree.isExpanded(index):
            self.tree.expand(index)
        self.tree.setFirstColumnSpanned(0, index, True)
        self.panel = AccountPanel(self, self.model.visible[row], self.tree.viewport())
        self._panel_permissions(self.panel)
        self.tree.setIndexWidget(self.model.index(0, 0, index), self.panel)
        self.setTabOrder(self.tree, self.panel.first())

    def _forget_panel(self) -> None:
        panel, self.panel = self.panel, None
        if panel is None:
            return
        panel.hide()                                       # at once: its mnemonics go with it
        row = self.model.row_of(panel.row.account.username)
        if row is not None and row < self.model.shown:
            child = self.model.index(0, 0, self.model.index(row, 0))
            if self.tree.indexWidget(child) is panel:
                self.tree.setIndexWidget(child, None)     # the view deletes it
                return
        panel.deleteLater()

    def _after_reset(self) -> None:
        self.panel = None                                  # the reset took the view's index widgets with it
        keep, self.expanded = self.expanded, None
        self.tree.setUniformRowHeights(True)
        if keep is not None and self.model.row_of(keep) is not None:
            self.expand(keep)

    def current_username(self) -> str | None:
        row = self.model.row_data(self.tree.currentIndex())
        return row.account.username if row is not None else self.expanded

    # --- actions: the main window opens the dialogs ----------------------------------------------------------
    def manage(self, username: str) -> None:
        self.open_dialog.emit("manage", username)

    def back_up(self, username: str) -> None:
        self.open_dialog.emit("backup", username)

    def view_backups(self, username: str) -> None:
        self.open_dialog.emit("backups", username)

    def view_downloads(self, username: str) -> None:
        self.open_dialog.emit("downloads", username)

    def manage_tags(self, username: str) -> None:
        self.open_dialog.emit("tags", username)

    def adopt(self, orphan) -> None:
        if orphan is not None:
            self.open_dialog.emit("adopt", orphan.account_id)

    def reassign(self, row) -> None:
        if row is not None:
            self.open_dialog.emit("reassign", row.username)

    def focus_input(self) -> None:
        if self.tabs.currentIndex() == 0:
            self.search.setFocus()
            self.search.selectAll()
        else:
            self.tabs.currentWidget().findChild(QAbstractItemView).setFocus()
