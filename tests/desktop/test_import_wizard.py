"""The import wizard driven end to end against real bundles, a real unit store and the real task runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from core.app.context import AppContext
from core.bundle import default_kdf, export_unit
from core.home import AppHome
from core.unit.digest import unit_digest
from core.unit.records import SECTIONS
from core.unit.seed import seed_unit
from core.unit_import import apply_import, open_source, preview_import
from desktop.import_wizard import P_CONFIRM, P_DONE, P_IMPORT, P_PASSWORD, P_PREVIEW, P_VALIDATE
from tests.desktop.conftest import WAIT_MS
from tests.desktop.plan_helpers import kind_row, read_every_more, section_row

PASSWORD = "tulip-anchor-42"


def digest(ctx, name: str) -> str:
    return unit_digest(ctx.units, ctx.units.get_unit(name).id)


def make_bundle(ctx, unit: str, path: Path) -> Path:
    export_unit(ctx.units, unit, path, password=PASSWORD, kdf=default_kdf(ctx.settings))
    return path


def change_demo(ctx) -> None:
    """Live edits after the export: delete some config keys and plugins, change a value."""
    from sqlalchemy import delete, update

    from core.unit import tables as t

    unit = ctx.units.get_unit("demo")
    keys = sorted(ctx.units.section_keys(unit.id, "config_keys"))
    plugins = sorted(ctx.units.section_keys(unit.id, "plugins"))
    with ctx.units.write() as conn:
        ctx.units.delete_keys(conn, unit.id, "config_keys", keys[:25])
        ctx.units.delete_keys(conn, unit.id, "plugins", plugins[:2])
        conn.execute(update(t.config_keys).where(t.config_keys.c.unit_id == unit.id,
                                                 t.config_keys.c.key == keys[30]).values(value='"edited"'))
        conn.execute(delete(t.config_keys).where(t.config_keys.c.unit_id == unit.id, t.config_keys.c.key == keys[31]))


def core_round_trip(tmp_path, bundle: Path, target: str, mode: str, sections, prepare) -> str:
    """The same import done with core functions only, in a fresh home prepared the same way."""
    home = AppHome.resolve(tmp_path / "core-home")
    ctx = AppContext(home)
    try:
        seed_unit(ctx.units, "demo", "small", 0, display_name="Demo unit")
        prepare(ctx)
        source = open_source(bundle, password=PASSWORD)
        preview = preview_import(ctx.units, source, target, mode=mode, sections=sections)
        apply_import(ctx.units, ctx.home, ctx.secrets, source, preview, allow_other_unit=preview.other_unit)
        return digest(ctx, target)
    finally:
        ctx.close()


def open_wizard(window, qtbot, path: Path):
    wizard = window.open_import(path)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(wizard.choose_page.isComplete, timeout=WAIT_MS)
    return wizard


def to_validation(wizard, qtbot, password: str = PASSWORD):
    wizard.next()
    assert wizard.currentId() == P_PASSWORD
    qtbot.keyClicks(wizard.password_page.password.edit, password)
    wizard.next()
    assert wizard.currentId() == P_VALIDATE
    qtbot.waitUntil(lambda: wizard.validate_page.handle.done, timeout=WAIT_MS)


def to_preview(wizard, qtbot, password: str = PASSWORD):
    to_validation(wizard, qtbot, password)
    assert wizard.validate_page.ok, wizard.validate_page.error.text()
    wizard.next()
    assert wizard.currentId() == P_PREVIEW
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=WAIT_MS)


def settle(wizard, qtbot):
    qtbot.waitUntil(lambda: wizard.preview_page.isComplete() or wizard.preview_page.error_exc is not None,
                    timeout=WAIT_MS)


def confirm_and_import(wizard, qtbot, window=None):
    wizard.next()
    assert wizard.currentId() == P_CONFIRM
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert not commit.isEnabled()  # the unit's name must be typed first
    qtbot.keyClicks(wizard.confirm_page.typed, wizard.preview_page.target_name())
    assert commit.isEnabled()
    commit.click()
    qtbot.waitUntil(lambda: wizard.currentId() == P_DONE, timeout=WAIT_MS)
    return wizard.result


# --- good bundles -------------------------------------------------------------------------------------------
def test_good_bundle_into_the_same_unit(window, qtbot, fast_kdf, bundle):
    ctx = fast_kdf
    exported = digest(ctx, "demo")
    change_demo(ctx)
    assert digest(ctx, "demo") != exported
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    page = wizard.preview_page
    assert page.target_name() == "demo" and not page.notice.isVisible()
    assert "20 plugins" in page.counts.text() and "1,000 config keys" in page.counts.text()
    plan = wizard.preview.plan
    assert plan.section("config_keys").added == 26 and plan.section("config_keys").changed == 1
    result = confirm_and_import(wizard, qtbot)
    assert digest(ctx, "demo") == exported == result.digest_after
    assert result.snapshot_id
    # open views reload: the units browser shows the restored unit
    qtbot.waitUntil(lambda: window.units_page.view.keys.rowCount() == 1000, timeout=WAIT_MS)


def test_good_bundle_into_a_new_unit(window, qtbot, fast_kdf, bundle, tmp_path):
    ctx = fast_kdf
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.preview_page.target.setEditText("copy-of-demo")
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.target_name == "copy-of-demo",
                    timeout=WAIT_MS)
    assert "new unit" in wizard.preview_page.target_state.text()
    assert wizard.preview.plan.creates_unit
    confirm_and_import(wizard, qtbot)
    assert digest(ctx, "copy-of-demo") == digest(ctx, "demo")
    assert digest(ctx, "copy-of-demo") == core_round_trip(tmp_path, bundle, "copy-of-demo", "replace", None,
                                                          lambda c: None)
    qtbot.waitUntil(lambda: window.units_page.model.rowCount() == 2, timeout=WAIT_MS)


def test_merge_mode(window, qtbot, fast_kdf, bundle, tmp_path):
    ctx = fast_kdf
    change_demo(ctx)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.preview_page.merge.click()
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.plan.mode == "merge", timeout=WAIT_MS)
    keys = wizard.preview.plan.section("config_keys")
    assert keys.added == 26 and keys.kept == 1 and not keys.removed
    # the tree shows the live update: a "live version kept" group with the field diff
    top = wizard.preview_page.tree.topLevelItem(3)
    assert "differ (live kept)" in top.text(1)
    confirm_and_import(wizard, qtbot)
    expected = core_round_trip(tmp_path, bundle, "demo", "merge", None, change_demo)
    assert digest(ctx, "demo") == expected
    edited = [w for w in ctx.units.iter_wire(ctx.units.get_unit("demo").id, "config_keys") if w["value"] == "edited"]
    assert len(edited) == 1  # live data took precedence


def test_one_section_only(window, qtbot, fast_kdf, bundle, tmp_path):
    ctx = fast_kdf
    change_demo(ctx)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    for name, box in wizard.preview_page.section_boxes.items():
        if name != "plugins":
            box.click()
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.plan.sections == ("plugins",),
                    timeout=WAIT_MS)
    assert wizard.preview.plan.section("config_keys").action == "keep"
    confirm_and_import(wizard, qtbot)
    expected = core_round_trip(tmp_path, bundle, "demo", "replace", ("plugins",), change_demo)
    assert digest(ctx, "demo") == expected
    unit = ctx.units.get_unit("demo")
    assert ctx.units.counts(unit.id).plugins == 20 and ctx.units.counts(unit.id).config_keys == 974


def test_other_unit_is_called_out_loudly(window, qtbot, fast_kdf, bundle):
    seed_unit(fast_kdf.units, "north", "small", 5)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.preview_page.target.setEditText("north")
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.target_name == "north", timeout=WAIT_MS)
    assert wizard.preview.other_unit
    assert wizard.preview_page.notice.isVisible() and "another unit" in wizard.preview_page.notice.text()


def test_a_refused_plan_shows_its_message_and_blocks_next(window, qtbot, fast_kdf, bundle):
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.preview_page.target.setEditText("brand-new")
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.target_name == "brand-new",
                    timeout=WAIT_MS)
    boxes = wizard.preview_page.section_boxes
    boxes["plugins"].click()
    boxes["workspaces"].click()  # profiles without their workspaces in a new unit: refused by core
    boxes["config_keys"].click()
    settle(wizard, qtbot)
    assert wizard.preview_page.error_exc is not None
    assert wizard.preview_page.error.isVisible() and "workspaces" in wizard.preview_page.error.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


# --- bad bundles leave the unit unchanged -------------------------------------------------------------------
def test_wrong_password(window, qtbot, fast_kdf, bundle):
    before = digest(fast_kdf, "demo")
    wizard = open_wizard(window, qtbot, bundle)
    to_validation(wizard, qtbot, "not-the-password")
    page = wizard.validate_page
    assert not page.ok and page.error.isVisible()
    assert "password" in page.error.text().lower() and "case-sensitive" in page.error.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert digest(fast_kdf, "demo") == before


def test_damaged_bundle(window, qtbot, fast_kdf, bundle):
    before = digest(fast_kdf, "demo")
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0x40
    bundle.write_bytes(bytes(data))
    wizard = open_wizard(window, qtbot, bundle)
    to_validation(wizard, qtbot)
    page = wizard.validate_page
    assert not page.ok and page.error.isVisible()
    assert "damaged" in page.error.text().lower()
    assert digest(fast_kdf, "demo") == before


def _newer_bundle(bundle: Path) -> Path:
    vectors = Path(__file__).resolve().parents[1] / "vectors"
    found = sorted(vectors.glob("**/newer-version.uvault"))
    if found:
        return found[0]
    data = bytearray(bundle.read_bytes())
    data[8:10] = b"\x00\x09"  # the format version field, right after the magic
    bundle.write_bytes(bytes(data))
    return bundle


def test_newer_version_bundle(window, qtbot, fast_kdf, bundle):
    before = digest(fast_kdf, "demo")
    wizard = window.open_import(_newer_bundle(bundle))
    qtbot.addWidget(wizard)
    page = wizard.choose_page
    qtbot.waitUntil(lambda: page.header_error is not None, timeout=WAIT_MS)
    assert page.error.isVisible() and "newer" in page.error.text().lower() and "Update Unitvault" in page.error.text()
    assert not page.isComplete()
    assert digest(fast_kdf, "demo") == before


def test_not_a_bundle(window, qtbot, tmp_path):
    path = tmp_path / "notes.uvault"
    path.write_text("hello")
    wizard = window.open_import(path)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.choose_page.header_error is not None, timeout=WAIT_MS)
    assert "not a Unitvault bundle" in wizard.choose_page.error.text()


# --- cancel and undo ------------------------------------------------------------------------------------------
def test_cancel_during_import_leaves_the_unit_unchanged(window, qtbot, fast_kdf, bundle):
    ctx = fast_kdf
    change_demo(ctx)
    before = digest(ctx, "demo")
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.next()
    qtbot.keyClicks(wizard.confirm_page.typed, "demo")
    wizard.button(QWizard.WizardButton.CommitButton).click()
    assert wizard.currentId() == P_IMPORT
    wizard.reject()  # the wizard's Cancel during an import cancels the import, not the window
    qtbot.waitUntil(lambda: wizard.import_page.handle.done, timeout=WAIT_MS)
    assert wizard.isVisible() and "cancelled" in wizard.import_page.message.text()
    assert digest(ctx, "demo") == before
    assert wizard.result is None


def test_undo_restores_the_previous_digest(window, qtbot, fast_kdf, bundle):
    ctx = fast_kdf
    change_demo(ctx)
    before = digest(ctx, "demo")
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    confirm_and_import(wizard, qtbot)
    assert digest(ctx, "demo") != before
    done = wizard.done_page
    assert done.undo_button.isEnabled()
    undo_and_confirm(wizard, qtbot)
    assert digest(ctx, "demo") == before
    assert "Undone" in done.undo_message.text()
    qtbot.waitUntil(lambda: window.units_page.view.keys.rowCount() == 974, timeout=WAIT_MS)


def undo_and_confirm(wizard, qtbot):
    """Undo, as a user does it: the plan of what it restores is shown and asked about first."""
    done = wizard.done_page
    done.undo_button.click()
    qtbot.waitUntil(lambda: done.confirm_box is not None, timeout=WAIT_MS)
    assert done.undo_plan.info.id == wizard.result.snapshot_id
    assert done.undo_tree.topLevelItemCount() == 4  # the plan is on the page while the question is asked
    with qtbot.waitSignal(wizard.undone, timeout=WAIT_MS):
        done.undo_yes.click()
    return done.undo_plan


def test_undo_undoes_the_import_it_shows_not_the_units_latest(window, qtbot, fast_kdf, bundle, tmp_path):
    """A second import into the same unit after this one: this wizard's Undo restores this import's own
    safety snapshot (the state before it), not the latest snapshot of the unit."""
    ctx = fast_kdf
    change_demo(ctx)
    before_first = {s: wires(ctx, "demo", s) for s in SECTIONS}
    first = open_wizard(window, qtbot, bundle)
    to_preview(first, qtbot)
    confirm_and_import(first, qtbot)
    after_first = digest(ctx, "demo")
    # a later import of another bundle into the same unit (as the CLI or another window would do)
    seed_unit(ctx.units, "north", "small", 5)
    other = make_bundle(ctx, "north", tmp_path / "north.uvault")
    source = open_source(other, password=PASSWORD)
    preview = preview_import(ctx.units, source, "demo")
    second = apply_import(ctx.units, ctx.home, ctx.secrets, source, preview, allow_other_unit=True)
    assert second.snapshot_id and second.snapshot_id != first.result.snapshot_id
    assert digest(ctx, "demo") != after_first
    plan = undo_and_confirm(first, qtbot)
    assert plan.info.id == first.result.snapshot_id
    # what this import changed is back as it was before it (the unit's latest snapshot would have
    # brought back the state after it instead)
    restored = set(first.result.plan.affected_sections)
    assert restored == {"plugins", "config_keys"} and set(plan.info.sections) == restored
    for section in restored:
        assert wires(ctx, "demo", section) == before_first[section]


def wires(ctx, unit: str, section: str) -> list[dict]:
    return list(ctx.units.iter_wire(ctx.units.get_unit(unit).id, section))


def test_recent_files_remember_the_bundle(window, qtbot, fast_kdf, bundle):
    wizard = open_wizard(window, qtbot, bundle)
    wizard.next()
    assert window.settings.recent_files()[0] == str(bundle.resolve())
    assert window.recent_menu.isEnabled()


VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def _core_error(path: Path, password: str) -> Exception:
    """What core raises for this file: the wizard must show exactly its message."""
    from core.bundle import read_header
    from core.unit_import import validate

    try:
        read_header(path)
        validate(open_source(path, password=password))
    except Exception as exc:  # noqa: BLE001 - the error is the point
        return exc
    raise AssertionError(f"{path.name} was accepted")


@pytest.mark.parametrize("name", ["flip-middle-chunk", "cut-mid-chunk", "schema-missing-field",
                                  "schema-secret-value-not-echoed", "chunks-swapped", "wrong-password"])
def test_bad_vectors_show_the_core_message_and_change_nothing(window, qtbot, demo_ctx, name):
    import html
    import json

    manifest = json.loads((VECTORS / "manifest.json").read_text())
    entry = manifest[f"bad/{name}.uvault"]
    path = VECTORS / "bad" / f"{name}.uvault"
    expected = _core_error(path, entry["password"])
    assert type(expected).__name__ == entry["expect"]
    before = digest(demo_ctx, "demo")
    wizard = window.open_import(path)
    qtbot.addWidget(wizard)
    choose = wizard.choose_page
    qtbot.waitUntil(lambda: choose.isComplete() or choose.header_error is not None, timeout=WAIT_MS)
    if choose.header_error is not None:  # caught by the header check, before any password is asked
        page = choose
    else:
        to_validation(wizard, qtbot, entry["password"])
        page = wizard.validate_page
        assert not page.ok
    assert page.error.isVisible()
    assert html.escape(expected.message) in page.error.text()
    # the hint is the GUI's own wording of core's (a wrong password: the recovery key is offered only
    # when the bundle has a recovery slot)
    from core.bundle import read_header
    from core.errors import WrongPasswordError
    from desktop.errors import describe, wrong_password_hint

    hint = (wrong_password_hint("recovery" in read_header(path).slots) if isinstance(expected, WrongPasswordError)
            else describe(expected).hint)
    assert hint and html.escape(hint) in page.error.text()
    assert digest(demo_ctx, "demo") == before


def test_back_after_a_wrong_password_then_the_right_one(window, qtbot, fast_kdf, bundle):
    wizard = open_wizard(window, qtbot, bundle)
    to_validation(wizard, qtbot, "nope")
    assert not wizard.validate_page.ok
    wizard.back()
    assert wizard.currentId() == P_PASSWORD
    wizard.password_page.password.setText(PASSWORD)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.validate_page.handle.done, timeout=WAIT_MS)
    assert wizard.validate_page.ok and not wizard.validate_page.error.isVisible()


def test_dropping_a_bundle_on_the_wizard(window, qtbot, fast_kdf, bundle, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    wizard = window.open_import()
    qtbot.addWidget(wizard)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bundle))])
    wizard.dropEvent(QDropEvent(QPoint(5, 5).toPointF(), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(wizard.choose_page.isComplete, timeout=WAIT_MS)
    assert wizard.choose_page.path.text() == str(bundle)


def test_wizard_inputs_have_accessible_names(window, qtbot, fast_kdf, bundle):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QHeaderView, QLineEdit

    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    for page in (wizard.choose_page, wizard.password_page, wizard.preview_page, wizard.confirm_page):
        for widget in page.findChildren(QLineEdit) + page.findChildren(QAbstractItemView) + \
                page.findChildren(QComboBox):
            if isinstance(widget, QHeaderView) or widget.window() is not wizard:  # combo popups
                continue
            if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QComboBox):
                continue
            assert widget.accessibleName(), (page.title(), widget)
        for button in page.findChildren(QAbstractButton):
            assert button.text() or button.accessibleName(), (page.title(), button)


# --- safety snapshots: the page says when none is kept, and why ---------------------------------------------
def test_a_new_unit_keeps_no_snapshot_and_says_why(window, qtbot, fast_kdf, bundle):
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.preview_page.target.setEditText("copy-of-demo")
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.target_name == "copy-of-demo",
                    timeout=WAIT_MS)
    wizard.next()
    page = wizard.confirm_page
    assert not page.snapshot.isChecked() and not page.snapshot.isEnabled()  # no tick the result would deny
    assert page.snapshot_note.isVisible() and "the unit is new" in page.snapshot_note.text()
    qtbot.keyClicks(page.typed, "copy-of-demo")
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.currentId() == P_DONE, timeout=WAIT_MS)
    assert wizard.result.snapshot_id is None
    text = wizard.done_page.summary.text()
    assert "No safety snapshot was kept: the unit is new" in text
    assert not wizard.done_page.undo_button.isEnabled()


def test_an_identical_reimport_says_nothing_changed(window, qtbot, fast_kdf, bundle):
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    assert not wizard.preview.plan.has_changes
    wizard.next()
    page = wizard.confirm_page
    assert not page.snapshot.isChecked() and not page.snapshot.isEnabled()
    assert "already matches the bundle" in page.snapshot_note.text()
    qtbot.keyClicks(page.typed, "demo")
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.currentId() == P_DONE, timeout=WAIT_MS)
    assert wizard.result.snapshot_id is None
    assert "No safety snapshot was kept: the unit already matched the bundle" in wizard.done_page.summary.text()


def test_a_snapshot_declined_by_the_user_is_said_so(window, qtbot, fast_kdf, bundle):
    change_demo(fast_kdf)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.next()
    page = wizard.confirm_page
    assert page.snapshot.isChecked() and page.snapshot.isEnabled() and not page.snapshot_note.isVisible()
    page.snapshot.click()
    qtbot.keyClicks(page.typed, "demo")
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.currentId() == P_DONE, timeout=WAIT_MS)
    assert "No safety snapshot was kept: you chose not to keep one" in wizard.done_page.summary.text()


def test_a_wrong_password_offers_the_recovery_key_only_when_the_bundle_has_a_slot(window, qtbot, fast_kdf, bundle):
    from core.bundle import read_header

    assert "recovery" not in read_header(bundle).slots
    wizard = open_wizard(window, qtbot, bundle)
    to_validation(wizard, qtbot, "not-the-password")
    text = wizard.validate_page.error.text()
    assert "case-sensitive" in text and "recovery key" not in text and "no recovery slot" in text


# --- every change on demand -----------------------------------------------------------------------------------
def test_more_changes_are_read_on_demand_from_the_keyboard(window, qtbot, fast_kdf, bundle, monkeypatch):
    """Beyond the keys a plan lists (here 20 of each kind), a kind's "… more" row reads the next ones
    (here 400 at a time) on a worker: select it, Alt+H; Enter stays the wizard's Next."""
    import importlib

    from PySide6.QtCore import Qt

    from desktop import import_pages, plan_view

    monkeypatch.setattr(importlib.import_module("core.unit_import.compare"), "KEY_CAP", 50)
    monkeypatch.setattr(importlib.import_module("core.unit_import.compare"), "SAMPLE", 20)
    monkeypatch.setattr(plan_view, "MORE_STEP", 400)
    monkeypatch.setattr(import_pages, "MORE_STEP", 400)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    page = wizard.preview_page
    page.target.setEditText("copy-of-demo")  # a new unit: all 1,000 config keys are added
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.target_name == "copy-of-demo",
                    timeout=WAIT_MS)
    added = section_row(page.tree, "Config keys").child(0)
    assert added.text(0).startswith("Added (1,000)") and added.childCount() == 21
    assert not page.more_button.isEnabled()  # nothing chosen yet
    expected = sorted(fast_kdf.units.section_keys(fast_kdf.units.get_unit("demo").id, "config_keys"))
    assert read_every_more(qtbot, page.tree, added, page.more_button, 1000, 20, 400) == expected
    assert wizard.currentId() == P_PREVIEW
    assert not page.more_button.isEnabled()
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    assert wizard.currentId() == P_CONFIRM


def test_the_undo_plan_reads_more_of_its_changes_from_the_keyboard(window, qtbot, fast_kdf, bundle, monkeypatch):
    """Undo's plan lists the first changes of each kind; its "… more" rows read the next ones from
    the safety snapshot and the unit (Alt+H), and the import stays until Undo is confirmed."""
    import importlib

    from desktop import plan_view
    from tests.desktop.test_keyboard import activate

    compare = importlib.import_module("core.unit_import.compare")
    monkeypatch.setattr(compare, "KEY_CAP", 10)
    monkeypatch.setattr(compare, "SAMPLE", 5)
    monkeypatch.setattr(plan_view, "MORE_STEP", 8)
    ctx = fast_kdf
    unit = ctx.units.get_unit("demo")
    change_demo(ctx)
    before = set(ctx.units.section_keys(unit.id, "config_keys"))
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    confirm_and_import(wizard, qtbot)
    imported = digest(ctx, "demo")
    gone_again = sorted(set(ctx.units.section_keys(unit.id, "config_keys")) - before)   # what Undo removes
    done = wizard.done_page
    done.undo_button.click()
    qtbot.waitUntil(lambda: done.confirm_box is not None, timeout=WAIT_MS)
    done.undo_no.click()                                                   # keep the import, read the plan
    qtbot.waitUntil(lambda: done.confirm_box is None, timeout=WAIT_MS)
    activate(qtbot, wizard)                                                # the question's box is gone
    removed = kind_row(section_row(done.undo_tree, "Config keys"), "Removed")
    assert removed.text(0).startswith(f"Removed ({len(gone_again)})") and removed.childCount() == 6
    assert read_every_more(qtbot, done.undo_tree, removed, done.undo_more, len(gone_again), 5, 8) == gone_again
    assert digest(ctx, "demo") == imported                                 # listing undid nothing
