"""core never imports Qt, and importing any core module has no side effects."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import core

ROOT = Path(core.__file__).resolve().parent


def _core_modules() -> list[str]:
    mods = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if "migrations" in parts or parts[-1] == "__main__":
            continue  # alembic scripts run only inside alembic
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods.append(".".join(parts))
    return mods


def test_importing_every_core_module_does_not_import_qt(tmp_path):
    script = textwrap.dedent(f"""
        import importlib, sys
        for name in {_core_modules()!r}:
            importlib.import_module(name)
        bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'))
        print(','.join(bad))
    """)
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("UNITVAULT_HOME", None)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         cwd=ROOT.parent, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
    # No side effects: nothing was created in the (fake) user data dir or home.
    assert list(tmp_path.iterdir()) == []


def test_core_source_never_mentions_qt():
    offenders = [str(p) for p in ROOT.rglob("*.py") if "PySide6" in p.read_text(encoding="utf-8")]
    assert offenders == []
