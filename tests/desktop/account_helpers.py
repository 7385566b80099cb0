"""Driving the account pages as a person would (shared by the account-page tests)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.desktop.conftest import WAIT_MS

QUEUE_WAIT_MS = 120_000


def settings_tab(window, qtbot, name: str):
    window.sidebar.setCurrentRow(4)
    page = window.settings_page
    titles = [page.tabs.tabText(i).replace("&", "") for i in range(page.tabs.count())]
    page.tabs.setCurrentIndex(titles.index(name))
    return page.tabs.currentWidget()


def add_local_destination(window, qtbot, name: str, path) -> None:
    tab = settings_tab(window, qtbot, "Destinations")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    d = tab.dialog
    d.name.setText(name)
    d.type.setCurrentIndex(d.type.findData("local"))
    d.path.setText(str(path))
    with qtbot.waitSignal(d.added, timeout=WAIT_MS):
        qtbot.mouseClick(d.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: name in [r.name for r in tab.model.rows], timeout=WAIT_MS)


def add_sftp_destination(window, qtbot, name: str, server, folder: str) -> object:
    """Through the dialog: the server's host key is fetched, its fingerprint shown and confirmed, then pinned."""
    tab = settings_tab(window, qtbot, "Destinations")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    d = tab.dialog
    d.name.setText(name)
    d.type.setCurrentIndex(d.type.findData("sftp"))
    d.host.setText(server.host)
    d.port.setValue(server.port)
    d.user.setText(server.user)
    d.key_file.setText(server.key_file)
    d.remote.setText(folder)
    assert d.pin.isChecked()
    qtbot.mouseClick(d.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.key_box is not None and d.key_box.isVisible(), timeout=WAIT_MS)
    shown = d.key_box.text()
    with qtbot.waitSignal(d.added, timeout=WAIT_MS):
        qtbot.mouseClick(d.key_box.yes_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: name in [r.name for r in tab.model.rows], timeout=WAIT_MS)
    return shown


def accounts_page(window, qtbot):
    window.sidebar.setCurrentRow(1)
    page = window.accounts_page
    qtbot.waitUntil(lambda: page.ever_loaded and (page._loading is None or page._loading.done), timeout=WAIT_MS)
    return page


def add_account(window, qtbot, username: str, home, units=()) -> None:
    page = accounts_page(window, qtbot)
    qtbot.mouseClick(page.accounts_tab.add_button, Qt.MouseButton.LeftButton)
    d = next(x for x in window.open_dialogs if x.objectName() == "addAccountDialog")
    d.username.setText(username)
    d.home.setText(str(home))
    for i in range(d.units.count()):
        item = d.units.item(i)
        if item.text() in units:
            item.setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(d.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.row_of(username) is not None, timeout=WAIT_MS)


def expand(window, qtbot, username: str):
    page = accounts_page(window, qtbot)
    qtbot.waitUntil(lambda: page.model.row_of(username) is not None, timeout=WAIT_MS)
    assert page.expand(username)
    qtbot.waitUntil(lambda: page.panel is not None and page.panel.row.account.username == username, timeout=WAIT_MS)
    return page.panel


def dialog_named(window, name: str):
    return next(x for x in reversed(window.open_dialogs) if x.objectName() == name)


def back_up_on_demand(window, qtbot, username: str, destination: str):
    """Create Backup On Demand: queued, then run by the window's own workers."""
    panel = expand(window, qtbot, username)
    qtbot.mouseClick(panel.backup, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "onDemandDialog")
    d.destination.setCurrentText(destination)
    assert d.backup_button.isEnabled(), d.message.text()
    with qtbot.waitSignal(d.queued, timeout=WAIT_MS, raising=False) as queued:
        qtbot.mouseClick(d.backup_button, Qt.MouseButton.LeftButton)
    assert queued.signal_triggered, d.message.text()
    return wait_item(window, qtbot, queued.args[0].id)


def wait_item(window, qtbot, item_id: int, timeout: int = QUEUE_WAIT_MS):
    from core.app import queue

    def finished():
        return queue.show_item(window.ctx, queue.QueueRef(item_id)).finished
    qtbot.waitUntil(finished, timeout=timeout)
    item = queue.show_item(window.ctx, queue.QueueRef(item_id))
    assert item.state == "done", (item.state, item.error)
    return item


def open_backups(window, qtbot, username: str):
    panel = expand(window, qtbot, username)
    qtbot.mouseClick(panel.backups, Qt.MouseButton.LeftButton)
    d = dialog_named(window, "backupsDialog")
    qtbot.waitUntil(lambda: d.listing is not None, timeout=WAIT_MS)
    return d


def open_restore(window, qtbot, username: str, pages: int = 0):
    """View backups of ``username`` -> its newest backup -> Restore; ``pages``: Next this many times."""
    listing = open_backups(window, qtbot, username)
    listing.table.selectRow(0)
    qtbot.mouseClick(listing.restore_button, Qt.MouseButton.LeftButton)
    wizard = dialog_named(window, "restoreWizard")
    for _ in range(pages):
        wizard.next()
    return wizard


def find_node(model, *labels):
    """The index of the item reached by following ``labels`` from the top (each loaded on the way)."""
    from PySide6.QtCore import QModelIndex

    parent = QModelIndex()
    for label in labels:
        rows = [model.index(r, 0, parent) for r in range(model.rowCount(parent))]
        found = [i for i in rows if model.data(i) == label]
        assert found, (label, [model.data(i) for i in rows])
        parent = found[0]
    return parent


def tick(model, *labels, on: bool = True) -> None:
    index = find_node(model, *labels)
    state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
    assert model.setData(index, state.value, Qt.ItemDataRole.CheckStateRole)
