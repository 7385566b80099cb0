"""Trial (slow): export and inspect memory does not grow with the unit's size (streaming)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_secret

ROOT = Path(__file__).resolve().parents[3]
UV = [sys.executable, "-m", "core"]


def _peak_mib(cmd: list[str]) -> float:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, cmd
    return usage.ru_maxrss / 1024


@pytest.mark.slow
def test_peak_memory_is_flat_between_small_and_large_units(tmp_path):
    home = tmp_path / "home"
    base = UV + ["--home", str(home)]
    pw = tmp_path / "pw"
    write_secret(pw, "correct horse battery staple\n")
    peaks = {}
    for size in ("small", "large"):
        subprocess.run(base + ["unit", "seed", size, "--size", size], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        subprocess.run(base + ["kdf", "show"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        out = tmp_path / f"{size}.uvault"
        peaks[size] = (_peak_mib(base + ["export", size, "--out", str(out), "--password-file", str(pw)]),
                       _peak_mib(base + ["inspect", str(out), "--password-file", str(pw)]))
    # The large unit is ~100x the small one; the peaks may differ by a few blocks, not by the data.
    assert peaks["large"][0] - peaks["small"][0] < 64, peaks
    assert peaks["large"][1] - peaks["small"][1] < 64, peaks
