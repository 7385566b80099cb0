"""Every window fits a 1280x720 logical screen at 100% and at 200% scale: its minimum size fits, it opens
inside the screen, and its buttons are inside it (scroll areas take what does not fit)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

TITLE_BAR = 40  # logical pixels a window manager's title bar and frame may take


@pytest.mark.parametrize("scale", [1, 2])
def test_every_window_fits_a_1280x720_screen(tmp_path, scale):
    from desktop.screenshots import scaled_env

    done = subprocess.run([sys.executable, "-m", "tests.desktop.fit_probe", str(tmp_path / "home")],
                          env=scaled_env(scale), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["screen"] == [1280, 720] and report["dpr"] == scale
    width, height = report["screen"]
    names = [w["name"] for w in report["windows"]]
    assert {"export: setup", "export: result", "wizard: preview", "wizard: done", "main window: Settings",
            "main window: accounts expanded", "account: manageAccountDialog", "account: backupsDialog",
            "account: downloadDialog", "restore: items", "restore: plan", "settings: destinationDialog",
            "settings: jobDialog", "main window: Queue", "main window: Activity"} <= set(names)
    for w in report["windows"]:
        min_w, min_h = (max(a, b) for a, b in zip(w["min_hint"], w["min"], strict=True))
        assert min_w <= width and min_h <= height - TITLE_BAR, w
        x, y, fw, fh = w["frame"]
        assert x >= 0 and y >= 0 and x + fw <= width and y + fh <= height, w
        for text, inside in w["buttons"]:
            assert inside, (w["name"], text)
