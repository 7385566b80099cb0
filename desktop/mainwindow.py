"""The main window: sidebar pages, menus and toolbar, drag and drop of bundles, geometry and recent files."""

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

from desktop.errors import show_error
from desktop.gui_settings import GuiSettings
from desktop.icons import icon
from desktop.taskman import TaskRunner
from desktop.units_page import UnitsPage
from desktop.widgets import ComingSoonPage, fit_to_screen

BUNDLE_SUFFIX = ".uvault"
PAGES = (("units", "Units", "units"), ("accounts", "Account backups", "accounts"), ("queue", "Queue", "queue"),
         ("activity", "Activity", "activity"), ("settings", "Settings", "settings"))


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


def _coming_soon(key: str) -> QWidget:
    if key == "accounts":
        return ComingSoonPage(
            "Account backups", "accounts",
            "Encrypted, deduplicated backups of hosting accounts, to local folders, SFTP servers or S3 buckets.",
            ["Per-account encryption keys, held by the server or only by the account's owner",
             "On-demand backups beside scheduled jobs, with their own retention",
             "Lock a backup against rotation; verify backups without restoring them",
             "Restore a whole account, single items or single files"])
    if key == "queue":
        return ComingSoonPage(
            "Queue", "queue", "Everything waiting to run and running now, one lane per destination.",
            ["Backup, restore and download jobs with their priority", "Progress with ETA, pause and cancel",
             "Retries of transient network errors, shown as such"])
    if key == "activity":
        return ComingSoonPage(
            "Activity", "activity", "A history of what Unitvault did and who asked for it.",
            ["Exports, imports and undos of units, with the safety snapshots they kept",
             "Account backups and restores with their outcome", "Filters by unit, account and date"])
    return ComingSoonPage(
        "Settings", "settings", "Preferences for the app and the team.",
        ["Key derivation strength for new bundles (calibrated on this machine)",
         "Destinations and their credentials, kept in the system keyring",
         "The organisation's recovery key", "Notifications by email"])


class MainWindow(QMainWindow):
    unit_changed = Signal(str)  # from core.events (any thread); delivered on the GUI thread

    def __init__(self, ctx, runner: TaskRunner | None = None):
        super().__init__()
        self.ctx = ctx
        # No parent: the runner must outlive the tasks whose results come back to this window.
        self.runner = runner or TaskRunner()
        self.quit_box: QMessageBox | None = None
        self._quit_confirmed = False
        self.settings = GuiSettings(ctx.home.settings_file)
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
        for key, title, icon_name in PAGES:
            item = QListWidgetItem(icon(icon_name), title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(160, 36))
            self.sidebar.addItem(item)
            self.pages.addWidget(self._page(key))
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.setTabOrder(self.sidebar, self.units_page.search)

        self._build_actions()
        self.statusBar().showMessage("Ready")
        self.store_label = self._store_label()
        self.statusBar().addPermanentWidget(self.store_label)
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
        self.units_page.reload()
        self.units_page.search.setFocus()

    def _page(self, key: str) -> QWidget:
        if key == "units":
            return self.units_page
        if key == "settings":
            from desktop.settings_page import SettingsPage

            self.settings_page = SettingsPage(self.ctx, self.runner)
            return self.settings_page
        return _coming_soon(key)

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
        self.refresh_action = self._action("&Refresh", "refresh", lambda: self.units_page.reload(),
                                           K.Refresh, "Reload the units")
        self.quit_action = self._action("&Quit", "quit", self.close, K.Quit)
        self.about_action = self._action("&About Unitvault", "about", self.show_about)
        self.find_action = self._action("&Find unit", "search", self._focus_search, K.Find)

        menu_file = self.menuBar().addMenu("&File")
        menu_file.addAction(self.import_action)
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.setIcon(icon("file"))
        menu_file.addMenu(self.recent_menu)
        menu_file.addAction(self.export_action)
        menu_file.addSeparator()
        menu_file.addAction(self.quit_action)
        menu_edit = self.menuBar().addMenu("&Edit")
        menu_edit.addAction(self.find_action)
        menu_view = self.menuBar().addMenu("&View")
        menu_view.addAction(self.refresh_action)
        menu_view.addSeparator()
        for i, (_, title, icon_name) in enumerate(PAGES):
            menu_view.addAction(self._action(title, icon_name, lambda _=False, i=i: self.sidebar.setCurrentRow(i),
                                             f"Ctrl+{i + 1}"))
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
        self.sidebar.setCurrentRow(0)
        self.units_page.search.setFocus()
        self.units_page.search.selectAll()

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

    # --- quitting ----------------------------------------------------------------------------------------
    def closeEvent(self, event):  # noqa: N802
        running = self.runner.activities()
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
        self.runner.shutdown()
        super().closeEvent(event)

    def _ask_to_quit(self, running: list[str]) -> None:
        if self.quit_box is not None:
            self.quit_box.raise_()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Quit Unitvault?", quit_question(running),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("quitQuestion")
        box.setInformativeText("A cancelled operation changes nothing; one that is already committing finishes "
                               "first.")
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
