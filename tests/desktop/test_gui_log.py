"""GUI exports and imports are written to the log like CLI commands (both go through core/app's one
wrapper): what ran, on what, and how it ended; never a password."""

from __future__ import annotations

import logging

import pytest

from tests.desktop.conftest import WAIT_MS
from tests.desktop.test_import_wizard import PASSWORD, change_demo, confirm_and_import, open_wizard, to_preview


@pytest.fixture
def log_file(demo_ctx):
    from core.logsetup import setup_logging

    handler = setup_logging(demo_ctx.home.log_file)
    yield demo_ctx.home.log_file
    logging.getLogger("unitvault").removeHandler(handler)
    handler.close()


def test_exports_and_imports_are_logged(window, qtbot, fast_kdf, bundle, tmp_path, log_file):
    d = window.open_export(["demo"])
    qtbot.addWidget(d)
    secret = "vellum-orchid-lantern-93"
    d.password.setText(secret)
    d.confirm.setText(secret)
    d.destination.setText(str(tmp_path / "out.uvault"))
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        d.export_button.click()
    target = tmp_path / "out.uvault"
    d2 = window.open_export(["demo"])  # refused: the file exists
    qtbot.addWidget(d2)
    d2.password.setText(secret)
    d2.confirm.setText(secret)
    d2.destination.setText(str(target))
    d2.export_button.click()
    qtbot.waitUntil(lambda: d2.handle.done, timeout=WAIT_MS)
    change_demo(fast_kdf)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    result = confirm_and_import(wizard, qtbot)
    text = log_file.read_text()
    assert f"bundle.export by local-admin (demo -> {target})" in text
    assert "bundle.export done" in text
    assert f"bundle.export failed: The file {target} already exists." in text
    assert f"import.apply by local-admin ({bundle} -> demo)" in text and "import.apply done" in text
    assert result.snapshot_id
    assert secret not in text and PASSWORD not in text
