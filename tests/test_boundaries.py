"""The shape of the code users rely on indirectly: the shells reach the engine only through the
use cases of core/app, and nothing core raises names a command-line flag (the GUI shows core's
messages too)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("core.catalog", "core.unit.store", "core.destinations", "core.accounts", "core.bundle",
             "core.unit_import", "core.jobs")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:     # "from core import bundle" reaches core.bundle too
                yield node.lineno, f"{node.module}.{alias.name}"


def _shell_files():
    for folder in ("core/cli", "desktop"):
        yield from sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", list(_shell_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_shells_reach_the_engine_only_through_core_app(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [f"line {line}: {name}" for line, name in _imports(tree)
           if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, f"{path.relative_to(ROOT)} imports the engine directly: {bad}"


def _error_names() -> set[str]:
    import core.app.policy  # noqa: F401  (its errors too)
    from core.errors import UnitvaultError

    names, todo = set(), [UnitvaultError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _strings(node: ast.AST):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def test_no_message_raised_in_core_names_a_command_line_flag():
    errors = _error_names()
    found = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("core", "cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in errors:
                continue
            for text in _strings(node):
                if FLAG.search(text):
                    found.append(f"{rel}:{node.lineno}: {text!r}")
    assert not found, "core names CLI flags in errors:\n" + "\n".join(found)


def test_the_flag_check_sees_flags():
    """The scanner itself: a message naming a flag is found, a dash in prose is not."""
    tree = ast.parse('raise InvalidInputError("bad", hint="Use --force to replace it.")')
    assert any(FLAG.search(t) for t in _strings(tree))
    assert not FLAG.search("a well-known 4-character floor -- nothing else")
