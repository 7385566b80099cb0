"""Trials (slow): an import, the digest and the unit browser hold memory that does not grow with the unit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = [sys.executable, "-m", "core"]
PASSWORD = "correct horse battery staple"


def _peak_mib(cmd: list[str]) -> float:
    env = {**os.environ, "UNITVAULT_SECRETS": "file"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read().decode()
    return usage.ru_maxrss / 1024


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_import_and_digest_peak_memory_is_flat_from_small_to_large(tmp_path):
    """The large unit is ~100x the small one: an import replacing one with the other (safety
    snapshot included), and the digest, may differ in peak by a few blocks, not by the data."""
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    peaks = {}
    for size in ("small", "large"):
        home = tmp_path / size
        base = UV + ["--home", str(home)]
        for name, seed in (("src", "0"), ("dst", "1")):
            subprocess.run(base + ["unit", "seed", name, "--size", size, "--seed", seed], check=True,
                           stdout=subprocess.DEVNULL, cwd=ROOT)
        subprocess.run(base + ["kdf", "show"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        out = tmp_path / f"{size}.uvault"
        subprocess.run(base + ["export", "src", "--out", str(out), "--password-file", str(pw)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        peaks[size] = (
            _peak_mib(base + ["import", str(out), "--into", "dst", "--password-file", str(pw), "--yes",
                              "--allow-other-unit"]),
            _peak_mib(base + ["unit", "digest", "dst"]))
    assert peaks["large"][0] - peaks["small"][0] < 64, peaks
    assert peaks["large"][1] - peaks["small"][1] < 32, peaks
