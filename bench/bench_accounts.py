"""Account backup speed against restic (Debian's package) on the same tree, local repositories.

Generates about 20,000 files / 500 MiB (small text files, some large binaries, some duplicates), then
times, for Unitvault (the CLI, each step its own process) and restic: first backup, second backup
after changing 1% of the files, full restore into a fresh directory (never right after an rm -rf).
Prints each time, the ratio, and Unitvault's peak RSS. Target: ratio <= 1.5 on each, RSS < 300 MiB.

    .venv/bin/python bench/bench_accounts.py [--files 20000] [--mib 500] [--restore-runs 3] [--keep DIR]

The restore is repeated (each run into its own fresh directory, Unitvault and restic alternating); the
table shows the best of the runs, every run is printed, and so is the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = [str(ROOT / ".venv" / "bin" / "python"), "-m", "core"]


def make_tree(root: Path, files: int, mib: int, seed: int = 1) -> list[Path]:
    rnd = random.Random(seed)
    big_count = max(4, mib // 40)
    big_total = int(mib * 0.8) << 20
    small_total = (mib << 20) - big_total
    small_avg = max(256, small_total // files)
    dirs = [root]
    root.mkdir(parents=True)
    for i in range(files // 50):
        d = rnd.choice(dirs) / f"d{i}"
        d.mkdir()
        dirs.append(d)
    words = [f"w{i}".encode() for i in range(5000)]
    made = []
    for i in range(files - big_count):
        n = max(1, int(rnd.expovariate(1 / small_avg)))
        body = b" ".join(rnd.choice(words) for _ in range(n // 5 + 1))[:n]
        p = rnd.choice(dirs) / f"f{i}.txt"
        p.write_bytes(body)
        made.append(p)
    dup = None
    for i in range(big_count):
        p = root / f"big{i}.bin"
        if i % 5 == 4 and dup is not None:
            shutil.copyfile(dup, p)           # some duplicates
        else:
            with open(p, "wb") as fh:
                left = big_total // big_count
                while left > 0:
                    n = min(left, 8 << 20)
                    fh.write(rnd.randbytes(n))
                    left -= n
            dup = p
        made.append(p)
    return made


def change_one_percent(files: list[Path], seed: int = 2) -> None:
    rnd = random.Random(seed)
    for p in rnd.sample(files, max(1, len(files) // 100)):
        with open(p, "r+b") as fh:
            fh.seek(max(0, p.stat().st_size // 2))
            fh.write(b"changed!" * 4)




def measure_rss(cmd, env) -> int:
    """Peak RSS of one run, via /usr/bin/time-like wait4."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    out, err = p.stdout.read(), p.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return dt, usage.ru_maxrss, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--mib", type=int, default=500)
    ap.add_argument("--restore-runs", type=int, default=3, help="restores to time (best is shown)")
    ap.add_argument("--keep", help="work in this directory and keep it")
    args = ap.parse_args()
    restic = shutil.which("restic")
    work = Path(args.keep or tempfile.mkdtemp(prefix="uv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    tree = work / "tree"
    print(f"generating {args.files:,} files, {args.mib} MiB in {tree} ...", flush=True)
    files = make_tree(tree, args.files, args.mib)
    size = sum(p.stat().st_size for p in files)
    print(f"tree: {len(files):,} files, {size / 2**20:.0f} MiB")

    env = dict(os.environ, UNITVAULT_SECRETS="file", RESTIC_PASSWORD="bench-password", RESTIC_CACHE_DIR=str(work / "restic-cache"))
    home = work / "uv-home"
    repo = work / "uv-repo"
    uv = [*UV, "--home", str(home)]
    subprocess.run([*uv, "account", "add", "bench", "--home-dir", str(tree)], env=env, check=True, stdout=subprocess.DEVNULL)
    sys.path.insert(0, str(ROOT))
    from core.catalog import Catalog
    from core.destinations import DestinationConfig

    repo.mkdir()
    cat = Catalog.open("sqlite:///" + str(home / "catalog.sqlite3"))
    cat.destinations.add(DestinationConfig("bench", "local", {"path": str(repo)}))
    cat.close()

    results: dict[str, dict] = {}
    rss_peak = 0
    rss_by_step: dict[str, int] = {}

    runs: dict[str, list] = {}

    def record(label, who, dt):
        runs.setdefault(label, []).append(f"{who} {dt:.2f}s")
        slot = results.setdefault(label, {})
        slot[who] = min(dt, slot.get(who, dt))

    def ours(label, cmd):
        nonlocal rss_peak
        dt, rss, out = measure_rss(cmd, env)
        rss_peak = max(rss_peak, rss)
        rss_by_step[label] = max(rss_by_step.get(label, 0), rss)
        record(label, "unitvault", dt)
        return out

    def theirs(label, cmd):
        if restic:
            dt, _rss, _out = measure_rss(cmd, env)
            record(label, "restic", dt)

    if restic:
        subprocess.run([restic, "init", "--repo", str(work / "restic-repo")], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rr = [restic or "restic", "--repo", str(work / "restic-repo"), "--quiet"]
    out = ours("first backup", [*uv, "backup", "now", "bench", "--destination", "bench", "--items", "files", "--json"])
    theirs("first backup", [*rr, "backup", str(tree)])
    change_one_percent(files)
    out = ours("second backup (1% changed)", [*uv, "backup", "now", "bench", "--destination", "bench", "--items", "files", "--json"])
    second = json.loads(out)
    theirs("second backup (1% changed)", [*rr, "backup", str(tree)])
    for i in range(max(1, args.restore_runs)):   # each into a fresh directory, never right after an rm -rf
        ours("restore", [*uv, "backup", "restore", second["id"], "--items", "files", "--mode", "merge",
                         "--to", str(work / f"uv-restore-{i}")])
        theirs("restore", [*rr, "restore", "latest", "--target", str(work / f"restic-restore-{i}")])

    print(f"\n{'step':<30}{'unitvault':>11}{'restic':>9}{'ratio':>8}")
    for label, r in results.items():
        ours_t, theirs_t = r.get("unitvault"), r.get("restic")
        ratio = f"{ours_t / theirs_t:7.2f}x" if theirs_t else "      -"
        print(f"{label:<30}{ours_t:10.2f}s{(theirs_t or 0):8.2f}s{ratio}")
    print(f"restore runs: {', '.join(runs['restore'])}")
    print(f"second backup uploaded {second['new_data'] / 2**20:.1f} MiB")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"unitvault peak RSS: {rss_peak / 1024:.0f} MiB (target < 300 MiB); per step: "
          + ", ".join(f"{k} {v / 1024:.0f} MiB" for k, v in rss_by_step.items()))
    if not restic:
        print("restic is not installed (apt-get install -y restic); only Unitvault's times are shown.")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
