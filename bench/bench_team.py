"""Team mode benchmark (issue 16): the queue and the unit store on PostgreSQL.

1. **The queue, shared.** Four worker processes (each a WorkerPool of one thread, as ``unitvault
   queue run`` on four workstations) work one PostgreSQL catalog's queue of 2,000 small jobs. One
   worker is killed (SIGKILL) in the middle of a job; its item is taken back when its lease (5 s, the
   shortest allowed) runs out and run by another. Checked, not timed: every job completed exactly
   once, every item ``done``. Printed: jobs per second (first claim to last finish) and each claim's
   latency (median, 95th percentile, max).
2. **The large demo unit** exported and imported (``unitvault export`` / ``import`` into an existing
   unit of the same size, safety snapshot included, interpreter start included) on SQLite and on
   PostgreSQL, same run, same machine.

PostgreSQL is a throwaway cluster (tests/servers.py: initdb + postgres on 127.0.0.1) with its
default durability (fsync on), like SQLite's ``synchronous=FULL``. Prints figures; asserts nothing.

    .venv/bin/python -m bench.bench_team [--jobs 2000] [--workers 4] [--size large]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password"
SPAWN = multiprocessing.get_context("spawn")
LEASE = 5   # seconds: the shortest lease the queue accepts (core/jobs/workers.py: MIN_LEASE)


# --- 1. the queue ---------------------------------------------------------------------------------------
def _append(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def worker(url: str, root: str, log: str, barrier, hang_at: int) -> None:
    """One workstation's pool (one thread). ``hang_at`` > 0: stop for good inside that many-th job
    (to be killed there)."""
    import hashlib

    from core.app.context import AppContext
    from core.home import AppHome
    from core.jobs.workers import WorkerPool

    ctx = AppContext(AppHome.resolve(root, url, url))
    queue = ctx.catalog.queue
    claim = queue.claim
    latencies: list[float] = []

    def timed_claim(*a, **kw):
        t = time.perf_counter()
        try:
            return claim(*a, **kw)
        finally:
            latencies.append(time.perf_counter() - t)

    queue.claim = timed_claim
    ran = [0]
    payload = os.urandom(16 * 1024)

    def runner(ctx, item, reporter, secrets):
        ran[0] += 1
        if ran[0] == hang_at:
            _append(log, f"hang {item.id} {os.getpid()}")
            time.sleep(3600)
        digest = hashlib.sha256(payload + item.id.to_bytes(8, "big")).hexdigest()   # a small job
        _append(log, f"ran {item.id} {os.getpid()} {time.time():.6f}")
        return {"digest": digest[:16]}, None

    try:
        barrier.wait()
        WorkerPool(ctx, 1, runners={"backup": runner}, poll=0.05, beat=0.5).run(until_empty=True)
    finally:
        _append(log, "latencies " + json.dumps(latencies))
        ctx.close()


def bench_queue(server, jobs: int, workers: int, work: Path) -> dict:
    from core.app.context import AppContext
    from core.home import AppHome

    db = server.create_database("queue")
    url = server.url(db)
    root = work / "queue-home"
    ctx = AppContext(AppHome.resolve(root, url, url))
    try:
        ctx.catalog.settings.set("queue.lease_seconds", LEASE)
        with ctx.catalog.write() as c:
            for n in range(jobs):
                ctx.catalog.queue.enqueue("backup", {"n": n}, conn=c)
    finally:
        ctx.close()
    log = str(work / "queue.log")
    barrier = SPAWN.Barrier(workers + 1)
    procs = [SPAWN.Process(target=worker, args=(url, str(root), log, barrier, 60 if i == 0 else 0), daemon=True)
             for i in range(workers)]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.time()
    victim = procs[0]
    while True:   # kill the first worker inside its 60th job
        text = Path(log).read_text() if os.path.exists(log) else ""
        if any(line.startswith("hang ") for line in text.splitlines()):
            os.kill(victim.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    for p in procs[1:]:
        p.join(600)
    victim.join(10)
    # The survivors stop when nothing is left they could claim; an item whose lease had not run out
    # by then is taken back and finished by one more pool (a fifth workstation arriving later).
    ctx = AppContext(AppHome.resolve(root, url, url))
    try:
        left = ctx.catalog.queue.counts()
        if left["queued"] or left["running"]:
            time.sleep(LEASE + 0.5)
            # (the barrier is held here: a started Process drops its args, and a spawned child that
            # unpickles a semaphore its parent already freed fails to start)
            alone = SPAWN.Barrier(1)
            sweeper = SPAWN.Process(target=worker, args=(url, str(root), log, alone, 0), daemon=True)
            sweeper.start()
            sweeper.join(600)
        counts = ctx.catalog.queue.counts()
        items = ctx.catalog.queue.list(["done"])
    finally:
        ctx.close()
    ran: Counter = Counter()
    finishes = []
    latencies: list[float] = []
    hung = None
    for line in Path(log).read_text().splitlines():
        kind, rest = line.split(" ", 1)
        if kind == "ran":
            item, _pid, when = rest.split()
            ran[int(item)] += 1
            finishes.append(float(when))
        elif kind == "hang":
            hung = int(rest.split()[0])
        elif kind == "latencies":
            latencies += json.loads(rest)
    elapsed = max(finishes) - start
    reclaimed = [i for i in items if i.id == hung]
    server.drop_database(db)
    lat = sorted(latencies)
    return {"jobs": jobs, "workers": workers, "done": counts["done"], "other_states": {k: v for k, v in counts.items()
                                                                                     if k != "done" and v},
            "completed_once": sum(1 for n in ran.values() if n == 1), "completed_twice": sum(1 for n in ran.values()
                                                                                           if n > 1),
            "killed_item": hung, "killed_item_attempts": reclaimed[0].attempts if reclaimed else None,
            "seconds": elapsed, "jobs_per_s": jobs / elapsed, "claims": len(lat),
            "claim_ms": {"median": statistics.median(lat) * 1000, "p95": lat[int(len(lat) * 0.95)] * 1000,
                         "max": lat[-1] * 1000}}


# --- 2. the large unit ----------------------------------------------------------------------------------
def _timed(cmd: list[str], env: dict) -> float:
    import subprocess

    t = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[3:6])} failed: {out.stderr.strip()}")
    return time.perf_counter() - t


def bench_unit(server, size: str, work: Path) -> dict:
    from core.app.context import AppContext
    from core.home import AppHome
    from core.unit.seed import seed_unit

    pw = work / "pw"
    pw.write_text(PASSWORD + "\n")
    pw.chmod(0o600)
    env = {**os.environ, "UNITVAULT_SECRETS": "file"}
    env.pop("UNITVAULT_PASSWORD", None)
    out = {}
    for backend in ("sqlite", "postgresql"):
        home = work / f"unit-{backend}"
        db = None
        if backend == "postgresql":
            db = server.create_database("unit")
            url = server.url(db)
            ctx = AppContext(AppHome.resolve(home, url, url))
            opts = ["--db", url, "--catalog", url]
        else:
            ctx = AppContext(AppHome.resolve(home))
            opts = []
        t = time.perf_counter()
        try:
            seed_unit(ctx.units, "big", size, 0)
            seed_unit(ctx.units, "target", size, 1)
        finally:
            ctx.close()
        seeded = time.perf_counter() - t
        uv = [sys.executable, "-m", "core", "--home", str(home), *opts]
        bundle = work / f"{backend}.uvault"
        exp = _timed(uv + ["export", "big", "--out", str(bundle), "--password-file", str(pw)], env)
        imp = _timed(uv + ["import", str(bundle), "--into", "target", "--password-file", str(pw), "--yes",
                           "--allow-other-unit"], env)
        out[backend] = {"seed_two_units": seeded, "export": exp, "import": imp}
        print(f"[{backend}] seeded 2 units {seeded:.1f} s, export {exp:.2f} s, import {imp:.2f} s", flush=True)
        bundle.unlink()
        shutil.rmtree(home, ignore_errors=True)
        if db:
            server.drop_database(db)
    return out


def main(argv: list[str] | None = None) -> dict:
    from tests.servers import start_postgres

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--size", default="large")
    ap.add_argument("--skip-unit", action="store_true")
    args = ap.parse_args(argv)
    server, handle = start_postgres(durable=True)
    work = Path(tempfile.mkdtemp(prefix="unitvault-bench-team-"))
    try:
        q = bench_queue(server, args.jobs, args.workers, work)
        load = os.getloadavg()
        print(f"\nQueue on PostgreSQL (load average {load[0]:.2f}): {q['workers']} worker processes, {q['jobs']:,} "
              f"jobs, one worker killed in a job")
        print(f"  done {q['done']:,}, completed exactly once {q['completed_once']:,}, more than once "
              f"{q['completed_twice']}, other states {q['other_states'] or 'none'}")
        print(f"  killed worker's item {q['killed_item']}: reclaimed and done on attempt "
              f"{q['killed_item_attempts']}")
        print(f"  {q['jobs_per_s']:.0f} jobs/s ({q['seconds']:.1f} s); claim latency median "
              f"{q['claim_ms']['median']:.1f} ms, p95 {q['claim_ms']['p95']:.1f} ms, max {q['claim_ms']['max']:.1f} ms "
              f"over {q['claims']:,} claims")
        result = {"queue": q}
        if not args.skip_unit:
            u = bench_unit(server, args.size, work)
            print(f"\nThe {args.size} demo unit (CLI wall time, start-up and Argon2id included):")
            print(f"  {'':<12}{'export':>9}{'import':>9}")
            for backend, r in u.items():
                print(f"  {backend:<12}{r['export']:8.2f}s{r['import']:8.2f}s")
            result["unit"] = u
        return result
    finally:
        handle.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
