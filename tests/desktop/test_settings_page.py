"""The Settings page: the organisation's recovery key (create, use, clear, open the kit), the key
derivation new bundles use, and how many safety snapshots to keep."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.bundle import (
    configured_recovery_public_key,
    default_kdf,
    export_unit,
    load_recovery_identity,
    open_bundle,
    read_header,
)
from tests.desktop.conftest import WAIT_MS


@pytest.fixture
def page(window, qtbot):
    window.sidebar.setCurrentRow(4)
    assert window.pages.currentWidget() is window.settings_page
    return window.settings_page


def wait_tasks(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.runner.active, timeout=WAIT_MS)


def test_create_a_recovery_key_and_exports_use_it(window, page, qtbot, fast_kdf, tmp_path, monkeypatch):
    ctx = fast_kdf
    folder = tmp_path / "kit"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    assert "No recovery key is configured" in page.recovery_state.text()
    assert not page.clear_button.isEnabled()
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.kit is not None, timeout=WAIT_MS)
    files = {p.name for p in folder.iterdir()}
    assert files == {"recovery.key", "recovery.pub", "recovery-kit.html"}
    public = (folder / "recovery.pub").read_text().strip()
    assert ctx.settings.get("recovery/public_key") == public
    assert public in page.recovery_state.text() and page.clear_button.isEnabled()
    assert page.kit_button.isVisible() and str(folder) in page.recovery_message.text()
    assert public in (folder / "recovery-kit.html").read_text()
    # an export now carries the slot, and the private key just written opens it
    bundle = tmp_path / "demo.uvault"
    d = window.open_export(["demo"])
    qtbot.addWidget(d)
    assert d.recovery_note.text() == "A recovery slot for the organisation's key will be added."
    d.close()
    export_unit(ctx.units, "demo", bundle, password="x" * 12, kdf=default_kdf(ctx.settings),
                recovery_public_key=configured_recovery_public_key(ctx.settings))
    assert "recovery" in read_header(bundle).slots
    open_bundle(bundle, recovery_identity=load_recovery_identity(folder / "recovery.key")).scan()


def test_open_the_kit_says_where_it_is_when_no_browser_opens(page, qtbot, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    page.create_recovery_key(tmp_path / "kit")
    qtbot.waitUntil(lambda: page.kit is not None, timeout=WAIT_MS)
    qtbot.mouseClick(page.kit_button, Qt.MouseButton.LeftButton)
    assert "No browser could be opened" in page.recovery_message.text()
    assert str(tmp_path / "kit" / "recovery-kit.html") in page.recovery_message.text()


def test_creating_over_an_existing_kit_asks_and_enter_keeps_it(window, page, qtbot, fast_kdf, tmp_path):
    folder = tmp_path / "kit"
    page.create_recovery_key(folder)
    qtbot.waitUntil(lambda: page.kit is not None, timeout=WAIT_MS)
    first = (folder / "recovery.key").read_text()
    page.kit = None
    page.create_recovery_key(folder)
    box = page.confirm_box
    assert box is not None and "Replace" in box.text() + box.windowTitle()
    box.show()
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(box.focusWidget() or box, Qt.Key.Key_Return)  # the default keeps the old key
    qtbot.waitUntil(lambda: page.confirm_box is None, timeout=WAIT_MS)
    wait_tasks(qtbot, window)
    assert (folder / "recovery.key").read_text() == first and page.kit is None


def test_use_a_public_key_file_and_refuse_the_private_one(window, page, qtbot, fast_kdf, tmp_path):
    ctx = fast_kdf
    page.create_recovery_key(tmp_path / "kit")
    qtbot.waitUntil(lambda: page.kit is not None, timeout=WAIT_MS)
    ctx.settings.set("recovery/public_key", None)
    page.refresh()
    page.use_recovery_key(tmp_path / "kit" / "recovery.key")  # the private key: refused
    qtbot.waitUntil(lambda: "private recovery key" in page.recovery_message.text(), timeout=WAIT_MS)
    assert ctx.settings.get("recovery/public_key") is None
    page.use_recovery_key(tmp_path / "kit" / "recovery.pub")
    public = (tmp_path / "kit" / "recovery.pub").read_text().strip()
    qtbot.waitUntil(lambda: ctx.settings.get("recovery/public_key") == public, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: public in page.recovery_state.text(), timeout=WAIT_MS)   # the page reads it back


def test_clear_asks_then_clears(window, page, qtbot, fast_kdf, tmp_path):
    ctx = fast_kdf
    page.create_recovery_key(tmp_path / "kit")
    qtbot.waitUntil(lambda: page.kit is not None, timeout=WAIT_MS)
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    box = page.confirm_box
    assert box is not None and ctx.settings.get("recovery/public_key")  # nothing cleared before the answer
    yes = next(b for b in box.buttons() if "lear" in b.text())
    yes.click()
    qtbot.waitUntil(lambda: ctx.settings.get("recovery/public_key") is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "No recovery key is configured" in page.recovery_state.text(), timeout=WAIT_MS)
    d = window.open_export(["demo"])
    qtbot.addWidget(d)
    assert "No recovery key is configured" in d.recovery_note.text() and "Settings page" in d.recovery_note.text()


def test_calibrate_and_return_to_the_default(window, page, qtbot, demo_ctx):
    ctx = demo_ctx
    assert ctx.settings.get("kdf/m_kib") is None and "(the default)" in page.kdf_state.text()
    assert not page.kdf_default_button.isEnabled()
    qtbot.mouseClick(page.calibrate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Calibrated" in page.kdf_message.text(), timeout=120_000)
    stored = default_kdf(ctx.settings)
    assert ctx.settings.get("kdf/m_kib") == str(stored.m_kib) and stored.m_kib >= 64 * 1024
    assert "calibrated on this computer" in page.kdf_state.text()
    assert f"{stored.m_kib // 1024} MiB" in page.kdf_state.text().replace(",", "")
    qtbot.mouseClick(page.kdf_default_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctx.settings.get("kdf/m_kib") is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "(the default)" in page.kdf_state.text(), timeout=WAIT_MS)


def test_how_many_safety_snapshots_to_keep(window, page, qtbot, demo_ctx):
    from core.unit_import.safety import keep_count

    assert page.keep.value() == keep_count(demo_ctx.home) == 10
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(page.create_button, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # Alt+K: the number
    qtbot.waitUntil(page.keep.hasFocus, timeout=WAIT_MS)
    page.keep.lineEdit().selectAll()
    qtbot.keyClicks(page.keep, "3")
    qtbot.keyClick(page.keep, Qt.Key.Key_Tab)  # leaving the field saves it
    qtbot.waitUntil(lambda: keep_count(demo_ctx.home) == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "last 3 safety snapshots" in page.keep_message.text(), timeout=WAIT_MS)


def test_settings_changed_by_the_cli_show_when_the_page_is_shown(window, page, demo_ctx, qtbot):
    window.sidebar.setCurrentRow(0)
    demo_ctx.settings.set("snapshots/keep", 7)
    window.sidebar.setCurrentRow(4)
    assert page.keep.value() == 7


def test_the_account_backup_limits_load_off_the_gui_thread_and_save_what_changed(window, page, demo_ctx, qtbot):
    """The limits are read by a worker; leaving a field saves that field (and only what differs from
    what was read): the catalog holds it and the box says so."""
    from core.app import settings

    box = page.limits
    qtbot.waitUntil(lambda: box.loaded is not None, timeout=WAIT_MS)
    before = settings.show_backup_settings(demo_ctx)
    assert box.od_max.value() == before.ondemand_max and box.od_keep.value() == before.ondemand_keep
    audit_before = len(demo_ctx.catalog.audit.list())
    box.save()                                      # nothing changed: nothing written
    wait_tasks(qtbot, window)
    assert len(demo_ctx.catalog.audit.list()) == audit_before
    box.od_max.setValue(before.ondemand_max - 1)
    box.od_max.editingFinished.emit()
    qtbot.waitUntil(lambda: settings.show_backup_settings(demo_ctx).ondemand_max == before.ondemand_max - 1,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "Saved." in box.message.text(), timeout=WAIT_MS)
    after = settings.show_backup_settings(demo_ctx)
    assert (after.ondemand_keep, after.ondemand_ttl_days) == (before.ondemand_keep, before.ondemand_ttl_days)
