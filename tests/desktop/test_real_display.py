"""The real app on a real X server (Xvfb), driven with a real keyboard (xdotool's XTEST events): it starts,
draws its window, opens the export dialog with Ctrl+E, quits with Ctrl+Q while a large unit loads, and
leaves no traceback. Qt runs on its xcb platform here, so the test also proves its system libraries are
installed (``make test`` installs Xvfb, xdotool and those libraries; with CI=true a missing one fails the
test instead of skipping it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import part_missing

TIMEOUT = 60


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        part_missing(f"{tool} is not installed ('make test' installs it: Debian package xvfb / xdotool)")
    return path


@pytest.fixture
def display():
    """A throwaway X server on a free display number, 1280x720 with 24-bit colour."""
    xvfb = _need("Xvfb")
    _need("xdotool")
    read, write = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write)
    try:
        with os.fdopen(read) as f:
            number = f.readline().strip()
        assert number.isdigit(), proc.stderr.read().decode()[-2000:] if proc.poll() is not None else number
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def xdotool(display: str, *args: str, check: bool = True) -> str:
    done = subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True,
                          text=True, timeout=TIMEOUT)
    if check:
        assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def find_window(display: str, title: str) -> str:
    """The visible window with exactly this title (waits for it)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = xdotool(display, "search", "--onlyvisible", "--name", f"^{title}$", check=False)
        if found:
            return found.splitlines()[0]
        time.sleep(0.2)
    raise AssertionError(f"no window titled {title!r} appeared")


def screenshot(display: str, path: Path) -> None:
    """The X screen as the user sees it, grabbed through Qt's xcb platform in a process of its own."""
    code = ("import sys\nfrom PySide6.QtGui import QGuiApplication\napp = QGuiApplication(sys.argv[:1])\n"
            "sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)\n")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    done = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr


def colours(path: Path) -> int:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 720)
    return len({image.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 720, 16)})


def test_the_app_starts_on_a_real_x_server_and_answers_the_keyboard(display, tmp_path):
    from core.app.context import AppContext
    from core.unit.seed import seed_unit

    home = tmp_path / "home"
    ctx = AppContext.from_options(home)
    try:
        seed_unit(ctx.units, "big", "large", 1)  # takes a while to load: Ctrl+Q comes while it does
    finally:
        ctx.close()
    blank = tmp_path / "blank.png"
    screenshot(display, blank)
    assert colours(blank) == 1  # nothing on the screen yet
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    script = Path(sys.executable).parent / "unitvault-desktop"
    app = subprocess.Popen([str(script), "--home", str(home)], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        window = find_window(display, "Unitvault")
        xdotool(display, "windowfocus", "--sync", window)  # what a window manager would do
        shot = tmp_path / "unitvault.png"
        time.sleep(1.0)  # let the first paint land
        screenshot(display, shot)
        assert colours(shot) > 20, "the window did not draw"
        xdotool(display, "key", "ctrl+e")
        dialog = find_window(display, "Export units")
        xdotool(display, "windowfocus", "--sync", dialog)
        xdotool(display, "key", "Escape")
        deadline = time.monotonic() + TIMEOUT
        while xdotool(display, "search", "--onlyvisible", "--name", "^Export units$", check=False):
            assert time.monotonic() < deadline, "Escape did not close the export dialog"
            time.sleep(0.2)
        xdotool(display, "windowfocus", "--sync", window)
        xdotool(display, "key", "ctrl+f")
        xdotool(display, "type", "--delay", "20", "big")
        xdotool(display, "key", "Tab", "Down", "ctrl+q")  # select the large unit and quit while it loads
        out, err = app.communicate(timeout=TIMEOUT)
    finally:
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
            app.wait(timeout=30)
    assert app.returncode == 0, err[-3000:]
    assert "Traceback" not in err and "RuntimeError" not in err, err[-3000:]
    assert "Could not load the Qt platform plugin" not in err
