"""One place maps core errors to what the user sees; a cancel shows nothing; a bug gets a report dialog."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from core import errors as E
from desktop.errors import ReportDialog, describe, show_error


@pytest.mark.parametrize("cls, title", [
    (E.WrongPasswordError, "Wrong password"), (E.DamagedBundleError, "Damaged bundle"),
    (E.NewerVersionError, "Bundle from a newer version"), (E.NotABundleError, "Not a Unitvault bundle"),
    (E.TruncatedBundleError, "Incomplete bundle"), (E.InvalidContentError, "Invalid bundle content"),
    (E.PlanRefusedError, "This import cannot be done"), (E.StoreError, "Unit store problem"),
])
def test_core_errors_map_to_title_message_and_hint(cls, title):
    info = describe(cls("The message from core.", details=["plugins[3].name: fails 'maxLength'"]))
    assert info.title == title
    assert info.message == "The message from core."
    assert info.hint  # every one says what to do next
    assert "plugins[3]" in info.detail
    assert not info.unexpected


def test_cancel_shows_nothing(app):
    assert describe(E.Cancelled()) is None
    assert show_error(None, E.Cancelled()) is None


def test_unexpected_exception_shows_report_with_traceback_and_log_path(app, qtbot, tmp_path):
    try:
        {}["missing"]
    except KeyError as exc:
        dialog = show_error(None, exc, tmp_path / "unitvault.log")
    assert isinstance(dialog, ReportDialog)
    qtbot.addWidget(dialog)
    assert "KeyError" in dialog.trace.toPlainText() and "Traceback" in dialog.trace.toPlainText()
    assert str(tmp_path / "unitvault.log") in dialog.log_label.text()


def test_known_error_shows_message_box_with_hint(app, qtbot):
    dialog = show_error(None, E.WrongPasswordError("The password does not open this bundle."))
    qtbot.addWidget(dialog)
    assert isinstance(dialog, QMessageBox)
    assert dialog.text() == "The password does not open this bundle."
    assert "case-sensitive" in dialog.informativeText()
