"""Prune trials: ``unitvault prune`` in a subprocess is killed with SIGKILL at random moments, with
backups running in between. Afterwards, whatever the kills interrupted, every backup that was not
forgotten verifies with --read-data and restores byte for byte.

``make test`` runs a few trials; ``make trials`` (-m slow) runs many (UNITVAULT_TRIALS overrides).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.accounts.treegen import make_tree, snapshot_of

ROOT = Path(__file__).resolve().parents[2]


def cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "core", "--home", str(home), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def killed_prune(home: Path, delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "core", "--home", str(home), "prune", "repo"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def run_trials(tmp_path: Path, trials: int, seed: int) -> None:
    rng = random.Random(seed)
    home = tmp_path / "home"
    tree = make_tree(tmp_path / "alice", files=60, big=2, big_size=2 << 20, seed=seed)
    cli(home, "destination", "add", "repo", "--type", "local", "--path", str(tmp_path / "repo"))
    cli(home, "account", "add", "alice", "--home-dir", str(tree))
    cli(home, "settings", "set", "--ondemand-max", "99")
    # no grace: a pack marked by one prune may go with the very next one (the harshest setting)
    import sqlite3

    db = sqlite3.connect(home / "catalog.sqlite3")
    db.execute("INSERT INTO catalog_settings (key, value) VALUES ('prune/grace_minutes', '0')")
    db.commit()
    db.close()
    kept: dict[str, dict] = {}
    for _trial in range(trials):
        # change the tree a little, back it up, forget an older backup now and then
        victim = tree / f"file{rng.randrange(60):04d}.txt"
        if victim.exists():
            victim.write_bytes(os.urandom(rng.randrange(1, 5000)))
        out = cli(home, "backup", "now", "alice", "--destination", "repo", "--items", "files", "--json").stdout
        bid = json.loads(out)["id"]
        kept[bid] = snapshot_of(tree)
        if len(kept) > 2 and rng.random() < 0.6:
            old = rng.choice(sorted(kept)[:-1])
            cli(home, "backup", "forget", old, "--yes")
            del kept[old]
        killed_prune(home, rng.uniform(0.05, 1.2))
    cli(home, "prune", "repo")
    cli(home, "prune", "repo")
    for bid, expected in kept.items():
        verify = json.loads(cli(home, "backup", "verify", bid, "--read-data", "--json", check=False).stdout)
        assert verify["ok"], (bid, verify["problems"])
        target = tmp_path / f"restore-{bid}"
        cli(home, "backup", "restore", bid, "--items", "files", "--mode", "merge", "--to", str(target))
        assert snapshot_of(target) == expected


def test_prune_killed_at_random_moments_loses_nothing(tmp_path):
    run_trials(tmp_path, trials=4, seed=1)


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
def test_prune_killed_at_random_moments_loses_nothing_many_times(tmp_path):
    run_trials(tmp_path, trials=int(os.environ.get("UNITVAULT_TRIALS", "40")), seed=2)
