"""Main window: sidebar pages, units list with counts and search, unit tabs, masked secrets, settings, drops."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QLabel

from desktop.gui_settings import GuiSettings
from desktop.models import MASK
from tests.desktop.conftest import WAIT_MS


def test_units_list_shows_counts(window):
    model = window.units_page.model
    assert [u.name for u, _ in model.rows] == ["demo"]
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row[:7] == ["demo", "Demo unit", "20", "50", "500", "10", "1,000"]


def test_unit_tabs_show_each_section(window):
    view = window.units_page.view
    assert view.plugins.rowCount() == 20
    assert view.workspaces.rowCount() == 50
    first_ws = view.workspaces.index(0, 0)
    assert view.workspaces.rowCount(first_ws) == 10  # its applications
    assert view.profiles.rowCount() == 10
    first_profile = view.profiles.index(0, 0)
    n = view.profiles.rowCount(first_profile)
    if n:  # a profile's children are its workspaces, shown by name
        child = view.profiles.data(view.profiles.index(0, 0, first_profile))
        assert child in view.data.workspace_names.values()
    assert view.keys.rowCount() == 1000


def test_secret_values_are_masked_until_revealed(window, qtbot):
    view = window.units_page.view
    keys = view.keys
    secret_rows = [i for i, w in enumerate(keys.rows) if w["secret"]]
    assert secret_rows, "the demo unit has secret config keys"
    r = secret_rows[0]
    assert keys.data(keys.index(r, 1)) == MASK
    qtbot.mouseClick(view.reveal, Qt.MouseButton.LeftButton)
    assert keys.data(keys.index(r, 1)) != MASK
    qtbot.mouseClick(view.reveal, Qt.MouseButton.LeftButton)
    assert keys.data(keys.index(r, 1)) == MASK


def test_config_key_search_filters(window, qtbot):
    view = window.units_page.view
    wanted = view.keys.rows[5]["key"]
    qtbot.keyClicks(view.keys_search, wanted)
    qtbot.waitUntil(lambda: view.keys.rowCount() < 1000, timeout=WAIT_MS)  # debounced
    assert 1 <= view.keys.rowCount()
    assert wanted in [view.keys.data(view.keys.index(i, 0)) for i in range(view.keys.rowCount())]
    assert "of 1,000 keys" in view.keys_count.text()
    view.keys_search.clear()
    view.apply_key_filter()
    assert view.keys.rowCount() == 1000


def test_search_of_masked_values_finds_nothing_secret(window, qtbot):
    view = window.units_page.view
    secret = next(w for w in view.keys.rows if w["secret"] and isinstance(w["value"], str) and len(w["value"]) > 6)
    view.reveal.setChecked(True)
    view.keys_search.setText(secret["value"])
    view.apply_key_filter()
    shown = [view.keys.data(view.keys.index(i, 0)) for i in range(view.keys.rowCount())]
    assert secret["key"] not in shown


def test_units_search(window, qtbot, demo_ctx):
    from core.unit.seed import seed_unit

    seed_unit(demo_ctx.units, "helpdesk", "small", 1)
    window.units_page.reload()
    qtbot.waitUntil(lambda: window.units_page.model.rowCount() == 2, timeout=WAIT_MS)
    window.units_page.search.setText("help")
    assert window.units_page.proxy.rowCount() == 1


def test_every_sidebar_page_is_a_real_page(window):
    """No page says "Coming in the next release" any more: each is the real page, with its own controls."""
    from PySide6.QtWidgets import QAbstractItemView

    for row in range(window.sidebar.count()):
        window.sidebar.setCurrentRow(row)
        page = window.pages.currentWidget()
        texts = " ".join(lbl.text() for lbl in page.findChildren(QLabel))
        assert "Coming in the next release" not in texts
        assert page.findChildren(QAbstractItemView), window.sidebar.item(row).text()
    assert [window.pages.widget(i) for i in range(5)] == [window.units_page, window.accounts_page, window.queue_page,
                                                          window.activity_page, window.settings_page]


def test_standard_shortcuts(window):
    assert window.import_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert window.quit_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")


def test_geometry_and_recent_files_kept_in_settings(window, demo_ctx, tmp_path):
    window.resize(900, 650)
    window.add_recent(tmp_path / "a.uvault")
    window.close()
    settings = GuiSettings(demo_ctx.home.settings_file)
    assert settings.geometry() is not None
    assert settings.recent_files() == [str((tmp_path / "a.uvault").resolve())]
    assert demo_ctx.home.settings_file.exists()
    # core's settings reader still parses the file QSettings wrote
    assert demo_ctx.settings.get("kdf/m_kib") is None


def test_about_lists_versions(window, qtbot):
    dialog = window.show_about()
    text = dialog.versions.text()
    assert "Unitvault" in text and "Qt" in text and "cryptography" in text


def test_dropping_a_bundle_opens_the_import_wizard(window, qtbot, tmp_path):
    bundle = tmp_path / "x.uvault"
    bundle.write_bytes(b"not really a bundle")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bundle))])
    event = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    wizards = [d for d in window.open_dialogs if d.__class__.__name__ == "ImportWizard"]
    assert wizards and wizards[0].choose_page.path.text() == str(bundle)


def test_other_files_are_not_accepted_for_drop(window, tmp_path):
    from desktop.mainwindow import bundle_paths

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    assert bundle_paths(mime) == []


def test_inputs_have_accessible_names(window):
    from PySide6.QtWidgets import QAbstractItemView, QAbstractSpinBox, QComboBox, QHeaderView, QLineEdit

    def check():
        for widget in (window.findChildren(QLineEdit) + window.findChildren(QAbstractItemView)
                       + window.findChildren(QComboBox) + window.findChildren(QAbstractSpinBox)):
            if not widget.isVisibleTo(window) or isinstance(widget, QHeaderView):
                continue
            if isinstance(widget, QLineEdit) and isinstance(widget.parent(), (QComboBox, QAbstractSpinBox)):
                continue                 # the editor inside a combo box or a spin box: named by its owner
            if type(widget).__name__ in ("QListView", "QCalendarWidget") and widget.window() is not window:
                continue
            assert widget.accessibleName(), (widget, window.sidebar.currentItem().text())

    for row in range(window.sidebar.count()):
        window.sidebar.setCurrentRow(row)
        tabs = getattr(window.pages.currentWidget(), "tabs", None)
        for tab in range(tabs.count()) if tabs is not None and row else [None]:
            if tab is not None:
                tabs.setCurrentIndex(tab)
            check()


def test_the_status_bar_names_the_store(window):
    label = window.store_label
    assert label.text() == "Store: SQLite on this computer"
    assert "units.sqlite3" in label.toolTip() and "catalog.sqlite3" in label.toolTip()


def test_the_status_bar_names_a_team_database_without_its_password(tmp_path):
    from core.app.context import AppContext
    from core.home import AppHome
    from desktop import ops

    url = "postgresql+psycopg://team:s3cret@db.example.org:5433/unitvault"
    ctx = AppContext(AppHome.resolve(tmp_path / "ws", url, url))   # nothing connects: where, not what
    text, tip = ops.store_label(ctx)
    assert text == "Store: PostgreSQL: unitvault on db.example.org:5433 (team mode)"
    assert "s3cret" not in tip and "db.example.org" in tip
