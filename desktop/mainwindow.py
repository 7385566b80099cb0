"""The main window: sidebar pages, menus and toolbar, drag and drop of bundles, geometry and recent files;
the queue's workers and the scheduler run in the background while it is open (core/app/background.py),
and a finished backup or restore is announced in the system tray when the window is in the background."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from desktop import fmt
from desktop.errors import show_error
from desktop.gui_settings import GuiSettings
from desktop.icons import icon
from desktop.taskman import TaskRunner
from desktop.units_page import UnitsPage
from desktop.widgets import fit_to_screen

BUNDLE_SUFFIX = ".uvault"
PAGES = (("units", "Units", "units"), ("accounts", "Account backups", "accounts"), ("queue", "Queue", "queue"),
         ("activity", "Activity", "activity"), ("settings", "Settings", "settings"), ("audit", "Audit log", "lock"),
         ("access", "Access", "key"), ("mybackups", "My backups", "export"))
# The page a user sees only when they may do this (core/app/users.py my_permissions); the others always show.
PAGE_NEEDS = {"settings": "settings.kdf-show", "audit": "audit.list", "activity": "queue.settings-show"}
# The page only users of this role see: their own backups are theirs (the page says why when core refuses).
PAGE_ROLES = {"mybackups": "user"}


def bundle_paths(mime) -> list[Path]:
    """Local .uvault files among dropped URLs."""
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls()
            if u.isLocalFile() and u.toLocalFile().lower().endswith(BUNDLE_SUFFIX)]


def quit_question(activities: list[str]) -> str:
    """"An import is running: cancel it and quit?" for the operations still running."""
    if len(activities) == 1:
        return f"{activities[0]} is running: cancel it and quit?"
    names = [a[0].lower() + a[1:] for a in activities]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed[0].upper()}{listed[1:]} are running: cancel them and quit?"


KIND_ACTIVITY = {"backup": "A backup", "restore": "A restore", "download": "A download"}


class MainWindow(QMainWindow):
    unit_changed = Signal(str)  # from core.events (any thread); delivered on the GUI thread
    work_finished = Signal(object)  # core/app/background.py Finished, from a worker thread

    def __init__(self, ctx, runner: TaskRunner | None = None, *, background: bool = True):
        super().__init__()
        self.ctx = ctx
        from desktop.ops.activity import SessionLog

        self.session = SessionLog(ctx.clock)
        self.background = None
        # No parent: the runner must outlive the tasks whose results come back to this window.
        self.runner = runner or TaskRunner()
        self.quit_box: QMessageBox | None = None
        self._quit_confirmed = False
        self.settings = GuiSettings(ctx.home.settings_file)
        from desktop.ops import access as access_ops

        self.permissions = access_ops.permissions(ctx)     # the signed-in user's (desktop/app.py signs in first)
        self.signin_dialog = None
        self.setWindowTitle("Unitvault")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.resize(1100, 720)
        self.open_dialogs: list[QWidget] = []

        central = QWidget()
        layout = QHBoxLayout(central)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(176)
        self.pages = QStackedWidget()
        self.units_page = UnitsPage(self.runner, ctx)
        self._build_pages()
        for key, title, icon_name in PAGES:
            item = QListWidgetItem(icon(icon_name), title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(160, 36))
            self.sidebar.addItem(item)
            self.pages.addWidget(self._page(key))
        self.sidebar.currentRowChanged.connect(self._page_changed)
        self.sidebar.setCurrentRow(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.setTabOrder(self.sidebar, self.units_page.search)

        self._build_actions()
        self.statusBar().showMessage("Ready")
        self.user_label = QLabel("")
        self.user_label.setObjectName("userLabel")
        self.statusBar().addPermanentWidget(self.user_label)
        self.store_label = self._store_label()
        self.statusBar().addPermanentWidget(self.store_label)
        self.apply_permissions()
        self.runner.unhandled_failure.connect(self.show_error)
        self.runner.busy_changed.connect(lambda busy: self.statusBar().showMessage("Working…" if busy else "Ready"))
        self.unit_changed.connect(self._on_unit_changed)
        self._unsubscribe = self._subscribe_events()

        geometry = self.settings.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        fit_to_screen(self)  # a size remembered on a larger screen (or from a too-wide window) is cut to this one
        from desktop.notify import Notifier

        self.notifier = Notifier(self)
        self.work_finished.connect(self._work_finished)
        self.units_page.reload()
        self.units_page.search.setFocus()
        if background:
            self.start_background()

    def _build_pages(self) -> None:
        from desktop.access_page import AccessPage
        from desktop.accounts_page import AccountsPage
        from desktop.activity_page import ActivityPage
        from desktop.audit_page import AuditPage
        from desktop.mybackups_page import MyBackupsPage
        from desktop.queue_page import QueuePage
        from desktop.settings_page import SettingsPage

        self.accounts_page = AccountsPage(self.ctx, self.runner)
        self.accounts_page.open_dialog.connect(self.open_account_dialog)
        self.queue_page = QueuePage(self.ctx, self.runner)
        self.activity_page = ActivityPage(self.ctx, self.runner, self.session)
        self.settings_page = SettingsPage(self.ctx, self.runner, permissions=self.permissions)
        self.audit_page = AuditPage(self.ctx, self.runner)
        self.access_page = AccessPage(self.ctx, self.runner, self.permissions)
        self.mybackups_page = MyBackupsPage(self.ctx, self.runner)

    def _page(self, key: str) -> QWidget:
        return {"units": self.units_page, "accounts": self.accounts_page, "queue": self.queue_page,
                "activity": self.activity_page, "settings": self.settings_page, "audit": self.audit_page,
                "access": self.access_page, "mybackups": self.mybackups_page}[key]

    # --- who is signed in, and what they may see ----------------------------------------------------------
    def may(self, action: str) -> bool:
        return self.permissions.may(action)

    def apply_permissions(self) -> None:
        """Show only what the signed-in user may use (core decides each operation anyway)."""
        p = self.permissions
        for row, (key, _title, _icon) in enumerate(PAGES):
            needs = PAGE_NEEDS.get(key)
            role = PAGE_ROLES.get(key)
            hidden = (needs is not None and not p.may(needs)) or (role is not None and (p.role != role or
                                                                                       not p.governed))
            self.sidebar.item(row).setHidden(hidden)
            self.page_actions[row].setVisible(not hidden)
            self.page_actions[row].setEnabled(not hidden)
        if self.sidebar.item(max(0, self.sidebar.currentRow())).isHidden():
            self.sidebar.setCurrentRow(0)
        self.export_action.setVisible(p.may("bundle.export"))
        self.import_action.setVisible(p.may("import.preview"))
        self.recent_menu.menuAction().setVisible(p.may("import.preview"))
        self.sign_out_action.setVisible(p.governed)
        self.password_action.setVisible(p.governed and not p.password_less)
        self.settings_page.set_permissions(p)
        self.accounts_page.set_permissions(p)
        self.queue_page.cancel_button.setVisible(p.may("queue.cancel"))
        self.queue_page.retry_button.setVisible(p.may("queue.retry"))
        self.access_page.set_permissions(p)
        self.user_label.setText(f"Signed in as {p.username} ({p.role})" if p.governed else "")
        self.user_label.setVisible(p.governed)

    def sign_out(self) -> None:
        """Forget the signed-in user (and their backup token), then ask who is there; Quit closes the app."""
        from desktop.ops import access as access_ops
        from desktop.signin import SignInDialog

        if self.runner.activities():
            self.statusBar().showMessage("Wait until the running operations end, then sign out.", 10_000)
            return
        for dialog in list(self.open_dialogs):
            dialog.close()
        access_ops.sign_out(self.ctx)
        self.mybackups_page.forget()
        self.hide()
        dialog = SignInDialog(self.ctx, self.runner)
        self.signin_dialog = dialog
        dialog.signed_in.connect(lambda _actor: self._signed_in_again())
        dialog.rejected.connect(self.close)
        dialog.show()

    def change_password(self):
        """The signed-in user's own password; core seals their vault again under the new one, and the
        actor it returns (with the new vault key) becomes the window's."""
        from desktop.access_dialogs import PasswordDialog

        d = self._keep(PasswordDialog(self.ctx, self.runner, self))
        d.changed.connect(lambda _a: self.statusBar().showMessage("Your password was changed.", 10_000))
        self.password_dialog = d
        d.open()
        return d

    def _signed_in_again(self) -> None:
        from desktop.ops import access as access_ops

        self.signin_dialog = None
        self.permissions = access_ops.permissions(self.ctx)
        self.apply_permissions()
        self.show()
        self.units_page.reload()
        self._page_changed(self.sidebar.currentRow())

    def _page_changed(self, row: int) -> None:
        self.pages.setCurrentIndex(row)
        page = self.pages.currentWidget()
        if page is self.accounts_page:
            self.accounts_page.reload()     # what the CLI or another workstation changed shows at once
        focus = getattr(page, "focus_input", None)
        if focus is not None:
            focus()

    def page_key(self) -> str:
        return PAGES[max(0, self.sidebar.currentRow())][0]

    # --- the queue's workers and the scheduler, while the window is open ------------------------------
    def start_background(self) -> None:
        from desktop.ops import queue as queue_ops

        if self.background is None:
            self.background = queue_ops.start_background(self.ctx, on_finish=self.work_finished.emit)

    def stop_background(self) -> None:
        if self.background is not None:
            self.background.stop()
            self.background = None

    def _work_finished(self, finished) -> None:
        item, outcome = finished.item, finished.outcome
        from desktop.ops.activity import describe_item

        what = describe_item(item)
        if item.kind in ("backup", "restore") and outcome in ("done", "failed") and not self.isActiveWindow():
            title = {"done": f"{item.kind.capitalize()} finished", "failed": f"{item.kind.capitalize()} failed"}[outcome]
            self.notifier.notify(title, what, failed=outcome == "failed")
        self.statusBar().showMessage(f"{what}: {outcome}.", 10_000)
        page = self.pages.currentWidget()
        if page is self.queue_page:
            self.queue_page.reload()
        elif page is self.activity_page:
            self.activity_page.reload()
        elif page is self.accounts_page and item.kind in ("backup", "restore"):
            self.accounts_page.reload()

    def running_work(self) -> list[str]:
        """The queue items this window's workers run now, as the quit question names them."""
        if self.background is None:
            return []
        from core.progress import Reporter
        from desktop.ops import queue as queue_ops

        names = []
        for item_id in self.background.running():
            try:
                kind = queue_ops.item(self.ctx, item_id)(Reporter()).kind
            except Exception:  # noqa: BLE001 - finished meanwhile: nothing to name
                continue
            names.append(KIND_ACTIVITY.get(kind, "Queued work"))
        return names

    def log_session(self, kind: str, what: str, result: str = "done", detail: str = "", account: str = "") -> None:
        """What this window did that the queue does not record, for the Activity page."""
        self.session.add(kind, what, result, who=str(self.ctx.actor), detail=detail, account=account)

    # --- actions, menus, toolbar ---------------------------------------------------------------------
    def _action(self, text: str, icon_name: str | None, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.import_action = self._action("&Import bundle…", "import", lambda: self.open_import(),
                                          K.Open, "Import a .uvault bundle into a unit")
        self.export_action = self._action("&Export units…", "export", lambda: self.open_export(),
                                          "Ctrl+E", "Export one bundle per selected unit")
        self.refresh_action = self._action("&Refresh", "refresh", self.refresh_page,
                                           K.Refresh, "Read the page again")
        self.quit_action = self._action("&Quit", "quit", self.close, K.Quit)
        self.sign_out_action = self._action("Sign &out…", "key", self.sign_out, None,
                                            "Sign out, and sign in as the same or another user")
        self.password_action = self._action("Change &password…", "key", self.change_password, None,
                                             "Change your password")
        self.about_action = self._action("&About Unitvault", "about", self.show_about)
        self.find_action = self._action("&Find", "search", self._focus_search, K.Find)

        menu_file = self.menuBar().addMenu("&File")
        menu_file.addAction(self.import_action)
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.setIcon(icon("file"))
        menu_file.addMenu(self.recent_menu)
        menu_file.addAction(self.export_action)
        menu_file.addSeparator()
        menu_file.addAction(self.password_action)
        menu_file.addAction(self.sign_out_action)
        menu_file.addAction(self.quit_action)
        menu_edit = self.menuBar().addMenu("&Edit")
        menu_edit.addAction(self.find_action)
        menu_view = self.menuBar().addMenu("&View")
        menu_view.addAction(self.refresh_action)
        menu_view.addSeparator()
        self.page_actions = []
        for i, (_, title, icon_name) in enumerate(PAGES):
            self.page_actions.append(self._action(title, icon_name, lambda _=False, i=i: self.sidebar.setCurrentRow(i),
                                                  f"Ctrl+{i + 1}"))
            menu_view.addAction(self.page_actions[-1])
        menu_help = self.menuBar().addMenu("&Help")
        menu_help.addAction(self.about_action)
        self._fill_recent()

        toolbar = QToolBar("Main toolbar")
        toolbar.setObjectName("mainToolbar")
        toolbar.setIconSize(QSize(20, 20))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.import_action)
        toolbar.addAction(self.export_action)
        toolbar.addAction(self.refresh_action)
        self.addToolBar(toolbar)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for i, path in enumerate(files):
            action = self.recent_menu.addAction(f"&{i + 1} {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_import(Path(p)))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("&Clear list", self._clear_recent)
        self.recent_menu.setEnabled(bool(files))

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        self._fill_recent()

    def add_recent(self, path: Path) -> None:
        self.settings.add_recent(path)
        self._fill_recent()

    def _focus_search(self) -> None:
        """Ctrl+F: the search box of the page shown (the units' on pages without one)."""
        page = self.pages.currentWidget()
        search = getattr(page, "search", None)
        if page is self.accounts_page:
            page.tabs.setCurrentIndex(0)
        if search is None:
            self.sidebar.setCurrentRow(0)
            search = self.units_page.search
        search.setFocus()
        search.selectAll()

    def refresh_page(self) -> None:
        page = self.pages.currentWidget()
        if page is self.settings_page:
            page.refresh()
            tab = page.tabs.currentWidget()
            if hasattr(tab, "load"):
                tab.load()
        elif page is self.access_page:
            page.reload()
        else:
            page.reload()

    # --- dialogs -----------------------------------------------------------------------------------------
    def _keep(self, dialog: QWidget) -> QWidget:
        self.open_dialogs.append(dialog)
        dialog.finished.connect(lambda *_: self.open_dialogs.remove(dialog) if dialog in self.open_dialogs else None)
        return dialog

    def open_import(self, path: Path | None = None):
        from desktop.import_wizard import ImportWizard

        wizard = ImportWizard(self.ctx, self.runner, self.settings, parent=self,
                              target=self.units_page.current, path=path)
        wizard.bundle_chosen.connect(lambda p: self._fill_recent())
        self._keep(wizard)
        wizard.show()
        return wizard

    def open_export(self, names: list[str] | None = None):
        from desktop.export_dialog import ExportDialog

        dialog = ExportDialog(self.ctx, self.runner, self.settings, parent=self,
                              selected=names if names is not None else self.units_page.selected_names())
        self._keep(dialog)
        dialog.show()
        return dialog

    def show_about(self):
        from desktop.about import AboutDialog

        dialog = AboutDialog(self)
        self._keep(dialog)
        dialog.show()
        return dialog

    def _store_label(self) -> QLabel:
        """Which store this window works on (SQLite here, or the team's PostgreSQL database)."""
        from desktop import ops

        text, tip = ops.store_label(self.ctx)
        label = QLabel(text)
        label.setObjectName("storeLabel")
        label.setToolTip(tip)
        label.setAccessibleName(text)
        return label

    def show_error(self, exc: BaseException):
        return show_error(self, exc, self.ctx.home.log_file)

    # --- account dialogs ----------------------------------------------------------------------------------
    def _account(self, username: str):
        model = self.accounts_page.model
        row = model.row_of(username)
        if row is not None:
            return model.visible[row]
        return next((r for r in model.all if r.account.username == username), None)

    def open_account_dialog(self, what: str, name: str):
        """The accounts page's actions: ``what`` names the dialog, ``name`` the account (or orphan id)."""
        from desktop import account_dialogs as d
        from desktop.backups_dialog import BackupsDialog, DownloadsDialog

        page = self.accounts_page
        if what == "add":
            dialog = d.AddAccountDialog(self.ctx, self.runner, self)
            dialog.added.connect(lambda a: (self.log_session("account", f"Account {a.username} added",
                                                             account=a.username), page.reload(keep=a.username)))
        elif what == "adopt":
            orphan = next((o for o in page.orphans_tab.model.rows if o.account_id == name), None)
            if orphan is None:
                return None
            dialog = d.AdoptDialog(self.ctx, self.runner, orphan, self)
            dialog.adopted.connect(lambda a: (self.log_session("account", f"Orphan {a.id} adopted as {a.username}",
                                                               account=a.username), page.reload(keep=a.username),
                                              page.load_orphans()))
        elif what == "reassign":
            return self._reassign(name)
        else:
            row = self._account(name)
            if row is None:
                return None
            account = row.account
            if what == "manage":
                dialog = d.ManageAccountDialog(self.ctx, self.runner, account, self)
                dialog.saved.connect(lambda a: (self.log_session("account", f"Account {a.username} changed",
                                                                 account=a.username), page.reload(keep=a.username)))
                dialog.reset_requested.connect(lambda _n, r=row: self._reset_key(r))
            elif what == "backup":
                dialog = d.OnDemandDialog(self.ctx, self.runner, account, self)
                dialog.queued.connect(lambda item: self.statusBar().showMessage(
                    f"Backup of {account.username} queued as item {item.id}; the Queue page follows it.", 10_000))
            elif what == "backups":
                dialog = BackupsDialog(self.ctx, self.runner, account.username, self)
                dialog.restore_requested.connect(lambda u, b, dlg=dialog: self.open_restore(
                    u, dlg.listing.backups if dlg.listing else [], b))
                dialog.download_requested.connect(lambda u, b, dlg=dialog: self.open_download(
                    u, dlg.listing.backups if dlg.listing else [], b))
                dialog.changed.connect(lambda: page.reload())
            elif what == "downloads":
                dialog = DownloadsDialog(self.ctx, self.runner, account.username, self)
            elif what == "tags":
                dialog = d.AccountTagsDialog(self.ctx, self.runner, account, self)
                dialog.saved.connect(lambda a: (self.log_session("account", f"Tags of {a.username}: "
                                                                 f"{', '.join(a.tags) or 'none'}", account=a.username),
                                                page.reload(keep=a.username)))
            else:
                raise ValueError(what)
        self._keep(dialog)
        dialog.show()
        return dialog

    def _reset_key(self, row):
        from desktop.account_dialogs import ResetKeyDialog

        dialog = ResetKeyDialog(self.ctx, self.runner, row.account, row.backups, self)
        dialog.done_reset.connect(lambda r: (self.log_session("key", f"Key of {r.account} reset",
                                                              detail=f"{r.deleted_backups} backups deleted",
                                                              account=r.account), self.accounts_page.reload()))
        self._keep(dialog)
        dialog.show()
        return dialog

    def _reassign(self, username: str):
        from desktop.dialogs import ask
        from desktop.ops import accounts as account_ops

        row = next((r for r in self.accounts_page.assignable_tab.model.rows if r.username == username), None)
        if row is None or not row.uuids:
            return None
        if row.account_id is None:
            self.statusBar().showMessage(f"No live account is named {username}: add or adopt it first.", 10_000)
            return None
        uuid = row.uuids[0]

        def go():
            self.runner.run(account_ops.reassign(self.ctx, uuid, username), name="reassign", lane="pool",
                            on_success=lambda a: (self.log_session("account", f"Backups of {uuid} reassigned to "
                                                                   f"{a.username}", account=a.username),
                                                  self.accounts_page.load_assignable(), self.accounts_page.reload()),
                            on_failure=self.show_error)
        self.reassign_box = ask(self, "Reassign these backups?",
                                f"The backups filed under {uuid} become backups of the account {fmt.name(username)}: "
                                "listed, restored and rotated with its own.", "&Reassign them", go)
        return self.reassign_box

    def open_restore(self, username: str, backups: list, backup_id: str | None = None, *, advanced: bool = False):
        from desktop.restore_wizard import RestoreWizard

        wizard = RestoreWizard(self.ctx, self.runner, username, backups, self, backup_id=backup_id, advanced=advanced)
        wizard.queued.connect(lambda ids: self.statusBar().showMessage(
            f"Restore of {username} queued as {', '.join(f'item {i}' for i in ids)}.", 10_000))
        self._keep(wizard)
        wizard.show()
        return wizard

    def open_download(self, username: str, backups: list, backup_id: str):
        from desktop.backups_dialog import DownloadDialog

        dialog = DownloadDialog(self.ctx, self.runner, username, backups, backup_id, self)
        dialog.queued.connect(lambda item: self.statusBar().showMessage(
            f"Download queued as item {item.id}; View downloads lists it once it ran.", 10_000))
        self._keep(dialog)
        dialog.show()
        return dialog

    # --- drag and drop --------------------------------------------------------------------------------------
    def dragEnterEvent(self, event):  # noqa: N802
        if bundle_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):  # noqa: N802
        paths = bundle_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.open_import(paths[0])

    # --- unit change notifications ------------------------------------------------------------------------
    def _subscribe_events(self):
        try:
            from core import events
        except ImportError:
            return None
        return events.subscribe(self.unit_changed.emit)

    def _on_unit_changed(self, name: str) -> None:
        self.units_page.reload(keep=name)

    def changeEvent(self, event):  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.units_page.check_for_changes()  # back from the terminal: show what the CLI changed
            page = self.pages.currentWidget()
            if page in (self.accounts_page, self.activity_page):
                page.reload()

    # --- quitting ----------------------------------------------------------------------------------------
    def closeEvent(self, event):  # noqa: N802
        running = sorted(set(self.runner.activities()) | set(self.running_work()))
        if running and not self._quit_confirmed:
            event.ignore()
            self._ask_to_quit(running)
            return
        self.settings.save_window(self.saveGeometry(), self.saveState())
        if self._unsubscribe:
            try:
                self._unsubscribe()
            except Exception:  # noqa: BLE001 - best effort on shutdown
                pass
            self._unsubscribe = None
        self.units_page.watch_timer.stop()
        self.queue_page.timer.stop()
        for dialog in list(self.open_dialogs):
            dialog.close()
        self.runner.shutdown()
        self.stop_background()     # running items go back to the queue; held ones fail (their secrets go)
        self.notifier.hide()
        super().closeEvent(event)

    def _ask_to_quit(self, running: list[str]) -> None:
        if self.quit_box is not None:
            self.quit_box.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Quit Unitvault?", quit_question(running),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("quitQuestion")
        info = "A cancelled operation changes nothing; one that is already committing finishes first."
        if self.running_work():
            info += (" Queued work this window runs goes back to the queue and runs again later (work that needs "
                     "an owner's passphrase fails: the passphrase goes with the app).")
        box.setInformativeText(info)
        self.quit_yes = box.addButton("&Cancel and quit", QMessageBox.ButtonRole.DestructiveRole)
        self.quit_no = box.addButton("&Keep working", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.quit_no)
        box.setEscapeButton(self.quit_no)
        box.finished.connect(lambda _r, b=box: self._quit_answered(b.clickedButton() is self.quit_yes))
        self.quit_box = box
        box.open()

    def _quit_answered(self, yes: bool) -> None:
        self.quit_box = None
        if yes:
            self._quit_confirmed = True
            self.statusBar().showMessage("Cancelling…")
            self.close()
