"""The worker pool and the queue's use cases in one process: items run through the use cases, in the
documented order, report progress, stop when cancelled, fail with their reason, never run after being
taken back, and never store a secret."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from core.app import backups, queue
from core.catalog import Catalog
from core.catalog import tables as t
from core.catalog.queue import HOLDER_GONE, WORKER_STOPPED
from core.errors import Cancelled, InvalidInputError, PassphraseRequired
from core.jobs.held import HOLD
from core.jobs.workers import WorkerPool
from core.support.clock import ManualClock
from tests.core.jobs.conftest import add_account, add_destination

PASSPHRASE = "correct horse battery staple"


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("the condition was not met in time")


def _fast_pool(ctx, size, runners, **kw):
    return WorkerPool(ctx, size, runners=runners, poll=0.01, beat=0.02, **kw)


def test_queued_backups_run_through_the_use_case(qctx, tmp_path):
    add_account(qctx, tmp_path, "alice")
    add_account(qctx, tmp_path, "bob")
    add_destination(qctx, tmp_path)
    a = queue.queue_work(qctx, queue.QueueWork(backups.BackupNow("alice", "repo", "files")))
    b = queue.queue_work(qctx, queue.QueueWork(backups.BackupNow("bob", "repo")))
    assert (a.kind, a.state, a.destination, a.username, a.priority_group) == ("backup", "queued", "repo", "alice",
                                                                            "Normal")
    run = queue.run_queue(qctx, queue.RunQueue(workers=2))
    assert sorted(i.id for i in run.items) == [a.id, b.id] and run.released == 0
    for item in run.items:
        assert item.state == "done", item.error
        entry = qctx.catalog.backups.get(item.result["backup_id"])
        assert entry.kind == "on-demand" and entry.job is None and entry.destination == "repo"
    listing = queue.list_queue(qctx)
    assert listing.counts["done"] == 2 and {i.id for i in listing.items} == {a.id, b.id}


def test_work_that_cannot_run_is_refused_before_it_is_queued(qctx, tmp_path):
    add_account(qctx, tmp_path, "alice")
    add_destination(qctx, tmp_path)
    with pytest.raises(InvalidInputError):
        queue.queue_work(qctx, queue.QueueWork(backups.BackupNow("alice", "repo", "everything")))
    with pytest.raises(InvalidInputError):
        queue.queue_work(qctx, queue.QueueWork(backups.VerifyBackup("x")))
    with pytest.raises(InvalidInputError):
        queue.queue_work(qctx, queue.QueueWork(backups.RestoreBackup("x", "files", "merge", dry_run=True)))
    assert queue.list_queue(qctx).items == []


def test_the_pool_runs_items_in_the_documented_order(qctx, tmp_path):
    cat = qctx.catalog
    alice = add_account(qctx, tmp_path, "alice")
    bob = add_account(qctx, tmp_path, "bob")
    cat.tags.add("vip", "#3a7bd5", priority_group="High")
    cat.tags.assign("vip", bob.id)
    bob = cat.accounts.get("bob")
    cat.priorities.add("Urgent", 1)
    cat.accounts.edit("alice", priority_group="Urgent")
    alice = cat.accounts.get("alice")
    q = cat.queue
    made = [q.enqueue("download", {"n": "download none"}, destination="d1"),
            q.enqueue("backup", {"n": "backup none"}, destination="d1"),
            q.enqueue("backup", {"n": "backup bob (vip)"}, account=bob, destination="d1"),
            q.enqueue("restore", {"n": "restore none"}, destination="d1"),
            q.enqueue("backup", {"n": "backup alice (urgent)"}, account=alice, destination="d1"),
            q.enqueue("backup", {"n": "backup none, later"}, destination="d1")]
    assert [m.priority for m in made] == [90, 50, 10, 10, 1, 50]
    seen = []

    def runner(ctx, item, reporter, secrets):
        seen.append(item.request["n"])
        return {}, None

    _fast_pool(qctx, 1, {"backup": runner, "restore": runner, "download": runner}).run()
    assert seen == ["backup alice (urgent)", "backup bob (vip)", "restore none", "backup none",
                    "backup none, later", "download none"]


def test_progress_is_stored_and_a_cancel_from_elsewhere_stops_the_item(qctx, tmp_path):
    item = qctx.catalog.queue.enqueue("backup", {}, destination="d1")
    started = threading.Event()

    def slow(ctx, item, reporter, secrets):
        reporter.stage("copying", 10_000)
        started.set()
        for _ in range(10_000):
            reporter.advance(1)
            time.sleep(0.002)
        return {}, None

    pool = _fast_pool(qctx, 1, {"backup": slow})
    pool.start(until_empty=True)
    other = Catalog(qctx.catalog.engine, qctx.clock)      # another process's view of the same catalog
    try:
        started.wait(10)
        _wait_for(lambda: (other.queue.get(item.id).done or 0) > 0)
        running = other.queue.get(item.id)
        assert running.state == "running" and running.stage == "copying" and running.total == 10_000
        other.queue.cancel(item.id)
        pool.wait()
    finally:
        pool.stop()
    got = other.queue.get(item.id)
    assert got.state == "cancelled" and got.error is None and got.done < 10_000
    assert pool.summary.outcomes == [(item.id, "cancelled")]


def test_a_failed_item_keeps_its_reason_and_is_retried_on_request(qctx, tmp_path):
    alice = add_account(qctx, tmp_path, "alice")
    add_destination(qctx, tmp_path)
    item = queue.queue_work(qctx, queue.QueueWork(backups.BackupNow("alice", "repo", "files")))
    home = tmp_path / "alice-home"
    home.rename(tmp_path / "moved")
    (failed,) = queue.run_queue(qctx, queue.RunQueue(workers=1)).items
    assert failed.state == "failed" and failed.attempts == 1
    assert "home directory of alice" in failed.error and failed.result is None
    (tmp_path / "moved").rename(home)
    again = queue.retry_item(qctx, queue.RetryItem(item.id))
    assert again.state == "queued" and again.error is None
    (done,) = queue.run_queue(qctx, queue.RunQueue(workers=1)).items
    assert done.state == "done" and qctx.catalog.backups.list(alice.id)


def test_an_item_taken_back_while_running_is_stopped_and_not_recorded(qctx, tmp_path):
    item = qctx.catalog.queue.enqueue("backup", {}, destination="d1")
    calls, running = [], []

    def runner(ctx, item, reporter, secrets):
        running.append(1)
        assert len(running) == 1, "the item ran twice at once"
        calls.append(item.attempts)
        try:
            if len(calls) == 1:          # the first run hangs until it is stopped
                reporter.stage("stuck")
                while True:
                    reporter.check()
                    time.sleep(0.005)
            return {"ok": True}, None
        finally:
            running.pop()

    later = Catalog(qctx.catalog.engine, ManualClock("2026-03-01T13:00:00Z"))   # its lease ran out long ago
    pool = _fast_pool(qctx, 1, {"backup": runner})
    pool.start(until_empty=True)
    try:
        _wait_for(lambda: calls)
        (taken,) = later.queue.reclaim()
        assert taken.state == "queued" and taken.error == WORKER_STOPPED
        pool.wait()
    finally:
        pool.stop()
    got = qctx.catalog.queue.get(item.id)
    assert calls == [1, 2] and got.state == "done" and got.result == {"ok": True}


def test_secrets_are_held_in_memory_never_in_the_queue(qctx, tmp_path):
    olga = add_account(qctx, tmp_path, "olga", encryption="owner")
    add_destination(qctx, tmp_path)
    made = backups.backup_now(qctx, backups.BackupNow("olga", "repo", "files", PASSPHRASE))
    restore = backups.RestoreBackup(made.backup_id, "files", "merge", to=str(tmp_path / "out"))
    with pytest.raises(PassphraseRequired):
        queue.queue_work(qctx, queue.QueueWork(restore))
    item = queue.queue_work(qctx, queue.QueueWork(restore.with_passphrase(PASSPHRASE)))
    assert item.holder == HOLD.holder and item.secrets_needed == ("passphrase",)
    assert item.account_id == olga.id and item.priority_group == "High"
    with qctx.catalog.read() as c:
        stored = " ".join(str(v) for row in c.execute(select(t.queue_items)) for v in row)
    assert PASSPHRASE not in stored and "passphrase" in stored
    # another process (another holder) never takes it
    assert qctx.catalog.queue.claim("elsewhere/1", lease_seconds=60, holder="elsewhere") is None
    (done,) = queue.run_queue(qctx, queue.RunQueue(workers=1)).items
    assert done.state == "done", done.error
    assert (tmp_path / "out" / "file0.txt").read_text() == "olga 0\n"
    assert HOLD.get(item.id) is None                       # forgotten once it ran
    home_bytes = b"".join(p.read_bytes() for p in qctx.home.root.rglob("*") if p.is_file())
    assert PASSPHRASE.encode() not in home_bytes           # not in the catalog, its WAL, the log or the secrets


def test_a_held_item_is_retried_only_with_its_secret(qctx, tmp_path):
    add_account(qctx, tmp_path, "olga", encryption="owner")
    add_destination(qctx, tmp_path)
    made = backups.backup_now(qctx, backups.BackupNow("olga", "repo", "files", PASSPHRASE))
    restore = backups.RestoreBackup(made.backup_id, "files", "merge", to=str(tmp_path / "out"), passphrase=PASSPHRASE)
    item = queue.queue_work(qctx, queue.QueueWork(restore))
    assert queue.cancel_item(qctx, queue.QueueRef(item.id)).state == "cancelled"
    assert HOLD.get(item.id) is None
    with pytest.raises(InvalidInputError) as err:
        queue.retry_item(qctx, queue.RetryItem(item.id))
    assert err.value.kind == "queue_item_needs_secret" and err.value.data["secrets"] == ["passphrase"]
    again = queue.retry_item(qctx, queue.RetryItem(item.id, {"passphrase": PASSPHRASE}))
    assert again.state == "queued" and again.holder == HOLD.holder
    # the holder stopping before it ran: the item fails with the reason
    pool = _fast_pool(qctx, 1, {})
    pool.stop()
    got = qctx.catalog.queue.get(item.id)
    assert got.state == "failed" and got.error == HOLDER_GONE


def test_a_run_until_empty_takes_back_what_a_stopped_worker_left_running(qctx):
    """A workstation that stopped in the middle of an item leaves it running with a lease that runs
    out: a later run until empty takes it back and runs it, rather than finding nothing queued."""
    item = qctx.catalog.queue.enqueue("backup", {}, destination="d1")
    earlier = Catalog(qctx.catalog.engine, ManualClock("2026-03-01T11:00:00Z"))
    assert earlier.queue.claim("gone/1", lease_seconds=60).id == item.id     # its lease ran out at 11:01
    ran = []

    def runner(ctx, item, reporter, secrets):
        ran.append(item.attempts)
        return {"ok": True}, None

    summary = _fast_pool(qctx, 1, {"backup": runner}).run(until_empty=True)
    got = qctx.catalog.queue.get(item.id)
    assert ran == [2] and summary.outcomes == [(item.id, "done")]
    assert (got.state, got.result, got.attempts) == ("done", {"ok": True}, 2)


def test_a_cancel_of_the_run_gives_running_items_back(qctx):
    item = qctx.catalog.queue.enqueue("backup", {}, destination="d1")
    started = threading.Event()

    def hang(ctx, item, reporter, secrets):
        started.set()
        while True:
            reporter.check()
            time.sleep(0.005)

    from core.progress import CancelToken

    token = CancelToken()
    pool = _fast_pool(qctx, 1, {"backup": hang})
    threading.Thread(target=lambda: (started.wait(10), token.cancel()), daemon=True).start()
    with pytest.raises(Cancelled):
        pool.run(until_empty=False, cancel=token)
    got = qctx.catalog.queue.get(item.id)
    assert (got.state, got.attempts, got.worker) == ("queued", 0, None)


def test_queue_settings(qctx, tmp_path):
    add_destination(qctx, tmp_path, "slow")
    s = queue.show_settings(qctx)
    assert (s.workers, s.connections, s.by_destination, s.lease_seconds, s.keep_days) == (2, 2, {}, 60, 30)
    s = queue.set_settings(qctx, queue.SetQueueSettings(workers=4, connections=3, lease_seconds=30, keep_days=7))
    assert (s.workers, s.connections, s.lease_seconds, s.keep_days) == (4, 3, 30, 7)
    s = queue.set_settings(qctx, queue.SetQueueSettings(connections=1, destination="slow"))
    assert s.by_destination == {"slow": 1}
    assert queue.set_settings(qctx, queue.SetQueueSettings(destination="slow", clear_destination=True)).by_destination == {}
    for bad in (queue.SetQueueSettings(workers=0), queue.SetQueueSettings(connections=65),
                queue.SetQueueSettings(lease_seconds=1), queue.SetQueueSettings(keep_days=0)):
        with pytest.raises(InvalidInputError):
            queue.set_settings(qctx, bad)
    assert WorkerPool(qctx).size == 4
