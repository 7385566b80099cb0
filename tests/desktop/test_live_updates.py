"""Things that change behind the user's back: the store changed by the CLI (another process), quitting
while work runs, and the task runner outliving its tasks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.unit.seed import seed_unit
from tests.desktop.conftest import WAIT_MS
from tests.desktop.test_import_wizard import change_demo, digest, open_wizard, to_preview


def cli(home: Path, *args: str) -> str:
    """The real command-line program, in its own process, on the same home."""
    script = Path(sys.executable).parent / "unitvault"
    done = subprocess.run([str(script), "--home", str(home), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def names(window) -> list[str]:
    return [u.name for u, _ in window.units_page.model.rows]


def test_a_unit_deleted_by_the_cli_disappears(window, qtbot, demo_ctx):
    seed_unit(demo_ctx.units, "north", "small", 1)
    window.units_page.reload()
    qtbot.waitUntil(lambda: names(window) == ["demo", "north"], timeout=WAIT_MS)
    assert window.units_page.current == "demo"
    cli(demo_ctx.home.root, "unit", "delete", "demo", "--yes")
    qtbot.waitUntil(lambda: names(window) == ["north"], timeout=WAIT_MS)  # no F5, no focus change
    qtbot.waitUntil(lambda: window.units_page.view.data is not None
                    and window.units_page.view.data.unit.name == "north", timeout=WAIT_MS)


def test_a_unit_changed_by_the_cli_is_reloaded(window, qtbot, demo_ctx, fast_kdf, bundle, tmp_path):
    view = window.units_page.view
    assert view.keys.rowCount() == 1000
    change_demo(demo_ctx)  # another writer (here: this process's store, not the window's tasks)
    qtbot.waitUntil(lambda: view.keys.rowCount() == 974, timeout=WAIT_MS)
    cli(demo_ctx.home.root, "unit", "seed", "west", "--size", "small", "--seed", "4")
    qtbot.waitUntil(lambda: "west" in names(window), timeout=WAIT_MS)


def test_an_unchanged_store_reloads_nothing(window, qtbot, demo_ctx):
    """Watching costs one small read: the unit's records are not read again while nothing changed."""
    loads = []
    window.units_page.unit_selected.connect(loads.append)
    page = window.units_page
    for _ in range(3):
        page.check_for_changes()
        handle = page._watch
        qtbot.waitUntil(lambda h=handle: h.done, timeout=WAIT_MS)
    assert loads == [] and page.current == "demo"


def test_regaining_focus_checks_at_once(window, qtbot, demo_ctx):
    from PySide6.QtWidgets import QWidget

    page = window.units_page
    page.watch_timer.stop()  # only the activation can notice the change now
    page.watch_timer.setInterval(3_600_000)
    other = QWidget()  # the terminal the user switched to
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(other.isActiveWindow, timeout=WAIT_MS)
    cli(demo_ctx.home.root, "unit", "seed", "east", "--size", "small", "--seed", "3")
    window.activateWindow()
    qtbot.waitUntil(lambda: "east" in names(window), timeout=WAIT_MS)


def test_a_unit_deleted_just_before_it_loads_is_no_error(window, qtbot, demo_ctx):
    seed_unit(demo_ctx.units, "north", "small", 1)
    window.units_page.reload()
    qtbot.waitUntil(lambda: names(window) == ["demo", "north"], timeout=WAIT_MS)
    window.units_page.watch_timer.stop()
    with demo_ctx.units.write() as conn:
        demo_ctx.units.delete_unit(conn, demo_ctx.units.get_unit("north").id)
    errors = []
    window.runner.unhandled_failure.connect(errors.append)
    window.units_page.select("north")  # still listed: its load finds it gone
    qtbot.waitUntil(lambda: names(window) == ["demo"], timeout=WAIT_MS)
    assert errors == []


# --- quitting -----------------------------------------------------------------------------------------------
def test_closing_during_an_import_asks_and_cancels_it(window, qtbot, fast_kdf, bundle, monkeypatch):
    import threading

    from desktop import ops

    ctx = fast_kdf
    before = digest(ctx, "demo")
    started = threading.Event()

    def slow_apply(*args, **kwargs):  # an import that takes until it is cancelled
        def fn(reporter):
            started.set()
            reporter.stage("importing", 10)
            while True:
                reporter.check()
                started.wait(0.05)
        return fn
    monkeypatch.setattr(ops, "apply", slow_apply)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.next()
    wizard.confirm_page.typed.setText("demo")
    wizard.next()
    qtbot.waitUntil(started.is_set, timeout=WAIT_MS)
    window.close()
    qtbot.waitUntil(lambda: window.quit_box is not None, timeout=WAIT_MS)
    assert window.quit_box.text() == "An import is running: cancel it and quit?"
    assert window.isVisible() and not wizard.import_page.handle.done
    window.quit_yes.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert wizard.import_page.handle.done and wizard.result is None
    assert "cancelled" in wizard.import_page.message.text()
    assert digest(ctx, "demo") == before


def test_closing_while_a_view_loads_leaves_no_error(app, qtbot, demo_ctx):
    """The runner is nobody's child and waits for its tasks: no "Signal source has been deleted" when the
    window goes while a unit's records are still being read."""
    from desktop.mainwindow import MainWindow

    seed_unit(demo_ctx.units, "big", "medium", 3)
    window = MainWindow(demo_ctx)  # its own runner, as the app has
    window.show()
    window.units_page.select("big")
    assert window.runner.busy
    runner = window.runner
    window.close()
    assert not runner.active  # every outcome was delivered before the window went
    window.deleteLater()
    qtbot.wait(300)  # pytest-qt fails the test on any exception raised in a slot meanwhile
    assert runner.activities() == []
