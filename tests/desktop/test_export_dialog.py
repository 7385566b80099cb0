"""Export dialog: password rules, single and batch export through the task runner, verify, cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core.bundle import open_bundle
from core.unit.digest import unit_digest
from core.unit.seed import seed_unit
from tests.desktop.conftest import WAIT_MS

PASSWORD = "correct horse battery"


def _dialog(window, qtbot, names):
    dialog = window.open_export(names)
    qtbot.addWidget(dialog)
    return dialog


def test_password_floor_and_confirmation(window, qtbot, tmp_path):
    d = _dialog(window, qtbot, ["demo"])
    assert not d.export_button.isEnabled()
    qtbot.keyClicks(d.password.edit, "abc")
    qtbot.keyClicks(d.confirm.edit, "abc")
    assert not d.export_button.isEnabled() and "at least 4" in d.status.text()
    qtbot.keyClicks(d.password.edit, "d")
    assert not d.export_button.isEnabled() and "differ" in d.status.text()
    qtbot.keyClicks(d.confirm.edit, "d")
    assert d.export_button.isEnabled()
    assert d.meter.advice.text()  # the core's advice for a weak password


def test_generate_passphrase_fills_both_fields_and_shows_it(window, qtbot):
    d = _dialog(window, qtbot, ["demo"])
    qtbot.mouseClick(d.generate_button, Qt.MouseButton.LeftButton)
    assert len(d.password.text()) > 20 and d.password.text() == d.confirm.text()
    assert d.password.edit.echoMode() == d.password.edit.EchoMode.Normal
    assert d.meter.bar.value() >= 3


def test_show_hide_toggle(window, qtbot):
    d = _dialog(window, qtbot, ["demo"])
    assert d.password.edit.echoMode() == d.password.edit.EchoMode.Password
    d.password.toggle.trigger()
    assert d.password.edit.echoMode() == d.password.edit.EchoMode.Normal
    d.password.toggle.trigger()
    assert d.password.edit.echoMode() == d.password.edit.EchoMode.Password


def test_single_export_then_verify(window, qtbot, tmp_path, fast_kdf):
    d = _dialog(window, qtbot, ["demo"])
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(tmp_path / "demo.uvault"))
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS) as sig:
        qtbot.mouseClick(d.export_button, Qt.MouseButton.LeftButton)
    assert [Path(w.path) for w in sig.args[0].written] == [tmp_path / "demo.uvault"]
    assert d.stack.currentIndex() == 2 and "1 bundle written" in d.result_title.text()
    with qtbot.waitSignal(d.verified, timeout=WAIT_MS) as sig:
        qtbot.mouseClick(d.verify_button, Qt.MouseButton.LeftButton)
    (_path, manifest), = sig.args[0]
    assert manifest.unit_name == "demo" and manifest.counts["config_keys"] == 1000
    assert "verified" in d.verify_label.text()


def test_batch_export_of_three_units_gives_three_bundles_that_inspect(window, qtbot, tmp_path, fast_kdf):
    ctx = fast_kdf
    seed_unit(ctx.units, "north", "small", 1)
    seed_unit(ctx.units, "south", "small", 2)
    out = tmp_path / "out"
    out.mkdir()
    d = _dialog(window, qtbot, ["demo", "north", "south"])
    assert d.dest_label.text() == "Folder:"
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(out))
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS) as sig:
        d.export_button.click()
    result = sig.args[0]
    assert not result.failed and len(result.written) == 3
    files = sorted(out.glob("*.uvault"))
    assert len(files) == 3
    by_unit = {}
    for f in files:
        manifest = open_bundle(f, password=PASSWORD).scan()
        by_unit[manifest.unit_name] = manifest
    assert set(by_unit) == {"demo", "north", "south"}
    for name, manifest in by_unit.items():
        counts = ctx.units.counts(ctx.units.get_unit(name).id)
        assert manifest.counts == counts.as_dict()
    assert "3 bundles written" in d.result_title.text()
    assert d.result_list.count() == 3


def test_existing_file_is_refused_without_replace(window, qtbot, tmp_path, fast_kdf):
    target = tmp_path / "demo.uvault"
    target.write_bytes(b"keep me")
    d = _dialog(window, qtbot, ["demo"])
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(target))
    d.export_button.click()
    qtbot.waitUntil(lambda: d.stack.currentIndex() == 0 and "exists" in d.status.text().lower(), timeout=WAIT_MS)
    assert target.read_bytes() == b"keep me"


def test_cancel_during_export_writes_nothing(window, qtbot, tmp_path, demo_ctx):
    seed_unit(demo_ctx.units, "big", "medium", 3)
    before = unit_digest(demo_ctx.units, demo_ctx.units.get_unit("big").id)
    d = _dialog(window, qtbot, ["big"])
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(tmp_path / "big.uvault"))
    d.export_button.click()
    d.progress.cancel()
    qtbot.waitUntil(lambda: d.handle.done, timeout=WAIT_MS)
    assert d.stack.currentIndex() == 0 and "cancelled" in d.status.text()
    assert not (tmp_path / "big.uvault").exists()
    assert list(tmp_path.glob("*.uvault*")) == [] or all(not p.name.endswith(".uvault") for p in tmp_path.iterdir())
    assert unit_digest(demo_ctx.units, demo_ctx.units.get_unit("big").id) == before


# --- the destination the user typed is kept -------------------------------------------------------------------
def test_the_typed_folder_survives_switching_between_one_and_several_units(window, qtbot, tmp_path, fast_kdf):
    seed_unit(fast_kdf.units, "north", "small", 1)
    out = tmp_path / "my bundles"
    out.mkdir()
    d = _dialog(window, qtbot, ["demo"])
    assert d.dest_label.text() == "File:"
    d.destination.selectAll()
    qtbot.keyClicks(d.destination, str(out / "demo-today.uvault"))
    d.set_units(["demo", "north"])  # several: a folder, the one typed
    assert d.dest_label.text() == "Folder:" and d.destination.text() == str(out)
    d.set_units(["demo"])  # one again: the typed file name comes back with its folder
    assert d.destination.text() == str(out / "demo-today.uvault")
    d.set_units(["north"])  # another unit: the name follows the unit, the folder stays
    assert Path(d.destination.text()).parent == out and Path(d.destination.text()).name.startswith("north")
    d.set_units(["demo", "north"])
    d.destination.selectAll()
    other = tmp_path / "elsewhere"
    other.mkdir()
    qtbot.keyClicks(d.destination, str(other))
    d.set_units(["north"])
    assert Path(d.destination.text()).parent == other
    d.set_units(["demo", "north"])
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        d.export_button.click()
    assert len(list(other.glob("*.uvault"))) == 2 and not list(Path.home().glob("north-*.uvault"))
    assert d.folder_label.text() == f"Written to {other}"  # the result says where


def test_show_in_folder_says_where_when_no_file_manager_opens(window, qtbot, tmp_path, fast_kdf, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QApplication

    opened = []

    def no_file_manager(url):
        opened.append(url.toLocalFile())
        return False
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(no_file_manager))
    d = _dialog(window, qtbot, ["demo"])
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(tmp_path / "demo.uvault"))
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        d.export_button.click()
    qtbot.mouseClick(d.show_button, Qt.MouseButton.LeftButton)
    assert opened == [str(tmp_path)]
    assert d.open_note.isVisible() and str(tmp_path) in d.open_note.text()
    assert "No file manager" in d.open_note.text()
    assert QApplication.clipboard().text() == str(tmp_path)


def test_the_overwrite_refusal_names_the_checkbox(window, qtbot, tmp_path, fast_kdf):
    target = tmp_path / "demo.uvault"
    target.write_bytes(b"keep me")
    d = _dialog(window, qtbot, ["demo"])
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(target))
    d.export_button.click()
    qtbot.waitUntil(lambda: d.stack.currentIndex() == 0 and "exists" in d.status.text(), timeout=WAIT_MS)
    checkbox = d.overwrite.text().replace("&", "")
    assert checkbox == "Replace existing files of the same name"
    assert checkbox in d.status.text() and "--" not in d.status.text()
    assert target.read_bytes() == b"keep me"
    d.overwrite.setChecked(True)  # doing what it says works
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        d.export_button.click()
    assert target.read_bytes() != b"keep me"


def test_rtl_names_are_isolated_and_long_names_cut_in_the_list(window, qtbot, fast_kdf):
    from core.unit.seed import seed_unit as seed

    seed(fast_kdf.units, "rtl", "small", 1, display_name="שלום עולם 42")
    seed(fast_kdf.units, "long", "small", 2, display_name="Department of " + "Very " * 60 + "Long Names")
    d = _dialog(window, qtbot, [])
    items = {d.units.item(i).data(Qt.ItemDataRole.UserRole): d.units.item(i) for i in range(d.units.count())}
    rtl = items["rtl"].text()
    assert "\u2068שלום עולם 42\u2069" in rtl and rtl.index("\u2069") < rtl.index("plugins")
    long_item = items["long"]
    assert len(long_item.text()) < 200 and "…" in long_item.text()
    assert "Very " * 60 in long_item.toolTip()
    assert d.minimumSizeHint().width() < 800
