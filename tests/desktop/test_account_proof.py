"""The account pages end to end, as a person uses them, on the real local and SFTP destinations: add the
destination (an SFTP server's host key confirmed by its fingerprint), create an account, back it up on
demand (queued and run by the window's own workers), browse the backup, and restore two chosen files
and one unit section in merge mode. The files and the unit digest are what the core's own restore gives.
Then a lock that holds against retention, and goes with the unlock."""

from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from core.app import backups
from core.support.clock import ManualClock
from desktop.restore_wizard import P_OPTIONS, P_PLAN, P_RESTORE
from tests.desktop.account_helpers import (
    QUEUE_WAIT_MS,
    add_account,
    add_local_destination,
    add_sftp_destination,
    back_up_on_demand,
    expand,
    find_node,
    open_backups,
    settings_tab,
    tick,
)
from tests.desktop.conftest import WAIT_MS
from tests.desktop.test_import_wizard import digest

FILE_A = "docs/report.txt"
FILE_B = "mail/2027/inbox.mbox"


def make_home(root):
    for rel, body in ((FILE_A, b"the quarterly report\n" * 50), (FILE_B, b"From: a@example.com\n" * 300),
                      ("docs/notes.md", b"notes\n"), ("public_html/index.html", b"<h1>hello</h1>\n"),
                      ("cache/blob.bin", os.urandom(4096))):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(body)
    os.utime(root / FILE_A, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return root


def drift(ctx, plugins: list[str], keys: list[str]) -> None:
    """The same live changes every time: two plugins gone, one config key edited, one deleted."""
    from sqlalchemy import delete, update

    from core.unit import tables as t

    unit = ctx.units.get_unit("demo")
    with ctx.units.write() as conn:
        ctx.units.delete_keys(conn, unit.id, "plugins", plugins)
        conn.execute(update(t.config_keys).where(t.config_keys.c.unit_id == unit.id,
                                                 t.config_keys.c.key == keys[0]).values(value='"edited live"'))
        conn.execute(delete(t.config_keys).where(t.config_keys.c.unit_id == unit.id, t.config_keys.c.key == keys[1]))


@pytest.mark.parametrize("kind", ["local", "sftp"])
def test_back_up_browse_and_restore_two_files_and_a_unit_section(window, qtbot, demo_ctx, tmp_path, request, kind):
    ctx = demo_ctx
    if kind == "local":
        add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    else:
        server = request.getfixturevalue("sftp_server")
        shown = add_sftp_destination(window, qtbot, "vault", server, f"{server.root}/proof-{os.getpid()}")
        assert "SHA256:" in shown and "ssh-ed25519" in shown.lower()
        assert ctx.catalog.destinations.get("vault").params["host_key"] == server.host_key   # pinned as confirmed
    home = make_home(tmp_path / "alice")
    originals = {rel: (home / rel).read_bytes() for rel in (FILE_A, FILE_B)}
    add_account(window, qtbot, "alice", home, units=("demo",))
    item = back_up_on_demand(window, qtbot, "alice", "vault")
    assert item.kind == "backup" and item.result["backup_id"]

    # live changes after the backup: the two files lost, the unit drifted, another file changed
    unit = ctx.units.get_unit("demo")
    plugins = sorted(ctx.units.section_keys(unit.id, "plugins"))[:2]
    keys = sorted(ctx.units.section_keys(unit.id, "config_keys"))[3:5]
    for rel in originals:
        (home / rel).unlink()
    (home / "docs/notes.md").write_bytes(b"changed after the backup\n")
    drift(ctx, plugins, keys)

    # View Backups -> Restore -> advanced: browse the backup and choose the items
    dialog = open_backups(window, qtbot, "alice")
    assert dialog.model.rowCount() == 1
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    wizard = next(d for d in window.open_dialogs if d.objectName() == "restoreWizard")
    page = wizard.items_page
    page.advanced.setChecked(True)
    browser = page.browser
    qtbot.waitUntil(lambda: bool(browser.models), timeout=WAIT_MS)
    model = browser.tree.model()
    home_node = find_node(model, "Home directory")
    assert model.data(home_node.siblingAtColumn(1)) != ""                    # its size
    docs = find_node(model, "Home directory", "docs")
    assert {model.data(model.index(r, 0, docs)) for r in range(model.rowCount(docs))} == {"notes.md", "report.txt"}
    tick(model, "Home directory", "docs", "report.txt")
    tick(model, "Home directory", "mail", "2027", "inbox.mbox")
    tick(model, "Units", "demo", "Plugins")
    assert model.data(find_node(model, "Home directory", "docs"), Qt.ItemDataRole.CheckStateRole) == \
        Qt.CheckState.PartiallyChecked
    browser.search.setText("inbox")                                          # search finds the ticked file
    browser.apply_search()
    results = browser.results.model()
    assert results.rowCount() == 1 and results.data(results.index(0, 0), Qt.ItemDataRole.CheckStateRole) == \
        Qt.CheckState.Checked
    browser.search.clear()
    (backup_id, items, paths), = browser.chosen()
    assert items == "units:demo/plugins,files" and sorted(paths) == sorted([FILE_A, FILE_B])
    assert "plugins of unit" in browser.summary.text()
    wizard.next()
    assert wizard.currentId() == P_OPTIONS and wizard.options_page.merge.isChecked()
    wizard.next()
    assert wizard.currentId() == P_PLAN
    qtbot.waitUntil(lambda: bool(wizard.plan_page.outcomes), timeout=WAIT_MS)
    (outcome,) = wizard.plan_page.outcomes
    assert sorted(outcome.plan.files.paths("restore")) == sorted([FILE_A, FILE_B])
    assert outcome.plan.units[0].preview.plan.totals["added"] == 2
    assert wizard.plan_page.unit_tree.topLevelItemCount() > 0               # the import preview of the unit
    wizard.button(QWizard.WizardButton.CommitButton).click()
    assert wizard.currentId() == P_RESTORE
    qtbot.waitUntil(wizard.restore_page.isComplete, timeout=QUEUE_WAIT_MS)
    done = wizard.restore_page.items
    assert [i.state for i in done] == ["done"], [i.error for i in done]
    assert "2 restored" in wizard.restore_page.state.text()
    shown = [wizard.restore_page.result.topLevelItem(0).child(i).text(0)
             for i in range(wizard.restore_page.result.topLevelItem(0).childCount())]
    assert any(s.startswith("Unit demo") for s in shown) and any(s.startswith("Restored") for s in shown)
    gui_files = {rel: (home / rel).read_bytes() for rel in originals}
    gui_digest = digest(ctx, "demo")
    assert (home / "docs/notes.md").read_bytes() == b"changed after the backup\n"     # merge: live data kept
    wizard.close()
    dialog.close()

    # the core's own restore of the same request, from the same state, gives the same
    for rel in originals:
        (home / rel).unlink()
    shutil.rmtree(home / "mail")
    drift(ctx, plugins, keys)
    core = backups.restore_backup(ctx, backups.RestoreBackup(backup_id, items, "merge", paths=tuple(paths)))
    assert core.ok
    assert {rel: (home / rel).read_bytes() for rel in originals} == gui_files == originals
    assert digest(ctx, "demo") == gui_digest
    assert (home / FILE_A).stat().st_mtime_ns == 1_700_000_000_000_000_000


@pytest.fixture
def clocked_window(app, qtbot, home, runner, request):
    """A window on a context whose clock the test moves (retention decides by time)."""
    from core.app.context import AppContext
    from desktop.app import ensure_demo
    from desktop.mainwindow import MainWindow

    clock = ManualClock("2027-05-03T09:00:00Z")
    ctx = AppContext(home, clock=clock)
    ensure_demo(ctx)
    w = MainWindow(ctx, runner)
    qtbot.addWidget(w)
    w.show()
    yield w, clock
    for d in list(w.open_dialogs):
        d.close()
    w.close()
    runner.wait_idle(WAIT_MS)
    ctx.close()


@pytest.mark.parametrize("kind", ["local", "sftp"])
def test_a_locked_backup_survives_retention_and_goes_once_unlocked(clocked_window, qtbot, tmp_path, request, kind):
    window, clock = clocked_window
    ctx = window.ctx
    from core.app import settings

    settings.set_backup_settings(ctx, settings.SetBackupSettings(ondemand_keep=1))
    if kind == "local":
        add_local_destination(window, qtbot, "vault", tmp_path / "vault")
    else:
        server = request.getfixturevalue("sftp_server")
        add_sftp_destination(window, qtbot, "vault", server, f"{server.root}/lock-{os.getpid()}")
    add_account(window, qtbot, "bob", make_home(tmp_path / "bob"))
    first = back_up_on_demand(window, qtbot, "bob", "vault").result["backup_id"]
    clock.advance(minutes=10)
    second = back_up_on_demand(window, qtbot, "bob", "vault").result["backup_id"]

    dialog = open_backups(window, qtbot, "bob")
    rows = [b.id for b in dialog.model.rows]
    assert rows == [second, first]                                          # newest first
    dialog.table.selectRow(1)
    qtbot.mouseClick(dialog.lock_button, Qt.MouseButton.LeftButton)
    lock = dialog.lock_dialog
    lock.reason.setText("legal hold")
    lock.until.setChecked(True)
    with qtbot.waitSignal(lock.locked, timeout=WAIT_MS):
        qtbot.mouseClick(lock.lock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.model.rows) and dialog.model.rows[1].locked, timeout=WAIT_MS)
    assert "locked until" in dialog.model.data(dialog.model.index(1, 5)) and "legal hold" in \
        dialog.model.data(dialog.model.index(1, 5))
    assert not dialog.forget_button.isEnabled()                              # a locked backup cannot be forgotten

    jobs_tab = settings_tab(window, qtbot, "Jobs")

    def run_retention():
        qtbot.mouseClick(jobs_tab.run_button, Qt.MouseButton.LeftButton)
        box = jobs_tab.confirm_box
        with qtbot.waitSignal(jobs_tab.retention_done, timeout=WAIT_MS) as ran:
            qtbot.mouseClick(box.yes_button, Qt.MouseButton.LeftButton)
        return ran.args[0]

    run = run_retention()
    assert run.removed == ()
    assert {b.id for b in backups.list_backups(ctx, backups.ListBackups("bob")).backups} == {first, second}
    assert "locked" in "; ".join(next(d for d in run.decisions if d.backup_id == first).reasons)

    dialog = open_backups(window, qtbot, "bob")
    dialog.table.selectRow(1)
    assert dialog.unlock_button.isEnabled()
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.model.rows) and not dialog.model.rows[1].locked, timeout=WAIT_MS)
    qtbot.mouseClick(jobs_tab.retention_button, Qt.MouseButton.LeftButton)      # the overview first: a dry run
    qtbot.waitUntil(lambda: "would remove 1 backup" in jobs_tab.message.text(), timeout=WAIT_MS)
    assert first in jobs_tab.message.text() and second not in jobs_tab.message.text()
    assert "beyond the newest 1" in jobs_tab.message.text()
    run = run_retention()
    assert run.removed == (first,)
    assert [b.id for b in backups.list_backups(ctx, backups.ListBackups("bob")).backups] == [second]
    expand(window, qtbot, "bob")


def test_one_restore_takes_items_from_two_backups(window, qtbot, demo_ctx, tmp_path):
    """As JetBackup allows: a file as it was in the older backup and another only the newer one has,
    chosen in one wizard, planned together, queued as one restore per backup and reported together."""
    from core.app import accounts, destinations

    ctx = demo_ctx
    destinations.add_destination(ctx, destinations.AddDestination("vault", "local", path=str(tmp_path / "vault")))
    home = tmp_path / "carol"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "a.txt").write_bytes(b"the first version\n")
    accounts.add_account(ctx, accounts.AddAccount("carol", str(home)))
    older = backups.backup_now(ctx, backups.BackupNow("carol", "vault", "files")).backup_id
    (home / "docs" / "a.txt").write_bytes(b"the second version\n")
    (home / "docs" / "b.txt").write_bytes(b"only in the newer backup\n")
    newer = backups.backup_now(ctx, backups.BackupNow("carol", "vault", "files")).backup_id
    shutil.rmtree(home / "docs")

    dialog = open_backups(window, qtbot, "carol")
    assert [b.id for b in dialog.model.rows] == [newer, older]
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    wizard = next(d for d in window.open_dialogs if d.objectName() == "restoreWizard")
    page = wizard.items_page
    page.advanced.setChecked(True)
    browser = page.browser
    qtbot.waitUntil(lambda: newer in browser.models, timeout=WAIT_MS)
    tick(browser.tree.model(), "Home directory", "docs", "b.txt")
    browser.backup.setCurrentIndex(browser.backup.findData(older))            # the other backup: its own tree
    qtbot.waitUntil(lambda: older in browser.models and browser.tree.model() is browser.models[older],
                    timeout=WAIT_MS)
    tick(browser.tree.model(), "Home directory", "docs", "a.txt")
    assert browser.chosen() == [(older, "files", ("docs/a.txt",)), (newer, "files", ("docs/b.txt",))]
    assert browser.summary.text().count("from the backup of") == 2
    assert page.isComplete()
    wizard.next()
    wizard.next()
    assert wizard.currentId() == P_PLAN
    qtbot.waitUntil(lambda: bool(wizard.plan_page.outcomes), timeout=WAIT_MS)
    planned = [o.plan.files.paths("restore") for o in wizard.plan_page.outcomes]
    assert [[p for p in paths if p != "docs"] for paths in planned] == [["docs/a.txt"], ["docs/b.txt"]]
    assert wizard.plan_page.tree.topLevelItemCount() == 2
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(wizard.restore_page.isComplete, timeout=QUEUE_WAIT_MS)
    done = wizard.restore_page.items
    assert [i.state for i in done] == ["done", "done"], [i.error for i in done]
    state = wizard.restore_page.state.text()
    assert state.startswith("Restored: ") and "0 failed" in state, state
    assert wizard.restore_page.result.topLevelItemCount() == 2
    assert (home / "docs" / "a.txt").read_bytes() == b"the first version\n"
    assert (home / "docs" / "b.txt").read_bytes() == b"only in the newer backup\n"
    wizard.close()
    dialog.close()
