"""Child processes for the queue's proofs. Each runs in a fresh interpreter (multiprocessing's spawn),
opens the app home on its own, and waits at a barrier so that the processes really race."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from pathlib import Path


def _context(home: str):
    from core.app.context import AppContext
    from core.home import AppHome

    return AppContext(AppHome.resolve(home))


def _log(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())     # one short O_APPEND write: lines never interleave
    finally:
        os.close(fd)


def work_queue(home: str, log_path: str, barrier, size: int) -> None:
    """A worker pool whose runner logs when each item starts and ends (pid, monotonic clock)."""
    from core.jobs.workers import WorkerPool

    rnd = random.Random(os.getpid())

    def runner(ctx, item, reporter, secrets):
        _log(log_path, f"start {item.id} {item.destination} {os.getpid()} {time.monotonic_ns()}")
        time.sleep(rnd.uniform(0.001, 0.006))
        _log(log_path, f"end {item.id} {item.destination} {os.getpid()} {time.monotonic_ns()}")
        return {"pid": os.getpid()}, None

    ctx = _context(home)
    try:
        _ = ctx.catalog, ctx.units, ctx.secrets, ctx.settings    # opened (and created) before the race starts
        barrier.wait()
        WorkerPool(ctx, size, runners={"backup": runner}, poll=0.01, beat=0.05).run(until_empty=True)
    finally:
        ctx.close()


def hang_in_backup(home: str, marker_dir: str, size: int) -> None:
    """Real backups that stop for good once they are backing up files (to be killed there)."""
    from core.jobs.workers import WorkerPool, run_backup
    from core.progress import Reporter

    def runner(ctx, item, reporter, secrets):
        def sink(state):
            if state.stage == "backing up files":
                (Path(marker_dir) / str(item.id)).write_text("mid-backup")
                time.sleep(600)

        return run_backup(ctx, item, Reporter(sink, reporter.cancel_token, min_interval=0), secrets)

    ctx = _context(home)
    try:
        WorkerPool(ctx, size, runners={"backup": runner}, poll=0.01, beat=0.05).run(until_empty=True)
    finally:
        ctx.close()


def schedule_rounds(home: str, barrier, start: str, hours: int, rounds: int, out_path: str) -> None:
    """``run_due`` at the same moments as the other process: every ``hours`` from ``start``."""
    from core.jobs.scheduler import run_due
    from core.support.clock import from_iso

    ctx = _context(home)
    made = []
    try:
        for n in range(rounds):
            barrier.wait()
            result = run_due(ctx, from_iso(start) + dt.timedelta(hours=hours * n))
            assert not result.problems, result.problems
            made += [i for run in result.runs for i in run.items]
    finally:
        ctx.close()
    Path(out_path).write_text(json.dumps(made))


def open_fresh_home(home: str, barrier) -> None:
    """Open (and so create and migrate) the unit store and the catalog at the same moment as the others."""
    barrier.wait()
    ctx = _context(home)
    try:
        _ = ctx.catalog, ctx.units
    finally:
        ctx.close()
