"""`make run` on a fresh home: the app starts, seeds the demo unit once, and stays up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from core.app.context import AppContext
from core.home import AppHome


def test_demo_is_seeded_on_first_start_only(tmp_path):
    from desktop.app import ensure_demo

    ctx = AppContext(AppHome.resolve(tmp_path / "home"))
    try:
        ensure_demo(ctx)
        demo = ctx.units.get_unit("demo")
        assert ctx.units.counts(demo.id).as_dict() == {"plugins": 20, "workspaces": 50, "applications": 500,
                                                       "profiles": 10, "config_keys": 1000}
        with ctx.units.write() as conn:
            ctx.units.delete_unit(conn, demo.id)
        ensure_demo(ctx)  # the user deleted it: it does not come back
        assert ctx.units.list_units() == []
    finally:
        ctx.close()


def test_a_home_with_units_gets_no_demo(tmp_path):
    from core.unit.seed import seed_unit
    from desktop.app import ensure_demo

    ctx = AppContext(AppHome.resolve(tmp_path / "home"))
    try:
        seed_unit(ctx.units, "mine", "small")
        ensure_demo(ctx)
        assert [u.name for u in ctx.units.list_units()] == ["mine"]
    finally:
        ctx.close()


def test_the_desktop_entry_point_starts_on_a_fresh_home(tmp_path):
    home = tmp_path / "home"
    script = Path(sys.executable).parent / "unitvault-desktop"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([str(script), "--home", str(home)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        seeded = False
        while time.monotonic() < deadline and proc.poll() is None:
            if (home / "settings.ini").exists() and "first_start_done" in (home / "settings.ini").read_text():
                seeded = True
                break
            time.sleep(0.2)
        time.sleep(1.0)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert seeded
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ctx = AppContext(AppHome.resolve(home))
    try:
        assert [u.name for u in ctx.units.list_units()] == ["demo"]
    finally:
        ctx.close()
