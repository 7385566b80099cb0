"""Desktop fixtures: a real home with the small demo unit, the app's style, a task runner, the main window."""

from __future__ import annotations

import pytest

WAIT_MS = 30_000


@pytest.fixture
def app(qapp):
    from PySide6.QtCore import QLocale

    from desktop.app import make_app

    # numbers and dates follow the user's locale (desktop/fmt.py): tests read them in one known locale
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    return make_app()


@pytest.fixture
def demo_ctx(ctx):
    from desktop.app import ensure_demo

    ensure_demo(ctx)
    return ctx


@pytest.fixture
def runner(app):
    from desktop.taskman import TaskRunner

    r = TaskRunner()
    yield r
    r.cancel_all()
    r.wait_idle(WAIT_MS)


@pytest.fixture
def window(app, qtbot, demo_ctx, runner):
    from desktop.mainwindow import MainWindow

    w = MainWindow(demo_ctx, runner)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.units_page.view.data is not None, timeout=WAIT_MS)
    yield w
    for dialog in list(w.open_dialogs):
        dialog.close()
    runner.wait_idle(WAIT_MS)


def wait_task(qtbot, handle, timeout: int = WAIT_MS) -> None:
    """Wait until a task handle delivered its outcome (success, failure or cancel)."""
    qtbot.waitUntil(lambda: handle.done, timeout=timeout)


@pytest.fixture
def fast_kdf(demo_ctx):
    """The floor KDF (64 MiB, t=2) instead of the calibrated default, to keep tests quick."""
    demo_ctx.settings.set("kdf/m_kib", 65536)
    demo_ctx.settings.set("kdf/t", 2)
    demo_ctx.settings.set("kdf/p", 1)
    return demo_ctx


@pytest.fixture
def bundle(fast_kdf, tmp_path):
    """The demo unit exported with the wizard tests' password (tests/desktop/test_import_wizard.py)."""
    from core.bundle import default_kdf, export_unit

    path = tmp_path / "demo.uvault"
    export_unit(fast_kdf.units, "demo", path, password="tulip-anchor-42", kdf=default_kdf(fast_kdf.settings))
    return path
