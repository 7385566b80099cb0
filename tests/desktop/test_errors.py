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


# --- hints name the GUI's controls, never a command-line flag --------------------------------------------------
def test_a_known_kind_gets_the_guis_own_hint_whatever_core_says():
    exc = E.AlreadyExistsError("The file /tmp/x.uvault already exists.", hint="Use --force to replace it.",
                               kind="file_exists", data={"path": "/tmp/x.uvault"})
    info = describe(exc)
    assert info.message == "The file /tmp/x.uvault already exists."
    assert "Replace existing files of the same name" in info.hint and "--force" not in info.hint
    info = describe(E.PassphraseRequired("This account's key is held by its owner."))
    assert info.title == "Passphrase needed" and "passphrase" in info.hint.lower()


@pytest.mark.parametrize("hint", ["Use --force to replace it.", "Pass --allow-other-unit after checking the preview.",
                                  "List snapshots with 'unitvault snapshots list'.",
                                  "Give the secret with --secret-file or --secret-stdin."])
def test_a_hint_written_for_the_terminal_is_never_shown(hint):
    for cls in (E.AlreadyExistsError, E.OtherUnitError, E.NotFoundError, E.DestinationError, E.UnitvaultError):
        info = describe(cls("Something happened.", hint=hint))
        assert "--" not in info.hint and "unitvault " not in info.hint, (cls, info.hint)
        assert info.message == "Something happened."


def test_every_core_class_hint_reads_in_the_gui():
    import inspect

    for _name, cls in inspect.getmembers(E, inspect.isclass):
        if issubclass(cls, E.UnitvaultError) and cls is not E.Cancelled:
            info = describe(cls("x"))
            assert "--" not in info.hint and "unitvault " not in info.hint, cls


def test_a_message_sentence_naming_a_flag_is_dropped():
    info = describe(E.InvalidInputError("Choose what to restore with --items. Nothing was restored."))
    assert info.message == "Nothing was restored."


def test_the_wrong_password_hint_offers_the_recovery_key_only_with_a_slot():
    from desktop.errors import wrong_password_hint

    assert "recovery key" in wrong_password_hint(True)
    assert "no recovery slot" in wrong_password_hint(False) and "Use a recovery key" not in wrong_password_hint(False)


def test_desktop_messages_never_name_a_cli_flag_or_command():
    """Every string the desktop's modules show: no "--flag" and no "unitvault command" (app.py parses the
    desktop's own arguments and screenshots.py is a developer tool)."""
    import ast
    from pathlib import Path

    from desktop.errors import names_cli

    root = Path(__file__).resolve().parents[2] / "desktop"
    found = []
    for path in sorted(root.glob("*.py")):
        if path.name in ("app.py", "screenshots.py"):
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue  # written for developers
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and names_cli(node.value):
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]}")
    assert found == []


def test_every_kind_the_gui_words_is_one_core_raises():
    """The table cannot rot: each kind in it is raised somewhere in core."""
    from pathlib import Path

    from desktop.errors import KIND_HINTS, names_cli

    core = Path(__file__).resolve().parents[2] / "core"
    source = "\n".join(p.read_text() for p in core.rglob("*.py") if "cli" not in p.parts)
    for kind, hint in KIND_HINTS.items():
        assert f'"{kind}"' in source, kind
        assert hint and not names_cli(hint), kind
