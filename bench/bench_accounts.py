"""Account backup speed and memory against restic (Debian's package) on the same tree, local repositories.

Generates about 20,000 files: small text files in about 400 directories, plus forty random binaries
of 2-10 MiB, some of them copied under other names in other folders (the tree a full restore used
to fail on). Then times, for Unitvault (the CLI, each step its own process) and restic: first
backup, second backup after changing 1% of the files, full restore into a fresh directory (never
right after an rm -rf). Prints each time, the ratio, and both tools' peak RSS.

Unitvault's restore ends with a sync of the target's filesystem (it reports success only once the
files are durable); restic does not sync. So the restore is also timed in-process with every
``syncfs`` measured (how much of the time is the final sync, how much the group syncs), and restic's
restore is also shown followed by a ``sync``. Each restored tree is compared with the source.

    .venv/bin/python bench/bench_accounts.py [--files 20000] [--text-mib 250] [--restore-runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
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
BINARIES = 40


def make_tree(root: Path, files: int, text_mib: int, seed: int = 1) -> list[Path]:
    rnd = random.Random(seed)
    dirs = [root]
    root.mkdir(parents=True)
    for i in range(files // 50):
        d = rnd.choice(dirs) / f"d{i}"
        d.mkdir()
        dirs.append(d)
    words = [f"w{i}".encode() for i in range(5000)]
    small_avg = max(256, (text_mib << 20) // files)
    made = []
    for i in range(files - BINARIES):
        n = max(1, int(rnd.expovariate(1 / small_avg)))
        body = b" ".join(rnd.choice(words) for _ in range(n // 5 + 1))[:n]
        p = rnd.choice(dirs) / f"f{i}.txt"
        p.write_bytes(body)
        made.append(p)
    binaries: list[Path] = []
    for i in range(BINARIES):
        p = rnd.choice(dirs) / f"blob{i}.bin"
        if i % 4 == 3:
            shutil.copyfile(rnd.choice(binaries), p)      # the same content under another name, elsewhere
        else:
            p.write_bytes(rnd.randbytes(rnd.randint(2 << 20, 10 << 20)))
        binaries.append(p)
    return made + binaries


def change_one_percent(files: list[Path], seed: int = 2) -> None:
    rnd = random.Random(seed)
    for p in rnd.sample(files, max(1, len(files) // 100)):
        with open(p, "r+b") as fh:
            fh.seek(max(0, p.stat().st_size // 2))
            fh.write(b"changed!" * 4)


def tree_digest(root: Path) -> str:
    """Names, modes, mtimes and contents of every file below root, in one hash."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            st = p.lstat()
            h.update(f"{p.relative_to(root)}\0{st.st_mode:o}\0{st.st_mtime_ns}\0".encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def run(cmd, env) -> tuple[float, int, bytes]:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    out, err = p.stdout.read(), p.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return dt, usage.ru_maxrss, out


def restore_in_process(home: Path, backup_id: str, target: Path) -> dict:
    """One restore in this process with every syncfs timed (a child process: its own RSS, no state)."""
    code = f"""
import json, os, sys, time
sys.path.insert(0, {str(ROOT)!r})
from core.app.context import AppContext
from core.home import AppHome
from core.accounts.restore import files as writer, restore_backup
syncs = []
real = writer._syncfs
def timed(fd):
    t = time.perf_counter(); real(fd); syncs.append(time.perf_counter() - t)
writer._syncfs = timed
ctx = AppContext(AppHome.resolve({str(home)!r}))
t = time.perf_counter()
res = restore_backup(ctx, {backup_id!r}, items="files", to={str(target)!r})
total = time.perf_counter() - t
print(json.dumps({{"total": total, "syncs": syncs, "failed": list(res.files.failed),
                  "restored": len(res.files.restored)}}))
"""
    _dt, rss, out = run([UV[0], "-c", code], dict(os.environ, UNITVAULT_SECRETS="file"))
    got = json.loads(out)
    got["rss"] = rss
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--text-mib", type=int, default=250, help="total size of the text files")
    ap.add_argument("--restore-runs", type=int, default=3, help="restores to time (best is shown)")
    ap.add_argument("--keep", help="work in this directory and keep it")
    args = ap.parse_args()
    restic = shutil.which("restic")
    work = Path(args.keep or tempfile.mkdtemp(prefix="uv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    tree = work / "tree"
    print(f"generating {args.files:,} files ({BINARIES} binaries of 2-10 MiB) in {tree} ...", flush=True)
    files = make_tree(tree, args.files, args.text_mib)
    size = sum(p.stat().st_size for p in files)
    print(f"tree: {len(files):,} files, {size / 2**20:.0f} MiB")

    env = dict(os.environ, UNITVAULT_SECRETS="file", RESTIC_PASSWORD="bench-password",
               RESTIC_CACHE_DIR=str(work / "restic-cache"))
    home = work / "uv-home"
    repo = work / "uv-repo"
    uv = [*UV, "--home", str(home)]
    subprocess.run([*uv, "account", "add", "bench", "--home-dir", str(tree)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    sys.path.insert(0, str(ROOT))
    from core.catalog import Catalog
    from core.destinations import DestinationConfig

    repo.mkdir()
    cat = Catalog.open("sqlite:///" + str(home / "catalog.sqlite3"))
    cat.destinations.add(DestinationConfig("bench", "local", {"path": str(repo)}))
    cat.close()

    times: dict[str, dict[str, float]] = {}
    rss: dict[str, dict[str, int]] = {}
    runs: dict[str, list[str]] = {}

    def step(label, who, cmd):
        dt, peak, out = run(cmd, env)
        runs.setdefault(label, []).append(f"{who} {dt:.2f}s")
        t = times.setdefault(label, {})
        t[who] = min(dt, t.get(who, dt))
        r = rss.setdefault(label, {})
        r[who] = max(peak, r.get(who, 0))
        return out

    if restic:
        subprocess.run([restic, "init", "--repo", str(work / "restic-repo")], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rr = [restic or "restic", "--repo", str(work / "restic-repo"), "--quiet"]
    backup = [*uv, "backup", "now", "bench", "--destination", "bench", "--items", "files", "--json"]
    step("first backup", "unitvault", backup)
    if restic:
        step("first backup", "restic", [*rr, "backup", str(tree)])
    change_one_percent(files)
    second = json.loads(step("second backup (1% changed)", "unitvault", backup))
    if restic:
        step("second backup (1% changed)", "restic", [*rr, "backup", str(tree)])
    want = tree_digest(tree)
    synced = []
    for i in range(max(1, args.restore_runs)):   # each into a fresh directory, never right after an rm -rf
        target = work / f"uv-restore-{i}"
        out = step("restore", "unitvault", [*uv, "backup", "restore", second["id"], "--items", "files",
                                            "--mode", "merge", "--to", str(target), "--json"])
        failed = json.loads(out)["files"]["failed"]
        if failed or tree_digest(target) != want:
            sys.exit(f"the restore into {target} is not the tree: {failed[:5]}")
        if restic:
            t0 = time.perf_counter()
            step("restore", "restic", [*rr, "restore", "latest", "--target", str(work / f"restic-restore-{i}")])
            subprocess.run(["sync"], check=True)
            synced.append(time.perf_counter() - t0)
    timed = restore_in_process(home, second["id"], work / "uv-restore-timed")
    if timed["failed"]:
        sys.exit(f"the timed restore failed: {timed['failed'][:5]}")

    print(f"\n{'step':<30}{'unitvault':>11}{'restic':>9}{'ratio':>8}{'RSS uv':>9}{'RSS restic':>12}")
    for label, t in times.items():
        ours, theirs = t.get("unitvault"), t.get("restic")
        ratio = f"{ours / theirs:7.2f}x" if theirs else "      -"
        r = rss[label]
        theirs_rss = f"{r['restic'] / 1024:9.0f} MiB" if "restic" in r else "            -"
        print(f"{label:<30}{ours:10.2f}s{(theirs or 0):8.2f}s{ratio}{r['unitvault'] / 1024:5.0f} MiB{theirs_rss}")
    if synced:
        print(f"{'restore, restic + sync':<30}{'':>11}{min(synced):8.2f}s"
              f"{times['restore']['unitvault'] / min(synced):7.2f}x")
    print(f"restore runs: {', '.join(runs['restore'])}")
    syncs, total = timed["syncs"], timed["total"]
    print(f"in-process restore: {total:.2f}s, {timed['restored']:,} entries, peak RSS {timed['rss'] / 1024:.0f} MiB; "
          f"syncfs {sum(syncs):.2f}s in {len(syncs)} calls ({sum(syncs) / total:.0%} of the restore), "
          f"the final one {syncs[-1]:.2f}s ({syncs[-1] / total:.0%})")
    print(f"second backup uploaded {second['new_data'] / 2**20:.1f} MiB; every restored tree matched the source")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    if not restic:
        print("restic is not installed (apt-get install -y restic); only Unitvault's figures are shown.")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
