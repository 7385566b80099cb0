"""The keyboard as a first-class user: Enter does the safe, expected thing on every page, focus goes
where typing belongs, every mnemonic works. Keys are sent to whatever has focus, as a person's
keyboard would, through Qt's shortcut handling."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWizard

from desktop.import_wizard import P_CONFIRM, P_DONE, P_PASSWORD, P_PREVIEW, P_VALIDATE
from tests.desktop.conftest import WAIT_MS
from tests.desktop.test_import_wizard import PASSWORD, change_demo, digest, open_wizard, to_preview

K = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def activate(qtbot, window) -> None:
    window.show()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)


def focused():
    return QApplication.focusWidget()


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press at whatever has the keyboard focus."""
    widget = focused()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClick(widget, key, modifier)


def type_text(qtbot, text: str) -> None:
    widget = focused()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClicks(widget, text)


def wait_focus(qtbot, widget) -> None:
    qtbot.waitUntil(widget.hasFocus, timeout=WAIT_MS)


def press_to_next_page(qtbot, wizard, key=Qt.Key.Key_Return) -> None:
    """A key that changes the wizard's page; returns once the new page has placed its focus (as a
    person would see the page before typing on)."""
    with qtbot.waitSignal(wizard.page_ready, timeout=WAIT_MS):
        press(qtbot, key)


# --- the import wizard, from the keyboard only ---------------------------------------------------------------
def test_the_whole_import_by_keyboard(window, qtbot, fast_kdf, bundle):
    """Enter on every page: next after the bundle, validate, next after validation (never Back), next on
    the plan, the typed name imports, and Enter on the last page finishes (never Undo)."""
    ctx = fast_kdf
    exported = digest(ctx, "demo")
    change_demo(ctx)
    wizard = open_wizard(window, qtbot, bundle)
    activate(qtbot, wizard)
    wait_focus(qtbot, wizard.choose_page.path)
    press_to_next_page(qtbot, wizard)
    assert wizard.currentId() == P_PASSWORD
    assert wizard.password_page.password.edit.hasFocus()
    type_text(qtbot, PASSWORD)
    press_to_next_page(qtbot, wizard)
    assert wizard.currentId() == P_VALIDATE
    qtbot.waitUntil(lambda: wizard.validate_page.ok, timeout=WAIT_MS)
    wait_focus(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    press_to_next_page(qtbot, wizard)
    assert wizard.currentId() == P_PREVIEW
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=WAIT_MS)
    assert wizard.preview_page.target.lineEdit().hasFocus()
    press_to_next_page(qtbot, wizard)
    assert wizard.currentId() == P_CONFIRM
    assert wizard.confirm_page.typed.hasFocus()  # typing goes to the name field without a Tab
    press(qtbot, K.Key_Return)  # nothing typed yet: Enter does nothing
    assert wizard.currentId() == P_CONFIRM
    type_text(qtbot, "demo")
    press(qtbot, K.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentId() == P_DONE, timeout=WAIT_MS)
    assert digest(ctx, "demo") == exported
    done = wizard.done_page
    assert done.undo_button.isEnabled()
    done.undo_button.setFocus()  # even with the focus on Undo, Enter finishes
    wait_focus(qtbot, done.undo_button)
    with qtbot.waitSignal(wizard.finished, timeout=WAIT_MS) as finished:
        press(qtbot, K.Key_Return)
    assert finished.args == [QDialog.DialogCode.Accepted]
    assert done.confirm_box is None and done.handle is None  # Undo was not even asked for
    assert digest(ctx, "demo") == exported  # the import stays


def test_a_wrong_password_then_enter_goes_back_to_the_password_selected(window, qtbot, fast_kdf, bundle):
    wizard = open_wizard(window, qtbot, bundle)
    activate(qtbot, wizard)
    wait_focus(qtbot, wizard.choose_page.path)
    press_to_next_page(qtbot, wizard)
    type_text(qtbot, "not-the-password")
    press_to_next_page(qtbot, wizard)
    page = wizard.validate_page
    qtbot.waitUntil(lambda: page.handle.done, timeout=WAIT_MS)
    assert not page.ok and "Enter" in page.error.text()
    press_to_next_page(qtbot, wizard)
    assert wizard.currentId() == P_PASSWORD
    edit = wizard.password_page.password.edit
    assert edit.hasFocus()  # focus is back where the password is typed, all of it selected
    assert edit.selectedText() == "not-the-password"
    type_text(qtbot, PASSWORD)  # replaces the wrong one
    assert edit.text() == PASSWORD
    press(qtbot, K.Key_Return)
    assert wizard.currentId() == P_VALIDATE
    qtbot.waitUntil(lambda: page.handle.done, timeout=WAIT_MS)
    assert page.ok


def test_enter_on_the_validation_page_goes_next_even_from_the_back_button(window, qtbot, fast_kdf, bundle):
    wizard = open_wizard(window, qtbot, bundle)
    activate(qtbot, wizard)
    wizard.next()
    wizard.password_page.password.setText(PASSWORD)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.validate_page.ok, timeout=WAIT_MS)
    back = wizard.button(QWizard.WizardButton.BackButton)
    back.setFocus()
    wait_focus(qtbot, back)
    press_to_next_page(qtbot, wizard)
    assert wizard.currentId() == P_PREVIEW


def test_enter_right_after_typing_another_target_waits_for_its_plan(window, qtbot, fast_kdf, bundle):
    """The plan on screen is for the old name until the new one is read: Enter must not confirm one
    unit's name and import into another."""
    wizard = open_wizard(window, qtbot, bundle)
    activate(qtbot, wizard)
    to_preview(wizard, qtbot)
    qtbot.waitUntil(lambda: wizard.preview_page.target.lineEdit().hasFocus(), timeout=WAIT_MS)
    type_text(qtbot, "-copy")  # after the name shown ("demo"): the cursor waits at its end
    assert wizard.preview_page.target_name() == "demo-copy"
    press(qtbot, K.Key_Return)
    assert wizard.currentId() == P_PREVIEW  # the plan for "demo" is not taken for "demo-copy"
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.target_name == "demo-copy",
                    timeout=WAIT_MS)
    press_to_next_page(qtbot, wizard)
    assert wizard.currentId() == P_CONFIRM
    assert "new unit" in wizard.confirm_page.summary.text() or "the new" in wizard.confirm_page.summary.text()
    assert wizard.confirm_page.target_name() == wizard.preview.target_name == "demo-copy"


def test_undo_asks_first_and_enter_keeps_the_import(window, qtbot, fast_kdf, bundle):
    ctx = fast_kdf
    change_demo(ctx)
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.next()
    wizard.confirm_page.typed.setText("demo")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == P_DONE, timeout=WAIT_MS)
    imported = digest(ctx, "demo")
    done = wizard.done_page
    activate(qtbot, wizard)
    done.undo_button.setFocus()
    press(qtbot, K.Key_Space)  # Space presses the focused button
    qtbot.waitUntil(lambda: done.confirm_box is not None, timeout=WAIT_MS)
    box = done.confirm_box
    # what it would restore is shown before anything is done: the plan, per section and per record
    assert "Config keys" in box.informativeText() and done.undo_tree.topLevelItemCount() == 4
    assert done.undo_tree.isVisible()
    qtbot.waitUntil(box.isVisible, timeout=WAIT_MS)
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow, timeout=WAIT_MS)
    press(qtbot, K.Key_Return)  # the default answer keeps the import
    qtbot.waitUntil(lambda: done.confirm_box is None, timeout=WAIT_MS)
    assert digest(ctx, "demo") == imported
    assert "import stays" in done.undo_message.text() and done.undo_button.isEnabled()


# --- the export dialog -----------------------------------------------------------------------------------------
def _export_dialog(window, qtbot, names):
    dialog = window.open_export(names)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    return dialog


def _checks(dialog) -> list:
    return [dialog.units.item(i).checkState() for i in range(dialog.units.count())]


def test_enter_in_the_folder_field_exports(window, qtbot, fast_kdf, tmp_path):
    from core.unit.seed import seed_unit

    seed_unit(fast_kdf.units, "north", "small", 1)
    out = tmp_path / "out"
    out.mkdir()
    d = _export_dialog(window, qtbot, ["demo"])
    before = _checks(d)
    wait_focus(qtbot, d.password.edit)  # the unit comes chosen: typing starts with the password
    type_text(qtbot, PASSWORD)
    press(qtbot, K.Key_Return)  # not possible yet (no confirmation): nothing happens, nothing is ticked
    assert d.stack.currentIndex() == 0 and _checks(d) == before
    press(qtbot, K.Key_F, ALT)  # Alt+F: the Confirm field
    wait_focus(qtbot, d.confirm.edit)
    type_text(qtbot, PASSWORD)
    press(qtbot, K.Key_D, ALT)  # Alt+D: the destination
    wait_focus(qtbot, d.destination)
    d.destination.selectAll()
    type_text(qtbot, str(out / "demo.uvault"))
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        press(qtbot, K.Key_Return)
    assert _checks(d) == before  # "Select all" was not pressed
    assert (out / "demo.uvault").exists() and not (out / "north.uvault").exists()
    # the result page: Enter closes
    wait_focus(qtbot, d.done_button)
    with qtbot.waitSignal(d.finished, timeout=WAIT_MS):
        press(qtbot, K.Key_Return)


def test_enter_never_ticks_every_unit(window, qtbot, fast_kdf):
    from core.unit.seed import seed_unit

    seed_unit(fast_kdf.units, "north", "small", 1)
    d = _export_dialog(window, qtbot, [])
    before = _checks(d)
    for widget in (d.units, d.password.edit, d.confirm.edit, d.destination, d.select_none, d.select_all):
        widget.setFocus()
        wait_focus(qtbot, widget)
        press(qtbot, K.Key_Return)
        assert _checks(d) == before and d.stack.currentIndex() == 0, widget


def test_mnemonics_move_the_focus_and_typing_follows(window, qtbot, fast_kdf):
    from core.unit.seed import seed_unit

    seed_unit(fast_kdf.units, "north", "small", 1)
    seed_unit(fast_kdf.units, "wolf", "small", 2)
    d = _export_dialog(window, qtbot, ["demo"])
    d.units.setFocus()
    wait_focus(qtbot, d.units)
    d.units.setCurrentRow(0)
    row = d.units.currentRow()
    press(qtbot, K.Key_W, ALT)
    wait_focus(qtbot, d.password.edit)
    type_text(qtbot, "wolf")  # would have moved the list's selection to "wolf"
    assert d.password.text() == "wolf" and d.units.currentRow() == row
    press(qtbot, K.Key_F, ALT)
    wait_focus(qtbot, d.confirm.edit)
    type_text(qtbot, "wolf")
    assert d.confirm.text() == "wolf"
    press(qtbot, K.Key_U, ALT)
    wait_focus(qtbot, d.units)
    press(qtbot, K.Key_R, ALT)  # the Replace checkbox toggles
    qtbot.waitUntil(d.overwrite.isChecked, timeout=WAIT_MS)


def test_ctrl_e_exports_while_the_search_box_has_focus(window, qtbot):
    activate(qtbot, window)
    search = window.units_page.search
    search.setFocus()
    wait_focus(qtbot, search)
    type_text(qtbot, "dem")
    press(qtbot, K.Key_E, CTRL)
    qtbot.waitUntil(lambda: any(type(d).__name__ == "ExportDialog" for d in window.open_dialogs), timeout=WAIT_MS)
    assert search.text() == "dem"
    # the config-key search too
    for dialog in list(window.open_dialogs):
        dialog.close()
    activate(qtbot, window)
    keys_search = window.units_page.view.keys_search
    window.units_page.view.tabs.setCurrentIndex(3)
    keys_search.setFocus()
    wait_focus(qtbot, keys_search)
    press(qtbot, K.Key_E, CTRL)
    qtbot.waitUntil(lambda: any(type(d).__name__ == "ExportDialog" for d in window.open_dialogs), timeout=WAIT_MS)


def test_ordinary_editing_keys_stay_with_the_search_box(window, qtbot):
    activate(qtbot, window)
    search = window.units_page.search
    search.setFocus()
    wait_focus(qtbot, search)
    type_text(qtbot, "demo")
    press(qtbot, K.Key_A, CTRL)  # select all in the field (no window action binds it)
    assert search.selectedText() == "demo"


def test_the_main_window_starts_with_focus_in_the_search(window, qtbot):
    activate(qtbot, window)
    wait_focus(qtbot, window.units_page.search)


# --- the quit question --------------------------------------------------------------------------------------------
def test_quit_question_defaults_to_keep_working(window, qtbot, demo_ctx, tmp_path, monkeypatch):
    """Enter on the question keeps the window and the running operation."""
    import threading

    from desktop import ops

    gate = threading.Event()

    def slow_export(*args, **kwargs):
        def fn(reporter):
            while not gate.wait(0.05):
                reporter.check()
        return fn
    monkeypatch.setattr(ops, "export_units", slow_export)
    d = window.open_export(["demo"])
    qtbot.addWidget(d)
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(tmp_path / "demo.uvault"))
    d.export_button.click()
    activate(qtbot, window)
    window.close()
    qtbot.waitUntil(lambda: window.quit_box is not None and window.quit_box.isVisible(), timeout=WAIT_MS)
    box: QMessageBox = window.quit_box
    assert box.text() == "An export is running: cancel it and quit?"
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow, timeout=WAIT_MS)
    press(qtbot, K.Key_Return)
    qtbot.waitUntil(lambda: window.quit_box is None, timeout=WAIT_MS)
    assert window.isVisible() and not d.handle.done and not d.handle.is_cancel_requested
    d.progress.cancel()
    qtbot.waitUntil(lambda: d.handle.done, timeout=WAIT_MS)
    gate.set()


# --- every mnemonic works: no two visible controls of one window share a letter ---------------------------------
def _letter(text: str) -> str | None:
    import re

    m = re.search(r"&([^&])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


def clashes(window) -> dict[str, list[str]]:
    """Mnemonic letters used more than once among the controls a user sees in ``window`` now (a shared
    letter only alternates focus between them: the second never activates)."""
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenuBar, QTabBar, QWidget

    seen: dict[str, list[str]] = {}
    for w in window.findChildren(QWidget):
        if w.window() is not window or not w.isVisibleTo(window) or not w.isEnabled():
            continue
        if isinstance(w, QAbstractButton):
            texts = [w.text()]
        elif isinstance(w, QLabel) and w.buddy() is not None:
            texts = [w.text()]
        elif isinstance(w, QGroupBox):
            texts = [w.title()]
        elif isinstance(w, QTabBar):
            texts = [w.tabText(i) for i in range(w.count())]
        elif isinstance(w, QMenuBar):
            texts = [a.text() for a in w.actions()]
        else:
            continue
        for text in texts:
            letter = _letter(text)
            if letter:
                seen.setdefault(letter, []).append(text)
    return {k: v for k, v in seen.items() if len(v) > 1}


def test_no_mnemonic_is_shared_in_any_window_or_page(window, qtbot, fast_kdf, bundle, tmp_path):
    for row in range(window.sidebar.count()):
        window.sidebar.setCurrentRow(row)
        for tab in range(window.units_page.view.tabs.count()) if row == 0 else [0]:
            window.units_page.view.tabs.setCurrentIndex(tab)
            assert clashes(window) == {}, (window.sidebar.item(row).text(), tab)
    window.sidebar.setCurrentRow(0)
    d = window.open_export(["demo"])
    qtbot.addWidget(d)
    assert clashes(d) == {}
    d.password.setText(PASSWORD)
    d.confirm.setText(PASSWORD)
    d.destination.setText(str(tmp_path / "again.uvault"))
    with qtbot.waitSignal(d.exported, timeout=WAIT_MS):
        d.export_button.click()
    assert clashes(d) == {}
    wizard = open_wizard(window, qtbot, bundle)
    seen_pages = []
    for step in range(7):
        if step == 1:
            wizard.password_page.password.setText(PASSWORD)
        if step == 2:
            qtbot.waitUntil(lambda: wizard.validate_page.ok, timeout=WAIT_MS)
        if step == 3:
            qtbot.waitUntil(wizard.preview_page.isComplete, timeout=WAIT_MS)
        if step == 4:
            wizard.confirm_page.typed.setText("demo")
        if step == 5:
            qtbot.waitUntil(lambda: wizard.currentId() == 6, timeout=WAIT_MS)
            continue
        assert clashes(wizard) == {}, wizard.currentPage().title()
        seen_pages.append(wizard.currentId())
        if step < 6:
            wizard.next()
    assert len(seen_pages) == 6
