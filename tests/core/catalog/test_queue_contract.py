"""The queue's contract (core/catalog/queue.py), on every catalog backend: priorities and the run
order, lanes, cancel and retry, leases and reclaim, held items, scheduled runs queued once."""

from __future__ import annotations

import pytest

from core.catalog import Catalog
from core.catalog.queue import HOLDER_GONE, WORKER_STOPPED
from core.errors import InvalidInputError, NotFoundError
from core.progress import ProgressState
from core.support.clock import ManualClock

LEASE = 60


@pytest.fixture
def clocked(catalog):
    """The same database seen through a clock the test moves."""
    clock = ManualClock("2026-03-01T12:00:00Z")
    cat = Catalog(catalog.engine, clock)
    cat.test_clock = clock
    return cat


def _accounts(cat, tmp_path, *names):
    return [cat.accounts.add(n, str(tmp_path)) for n in names]


def _drain(cat, worker="w1"):
    """Claim and finish items one by one: the run order."""
    order = []
    while (item := cat.queue.claim(worker, lease_seconds=LEASE)) is not None:
        order.append(item.id)
        assert cat.queue.finish(item.id, worker, "done", result={"ok": True})
    return order


def test_priority_groups_decide_the_run_order_fifo_within_a_value(catalog, tmp_path):
    cat = catalog
    alice, bob, carol, dave = _accounts(cat, tmp_path, "alice", "bob", "carol", "dave")
    cat.tags.add("vip", "#ff0000", priority_group="High")
    cat.tags.add("slow", "#00ff00", priority_group="Low")
    cat.tags.assign("vip", carol.id)
    cat.tags.assign("slow", carol.id)             # the best of its tags' groups counts: High
    cat.tags.assign("slow", dave.id)
    cat.accounts.edit("dave", priority_group="Normal")    # the override wins over its tag
    cat.accounts.edit("bob", priority_group="Low")
    a = lambda name: cat.accounts.get(name)  # noqa: E731  (the fresh record, with tags and override)
    q = cat.queue
    i1 = q.enqueue("download", {"n": 1}, account=a("alice"), destination="d1")   # Low 90 (the kind's group)
    i2 = q.enqueue("backup", {"n": 2}, account=a("alice"), destination="d2")     # Normal 50
    i3 = q.enqueue("restore", {"n": 3}, account=a("bob"), destination="d3")      # Low 90 (override)
    i4 = q.enqueue("backup", {"n": 4}, account=a("carol"), destination="d4")     # High 10 (tag vip)
    i5 = q.enqueue("restore", {"n": 5}, account=None, destination="d5")          # High 10 (the kind's group)
    i6 = q.enqueue("download", {"n": 6}, account=a("dave"), destination="d6")    # Normal 50 (override)
    i7 = q.enqueue("backup", {"n": 7}, account=None, destination="d7")           # Normal 50
    assert [(i.priority_group, i.priority) for i in (i1, i2, i3, i4, i5, i6, i7)] == [
        ("Low", 90), ("Normal", 50), ("Low", 90), ("High", 10), ("High", 10), ("Normal", 50), ("Normal", 50)]
    assert [i.id for i in q.list(["queued"])] == [i4.id, i5.id, i2.id, i6.id, i7.id, i1.id, i3.id]
    assert _drain(cat) == [i4.id, i5.id, i2.id, i6.id, i7.id, i1.id, i3.id]
    assert {i.state for i in q.list()} == {"done"}
    assert q.get(i4.id).result == {"ok": True} and q.get(i4.id).username == "carol"


def test_a_groups_value_is_taken_when_queued(catalog, tmp_path):
    (alice,) = _accounts(catalog, tmp_path, "alice")
    first = catalog.queue.enqueue("backup", {}, account=alice, destination="d1")
    catalog.priorities.set_value("Normal", 5)
    second = catalog.queue.enqueue("backup", {}, account=alice, destination="d1")
    assert (first.priority, second.priority) == (50, 5)


def test_lanes_hold_each_destination_to_its_connection_limit_and_an_account_to_one_item(catalog, tmp_path):
    q = catalog.queue
    a1, a2, a3, a4 = _accounts(catalog, tmp_path, "a1", "a2", "a3", "a4")
    q.set_connection_limit(2)
    q.set_connection_limit(1, "slow")
    assert q.connection_limits() == (2, {"slow": 1})
    f1, f2, f3 = (q.enqueue("backup", {}, account=acc, destination="fast") for acc in (a1, a2, a3))
    s1 = q.enqueue("backup", {}, account=a4, destination="slow")
    s2 = q.enqueue("backup", {}, account=None, destination="slow")
    r1 = q.enqueue("restore", {}, account=a1, destination="slow")      # High: first in line

    def claims(n):
        return [got.id for got in (q.claim(f"w{r1.id}-{i}", lease_seconds=LEASE) for i in range(n)) if got]

    # r1 first (High); f1 waits (a1 is busy with r1); f2, f3 fill "fast"; "slow" is full
    assert claims(5) == [r1.id, f2.id, f3.id]
    assert q.finish(r1.id, q.get(r1.id).worker, "done")
    # a1 is free but "fast" is full; "slow" has room for one
    assert claims(3) == [s1.id]
    assert q.finish(f2.id, q.get(f2.id).worker, "done")
    assert claims(3) == [f1.id]
    q.set_connection_limit(None, "slow")                                # back to the default: 2
    assert claims(3) == [s2.id]


def test_cancel_and_retry(catalog, tmp_path):
    q = catalog.queue
    queued = q.enqueue("backup", {}, destination="d1")
    running = q.enqueue("backup", {}, destination="d2")
    assert q.claim("w", lease_seconds=LEASE).id == queued.id
    assert q.claim("w2", lease_seconds=LEASE).id == running.id
    q.release(queued.id, "w")
    assert q.get(queued.id).state == "queued" and q.get(queued.id).attempts == 0
    assert q.cancel(queued.id).state == "cancelled"
    r = q.cancel(running.id)
    assert r.state == "running" and r.cancel_requested
    assert q.heartbeat(running.id, "w2", lease_seconds=LEASE).cancel_requested
    assert q.finish(running.id, "w2", "cancelled")
    with pytest.raises(InvalidInputError) as err:
        q.cancel(running.id)
    assert err.value.kind == "queue_item_finished"
    again = q.retry(running.id)
    assert (again.state, again.attempts, again.cancel_requested, again.error) == ("queued", 0, False, None)
    with pytest.raises(InvalidInputError) as err:
        q.retry(running.id)
    assert err.value.kind == "queue_item_not_retryable"
    with pytest.raises(NotFoundError) as err:
        q.get(999)
    assert err.value.kind == "queue_item_not_found"


def test_heartbeats_carry_progress_and_extend_the_lease(clocked):
    q = clocked.queue
    item = q.enqueue("backup", {}, destination="d1")
    claimed = q.claim("w1", lease_seconds=LEASE)
    assert claimed.lease_until == "2026-03-01T12:01:00.000000Z" and claimed.attempts == 1
    clocked.test_clock.advance(30)
    beat = q.heartbeat(item.id, "w1", lease_seconds=LEASE, progress=ProgressState("uploading", 5, 10, "bytes"))
    assert beat.owned and not beat.cancel_requested
    got = q.get(item.id)
    assert (got.stage, got.done, got.total, got.progress_unit) == ("uploading", 5, 10, "bytes")
    assert got.lease_until == "2026-03-01T12:01:30.000000Z"
    assert not q.heartbeat(item.id, "someone-else", lease_seconds=LEASE).owned
    clocked.test_clock.advance(59)
    assert q.reclaim() == []                                # the lease has not run out


def test_an_expired_lease_is_failed_then_queued_again_while_attempts_remain(clocked):
    q, clock = clocked.queue, clocked.test_clock
    item = q.enqueue("backup", {}, destination="d1", max_attempts=2)
    assert q.claim("w1", lease_seconds=LEASE).id == item.id
    clock.advance(LEASE + 1)
    assert q.expired() == 1
    (back,) = q.reclaim()
    assert (back.state, back.error, back.attempts, back.worker) == ("queued", WORKER_STOPPED, 1, None)
    # the old worker learns it lost the item and its outcome is not recorded
    assert not q.heartbeat(item.id, "w1", lease_seconds=LEASE).owned
    assert not q.finish(item.id, "w1", "done")
    assert q.claim("w2", lease_seconds=LEASE).attempts == 2
    clock.advance(LEASE + 1)
    (gone,) = q.reclaim()
    assert (gone.state, gone.error, gone.attempts) == ("failed", WORKER_STOPPED, 2)
    assert q.retry(item.id).state == "queued"
    assert q.claim("w3", lease_seconds=LEASE).attempts == 1


def test_a_cancel_asked_of_a_dead_worker_item_cancels_it(clocked):
    q = clocked.queue
    item = q.enqueue("backup", {}, destination="d1")
    q.claim("w1", lease_seconds=LEASE)
    q.cancel(item.id)
    clocked.test_clock.advance(LEASE + 1)
    (got,) = q.reclaim()
    assert got.state == "cancelled"


def test_held_items_run_only_in_their_holder_and_fail_when_it_is_gone(clocked):
    q, clock = clocked.queue, clocked.test_clock
    held = q.enqueue("restore", {"_secrets": ["passphrase"]}, destination="d1", holder="proc-a", hold_seconds=LEASE)
    free = q.enqueue("backup", {}, destination="d2")
    assert held.secrets_needed == ("passphrase",) and held.as_dict()["request"] == {}
    assert q.pending() == 1 and q.pending("proc-a") == 2
    assert q.claim("b/1", lease_seconds=LEASE, holder="proc-b").id == free.id
    assert q.claim("b/2", lease_seconds=LEASE, holder="proc-b") is None
    clock.advance(LEASE - 1)
    assert q.hold("proc-a", LEASE) == 1                   # the holder is alive
    clock.advance(LEASE - 1)
    assert q.heartbeat(free.id, "b/1", lease_seconds=LEASE).owned
    assert q.reclaim() == []
    clock.advance(LEASE + 1)
    q.heartbeat(free.id, "b/1", lease_seconds=LEASE * 3)
    (gone,) = q.reclaim()
    assert (gone.id, gone.state, gone.error) == (held.id, "failed", HOLDER_GONE)
    # the holder itself stopping fails what it still held
    again = q.retry(held.id, holder="proc-c", hold_seconds=LEASE)
    assert again.holder == "proc-c" and q.drop_held("proc-c") == 1
    assert q.get(held.id).state == "failed"


def test_scheduled_runs_are_queued_once(catalog, tmp_path):
    (alice,) = _accounts(catalog, tmp_path, "alice")
    q = catalog.queue
    first = q.add_scheduled("backup", {}, account=alice, destination="d1", job="nightly",
                            scheduled_for="2026-03-01T02:00:00.000000Z")
    assert first is not None and first.job == "nightly"
    assert q.add_scheduled("backup", {}, account=alice, destination="d1", job="nightly",
                           scheduled_for="2026-03-01T02:00:00.000000Z") is None
    from core.errors import StoreError

    with pytest.raises(StoreError):    # the unique constraint is the last word
        q.enqueue("backup", {}, account=alice, destination="d1", job="nightly",
                  scheduled_for="2026-03-01T02:00:00.000000Z")
    assert len(q.list()) == 1


def test_finished_items_are_purged_and_counted(clocked):
    q, clock = clocked.queue, clocked.test_clock
    old = q.enqueue("backup", {}, destination="d1")
    q.claim("w", lease_seconds=LEASE)
    q.finish(old.id, "w", "failed", error="The destination is gone.")
    clock.advance(days=2)
    new = q.enqueue("backup", {}, destination="d1")
    assert q.counts() == {"queued": 1, "running": 0, "done": 0, "failed": 1, "cancelled": 0}
    assert [i.id for i in q.list(["failed"], finished_since="2026-03-02T00:00:00Z")] == []
    assert q.get(old.id).error == "The destination is gone."
    assert q.purge("2026-03-02T00:00:00Z") == 1
    assert [i.id for i in q.list()] == [new.id]


def test_bad_input_is_refused(catalog):
    with pytest.raises(InvalidInputError):
        catalog.queue.enqueue("prune", {})
    with pytest.raises(InvalidInputError):
        catalog.queue.set_connection_limit(0)
    assert catalog.queue.list() == []
