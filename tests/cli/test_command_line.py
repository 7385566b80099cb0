"""The command line builds only the group of the command given; every command is still there."""

from __future__ import annotations

import argparse

import pytest

from core.cli.main import build_parser, command_modules, command_word, main


def test_each_group_declares_exactly_the_commands_it_registers():
    """A command builds only the group whose ``COMMANDS`` name it: a group that registered a command
    it did not declare would make that command unreachable."""
    seen: list[str] = []
    for module in command_modules():
        sub = argparse.ArgumentParser().add_subparsers(dest="command")
        module.register(sub)
        assert tuple(sub.choices) == module.COMMANDS, module.__name__
        seen.extend(module.COMMANDS)
    assert len(seen) == len(set(seen)) and {"import", "export", "unit", "backup", "queue"} <= set(seen)


@pytest.mark.parametrize(("argv", "word"), [
    (["--home", "/tmp/h", "import", "f.uvault", "--into", "u"], "import"),
    (["--home=/tmp/h", "--db", "sqlite:///x", "unit", "list"], "unit"),
    (["--user", "bob", "--user-password-file", "pw", "export", "demo", "--out", "x"], "export"),
    (["destination", "add", "x", "--kind", "sftp", "--user", "bob"], "destination"),   # a command's own --user
    (["accounts", "list"], "accounts"),
    ([], None), (["-h"], None), (["--version"], None), (["--home"], None), (["--nosuch", "unit"], None),
])
def test_the_command_word_comes_after_the_global_options(argv, word):
    assert command_word(argv) == word


def test_a_command_parses_as_before_and_a_wrong_one_lists_every_command(capsys):
    args = build_parser("import").parse_args(["--home", "h", "import", "f.uvault", "--into", "u", "--dry-run"])
    assert args.command == "import" and args.dry_run and callable(args.func)
    with pytest.raises(SystemExit) as exc:
        main(["--home", "h", "imprt", "f.uvault"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "invalid choice: 'imprt'" in err and "'import'" in err and "'unit'" in err
