"""The organisation's recovery key in the desktop app: exports add its slot like ``unitvault export`` does,
and the import wizard opens a bundle with the recovery key file instead of the password."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from core.bundle import (
    default_kdf,
    export_unit,
    format_private_key,
    format_public_key,
    generate_recovery_key,
    load_recovery_identity,
    open_bundle,
    read_header,
)
from core.errors import InvalidInputError, WrongPasswordError
from core.unit.digest import unit_digest
from core.unit.seed import seed_unit
from desktop.import_wizard import P_PASSWORD, P_PREVIEW, P_VALIDATE
from tests.desktop.conftest import WAIT_MS
from tests.desktop.test_import_wizard import change_demo, confirm_and_import, open_wizard

PASSWORD = "tulip-anchor-42"


def digest(ctx, name: str) -> str:
    return unit_digest(ctx.units, ctx.units.get_unit(name).id)


@pytest.fixture
def recovery(fast_kdf, tmp_path):
    """A recovery key pair configured the way ``unitvault recovery-key use`` does; its private key in a file."""
    private, public = generate_recovery_key()
    fast_kdf.settings.set("recovery/public_key", format_public_key(public))
    key_file = tmp_path / "recovery.key"
    key_file.write_text(f"# Unitvault recovery key\n{format_private_key(private)}\n")
    return private, public, key_file


def other_key_file(tmp_path: Path) -> Path:
    private, _public = generate_recovery_key()
    path = tmp_path / "someone-else.key"
    path.write_text(format_private_key(private) + "\n")
    return path


# --- export -----------------------------------------------------------------------------------------------
def _export_dialog(window, qtbot, names, destination: Path):
    d = window.open_export(names)
    qtbot.addWidget(d)
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(destination))
    return d


def test_batch_export_adds_the_configured_recovery_slot(window, qtbot, tmp_path, fast_kdf, recovery):
    private, _public, _key_file = recovery
    seed_unit(fast_kdf.units, "north", "small", 1)
    out = tmp_path / "out"
    out.mkdir()
    d = _export_dialog(window, qtbot, ["demo", "north"], out)
    assert d.recovery_note.isVisible()
    assert d.recovery_note.text() == "A recovery slot for the organisation's key will be added."
    assert d.export_button.isEnabled()
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS) as sig:
        qtbot.mouseClick(d.export_button, Qt.MouseButton.LeftButton)
    assert not sig.args[0].failed and len(sig.args[0].written) == 2
    files = sorted(out.glob("*.uvault"))
    assert len(files) == 2
    for f in files:
        assert "recovery" in read_header(f).slots and "password" in read_header(f).slots
        manifest = open_bundle(f, recovery_identity=private).scan()  # no password needed
        assert manifest.counts == fast_kdf.units.counts(fast_kdf.units.get_unit(manifest.unit_name).id).as_dict()
        with pytest.raises(WrongPasswordError):  # and only this organisation's key opens it
            open_bundle(f, recovery_identity=generate_recovery_key()[0])


def test_single_export_adds_the_recovery_slot_too(window, qtbot, tmp_path, fast_kdf, recovery):
    private, _public, key_file = recovery
    d = _export_dialog(window, qtbot, ["demo"], tmp_path / "demo.uvault")
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        d.export_button.click()
    assert "recovery" in read_header(tmp_path / "demo.uvault").slots
    manifest = open_bundle(tmp_path / "demo.uvault", recovery_identity=load_recovery_identity(key_file)).scan()
    assert manifest.unit_name == "demo"


def test_without_a_configured_key_no_recovery_slot_is_added(window, qtbot, tmp_path, fast_kdf):
    d = _export_dialog(window, qtbot, ["demo"], tmp_path / "demo.uvault")
    assert "No recovery key is configured" in d.recovery_note.text()
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        d.export_button.click()
    assert read_header(tmp_path / "demo.uvault").slots == ("password",)


def test_an_unusable_configured_key_blocks_the_export_with_the_core_message(window, qtbot, tmp_path, fast_kdf):
    from core.bundle import parse_public_key

    bad = "UVPUB1-" + "A" * 58  # right shape, wrong checksum
    fast_kdf.settings.set("recovery/public_key", bad)
    with pytest.raises(InvalidInputError) as core_error:
        parse_public_key(bad)
    d = _export_dialog(window, qtbot, ["demo"], tmp_path / "demo.uvault")
    assert core_error.value.message in d.recovery_note.text()
    assert core_error.value.message in d.status.text()
    assert not d.export_button.isEnabled()
    d.start_export()  # refused: nothing is written
    assert d.stack.currentIndex() == 0 and not (tmp_path / "demo.uvault").exists()


# --- import with the recovery key file ----------------------------------------------------------------------
@pytest.fixture
def recovery_bundle(fast_kdf, tmp_path, recovery):
    _private, public, _key_file = recovery
    path = tmp_path / "demo.uvault"
    export_unit(fast_kdf.units, "demo", path, password=PASSWORD, recovery_public_key=public,
                kdf=default_kdf(fast_kdf.settings))
    return path


def to_recovery_validation(wizard, qtbot, key_file: Path) -> None:
    wizard.next()
    assert wizard.currentId() == P_PASSWORD
    page = wizard.password_page
    assert page.use_recovery.isEnabled() and not page.key_path.isEnabled()
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    page.use_recovery.click()
    assert page.key_path.isEnabled() and not page.password.isEnabled()
    assert not next_button.isEnabled()  # no file chosen yet
    qtbot.keyClicks(page.key_path, str(key_file))
    assert next_button.isEnabled()
    wizard.next()
    assert wizard.currentId() == P_VALIDATE
    qtbot.waitUntil(lambda: wizard.validate_page.handle.done, timeout=WAIT_MS)


def test_import_end_to_end_with_only_the_recovery_key(window, qtbot, fast_kdf, recovery_bundle, recovery):
    ctx = fast_kdf
    exported = digest(ctx, "demo")
    change_demo(ctx)
    assert digest(ctx, "demo") != exported
    wizard = open_wizard(window, qtbot, recovery_bundle)
    to_recovery_validation(wizard, qtbot, recovery[2])
    assert wizard.password_page.password.text() == ""  # no password was typed at all
    assert wizard.validate_page.ok, wizard.validate_page.error.text()
    wizard.next()
    assert wizard.currentId() == P_PREVIEW
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=WAIT_MS)
    result = confirm_and_import(wizard, qtbot)
    assert digest(ctx, "demo") == exported == result.digest_after


@pytest.mark.parametrize("kind", ["wrong-key", "not-a-key", "missing"])
def test_a_bad_recovery_key_file_shows_the_core_message_and_changes_nothing(
        window, qtbot, fast_kdf, recovery_bundle, tmp_path, kind):
    ctx = fast_kdf
    change_demo(ctx)
    before = digest(ctx, "demo")
    if kind == "wrong-key":
        key_file = other_key_file(tmp_path)
    elif kind == "not-a-key":
        key_file = tmp_path / "notes.txt"
        key_file.write_text("this is not a recovery key\n")
    else:
        key_file = tmp_path / "nowhere" / "recovery.key"
    try:
        open_bundle(recovery_bundle, recovery_identity=load_recovery_identity(key_file))
    except (WrongPasswordError, InvalidInputError) as exc:
        expected = exc
    else:
        raise AssertionError("core accepted the key file")
    assert isinstance(expected, WrongPasswordError if kind == "wrong-key" else InvalidInputError)
    wizard = open_wizard(window, qtbot, recovery_bundle)
    to_recovery_validation(wizard, qtbot, key_file)
    page = wizard.validate_page
    assert not page.ok and page.error.isVisible()
    assert html.escape(expected.message) in page.error.text()
    assert "another recovery key file" in page.error.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert wizard.validated is None
    assert digest(ctx, "demo") == before


def test_back_from_a_wrong_key_then_the_password(window, qtbot, fast_kdf, recovery_bundle, tmp_path):
    wizard = open_wizard(window, qtbot, recovery_bundle)
    to_recovery_validation(wizard, qtbot, other_key_file(tmp_path))
    assert not wizard.validate_page.ok
    wizard.back()
    page = wizard.password_page
    page.use_password.click()
    page.password.setText(PASSWORD)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.validate_page.handle.done, timeout=WAIT_MS)
    assert wizard.validate_page.ok


def test_a_bundle_without_a_recovery_slot_offers_only_the_password(window, qtbot, fast_kdf, tmp_path):
    path = tmp_path / "plain.uvault"
    export_unit(fast_kdf.units, "demo", path, password=PASSWORD, kdf=default_kdf(fast_kdf.settings))
    wizard = open_wizard(window, qtbot, path)
    wizard.next()
    page = wizard.password_page
    assert not page.use_recovery.isEnabled() and page.use_password.isChecked()
    assert "no recovery slot" in page.note.text()


def test_recovery_choice_is_keyboard_accessible(window, qtbot, fast_kdf, recovery_bundle, recovery):
    wizard = open_wizard(window, qtbot, recovery_bundle)
    wizard.show()
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=WAIT_MS)
    wizard.next()
    page = wizard.password_page
    qtbot.waitUntil(lambda: page.password.edit.hasFocus(), timeout=WAIT_MS)
    # the mnemonic (Alt+R) chooses the recovery key; Tab then goes to its file field and Browse
    qtbot.keyClick(page.password.edit, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(page.use_recovery.isChecked, timeout=WAIT_MS)  # a mnemonic "animates" its click
    assert page.use_recovery.hasFocus() and page.key_path.isEnabled() and not page.password.isEnabled()
    qtbot.keyClick(page.use_recovery, Qt.Key.Key_Tab)
    assert page.key_path.hasFocus()
    qtbot.keyClicks(page.key_path, str(recovery[2]))
    qtbot.keyClick(page.key_path, Qt.Key.Key_Tab)
    assert page.key_browse.hasFocus()
    qtbot.keyClick(page.key_browse, Qt.Key.Key_Backtab)
    qtbot.keyClick(page.key_path, Qt.Key.Key_Backtab)
    assert page.use_recovery.hasFocus()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    # Qt's radio-group convention: Tab stops at the checked choice only, the arrow keys move between them
    qtbot.keyClick(page.use_recovery, Qt.Key.Key_Up)
    assert page.use_password.isChecked() and page.use_password.hasFocus()
    assert page.password.isEnabled() and not page.key_path.isEnabled()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no password typed yet
    qtbot.keyClick(page.use_password, Qt.Key.Key_Tab)
    assert page.password.edit.hasFocus()
    for widget, name in ((page.use_password, "Open the bundle with its password"),
                         (page.use_recovery, "Open the bundle with a recovery key file instead"),
                         (page.key_path, "Recovery key file"), (page.key_browse, "Choose the recovery key file")):
        assert widget.accessibleName() == name
    page.use_recovery.click()
    qtbot.keyClick(page.key_path, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # Alt+W: back to the password
    qtbot.waitUntil(page.use_password.isChecked, timeout=WAIT_MS)
    assert page.password.isEnabled() and not page.key_path.isEnabled()


def test_a_wrong_password_points_to_the_recovery_key_when_the_bundle_has_a_slot(window, qtbot, fast_kdf,
                                                                                 recovery_bundle):
    from tests.desktop.test_import_wizard import to_validation

    wizard = open_wizard(window, qtbot, recovery_bundle)
    to_validation(wizard, qtbot, "not-the-password")
    text = wizard.validate_page.error.text()
    assert "case-sensitive" in text and "Use a recovery key file instead" in text
