"""The queue's proofs with real processes on one catalog: two worker processes never run the same item
(and keep a destination's lane to its limit between them); a worker killed with SIGKILL in the middle
of a backup leaves its item failed, then retried to a complete backup; two schedulers racing queue
each due run exactly once."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import time
from collections import defaultdict

import pytest

from core.app import backups, queue
from core.app.context import AppContext
from core.catalog.jobs import Job
from core.catalog.queue import WORKER_STOPPED
from core.home import AppHome
from core.support.clock import ManualClock, SystemClock
from tests.core.jobs import procs
from tests.core.jobs.conftest import add_account, add_destination, home_on
from tests.server_fixtures import DATABASE_BACKENDS

SPAWN = multiprocessing.get_context("spawn")


def _start(target, *args):
    p = SPAWN.Process(target=target, args=args, daemon=True)
    p.start()
    return p


def _join(*processes, timeout=240):
    for p in processes:
        p.join(timeout)
        assert p.exitcode == 0, f"a child process failed (exit code {p.exitcode})"


def test_two_worker_processes_never_run_the_same_item(backend_home, tmp_path):
    home = backend_home
    ctx = AppContext(home)
    try:
        q = ctx.catalog.queue
        q.set_connection_limit(16)
        q.set_connection_limit(1, "narrow")
        ids = [q.enqueue("backup", {}, destination=("narrow" if n % 4 == 0 else f"wide{n % 3}")).id
               for n in range(160)]
    finally:
        ctx.close()
    log = tmp_path / "runs.log"
    barrier = SPAWN.Barrier(2)
    _join(*[_start(procs.work_queue, str(home.root), str(log), barrier, 3) for _ in range(2)])

    starts, ends, pids = defaultdict(int), defaultdict(int), set()
    narrow = []
    for line in log.read_text().splitlines():
        what, item, dest, pid, when = line.split()
        (starts if what == "start" else ends)[int(item)] += 1
        pids.add(pid)
        if dest == "narrow":
            narrow.append((int(when), what))
    assert sorted(starts) == sorted(ids) and set(starts.values()) == {1} and set(ends.values()) == {1}
    assert len(pids) == 2                      # both processes worked
    # the narrow lane (a limit of 1) never had two items running at once, across the processes
    depth = 0
    for _when, what in sorted(narrow):
        depth += 1 if what == "start" else -1
        assert depth <= 1
    ctx = AppContext(home)
    try:
        assert ctx.catalog.queue.counts()["done"] == len(ids)
    finally:
        ctx.close()


def test_processes_opening_a_fresh_home_at_once_take_turns_migrating(backend_home):
    """Worker processes started on a new home all create its databases; one used to fail with
    "database is locked" when its read transaction could not become a write (SQLite), or with a table
    created twice (PostgreSQL, before migrations took an advisory lock)."""
    home = backend_home
    barrier = SPAWN.Barrier(3)
    _join(*[_start(procs.open_fresh_home, str(home.root), barrier) for _ in range(3)])
    ctx = AppContext(home)
    try:
        assert ctx.catalog.queue.list() == [] and ctx.units is not None
    finally:
        ctx.close()


def test_a_worker_killed_mid_backup_leaves_the_item_failed_then_retried(backend_home, tmp_path):
    home = backend_home
    ctx = AppContext(home)
    try:
        for name in ("alice", "bob"):
            add_account(ctx, tmp_path, name, files=40)
        add_destination(ctx, tmp_path)
        once = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("alice", "repo", "files"), max_attempts=1))
        again = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("bob", "repo", "files")))
    finally:
        ctx.close()
    markers = tmp_path / "markers"
    markers.mkdir()
    child = _start(procs.hang_in_backup, str(home.root), str(markers), 2)
    deadline = time.monotonic() + 120
    while len(list(markers.iterdir())) < 2:
        assert child.is_alive() and time.monotonic() < deadline, "the worker never got to backing up files"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL

    ctx = AppContext(home)
    try:
        assert {i.state for i in ctx.catalog.queue.list(["running"])} == {"running"}   # as the dead worker left them
    finally:
        ctx.close()
    # the leases run out: a clock past them (no waiting)
    later = ManualClock(SystemClock().now() + dt.timedelta(minutes=5))
    ctx = AppContext(AppHome.resolve(home.root), clock=later)
    try:
        listing = queue.list_queue(ctx)                    # looking at the queue takes back what expired
        by_id = {i.id: i for i in listing.items}
        assert (by_id[once.id].state, by_id[once.id].error, by_id[once.id].attempts) == ("failed", WORKER_STOPPED, 1)
        assert (by_id[again.id].state, by_id[again.id].error, by_id[again.id].attempts) == ("queued", WORKER_STOPPED, 1)
        assert ctx.catalog.backups.list() == []           # nothing half-made was indexed
        queue.retry_item(ctx, queue.RetryItem(once.id))
        run = queue.run_queue(ctx, queue.RunQueue(workers=2))
        assert sorted((i.id, i.state) for i in run.items) == [(once.id, "done"), (again.id, "done")]
        assert {i.id: i.attempts for i in run.items} == {once.id: 1, again.id: 2}
        for item in run.items:
            entry = ctx.catalog.backups.get(item.result["backup_id"])
            assert entry.status == "complete" and entry.file_count >= 40
            verified = backups.verify_backup(ctx, backups.VerifyBackup(entry.id, read_data=True))
            assert verified.ok, verified.problems
    finally:
        ctx.close()


def _scheduled_home(base, backend="sqlite", database_url=None) -> AppHome:
    base.mkdir()
    home = home_on(backend, base / "home", database_url)
    ctx = AppContext(home, clock=ManualClock("2026-03-01T00:00:00Z"))
    try:
        for name in ("alice", "bob", "carol", "dave"):
            add_account(ctx, base, name, files=1)
        ctx.catalog.tags.add("vip", "#3a7bd5")
        ctx.catalog.tags.assign("vip", ctx.catalog.accounts.get("bob").id)
        add_destination(ctx, base)
        for name, accounts, spec in (("nightly", {"all": True}, "daily@02:00"), ("often", {"tag": "vip"}, "hourly"),
                                     ("pair", {"usernames": ["carol", "dave"]}, "0 */4 * * *")):
            ctx.catalog.jobs.add(Job(name, "repo", ("files",), accounts, spec, "Europe/Berlin", 3, None, None, None,
                                     True, None, "", ""))
    finally:
        ctx.close()
    return home


def _queued_runs(home: AppHome) -> list:
    ctx = AppContext(home)
    try:
        return sorted((i.job, i.scheduled_for, i.username) for i in ctx.catalog.queue.list())
    finally:
        ctx.close()


@pytest.mark.parametrize("backend", DATABASE_BACKENDS)
def test_two_schedulers_racing_queue_each_due_run_once(tmp_path, backend, database_url):
    raced = _scheduled_home(tmp_path / "race", backend, database_url)
    alone = _scheduled_home(tmp_path / "alone")
    rounds, hours = 12, 3
    barrier = SPAWN.Barrier(2)
    outs = [tmp_path / "race" / f"made{n}.json" for n in range(2)]
    _join(*[_start(procs.schedule_rounds, str(raced.root), barrier, "2026-03-01T00:30:00Z", hours, rounds, str(o))
            for o in outs])
    made = [json.loads(o.read_text()) for o in outs]
    assert not set(made[0]) & set(made[1])                 # no item was made by both
    # what one scheduler alone queues at the same moments
    solo = SPAWN.Barrier(1)
    _join(_start(procs.schedule_rounds, str(alone.root), solo, "2026-03-01T00:30:00Z", hours, rounds,
                 str(tmp_path / "alone" / "made.json")))
    expected = _queued_runs(alone)
    assert len(expected) > rounds                          # runs of every job, for every covered account
    assert _queued_runs(raced) == expected
    assert len(made[0]) + len(made[1]) == len(expected)
