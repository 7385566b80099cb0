"""The scheduler: due runs become one backup item per covered account, once; scheduled backups are
recorded as the job's; ``schedule next`` lists each job's next runs."""

from __future__ import annotations

import datetime as dt

from core.app import queue, schedule
from core.catalog.jobs import Job
from core.support.clock import from_iso
from tests.core.jobs.conftest import add_account, add_destination


def _job(name, accounts, spec="daily@02:00", *, tz="Europe/Berlin", enabled=True, items=("files",)):
    return Job(name, "repo", items, accounts, spec, tz, 7, None, None, None, enabled, None, "", "")


def _setup(ctx, tmp_path):
    for name in ("alice", "bob", "carol"):
        add_account(ctx, tmp_path, name)
    ctx.catalog.tags.add("vip", "#3a7bd5", priority_group="High")
    ctx.catalog.tags.assign("vip", ctx.catalog.accounts.get("carol").id)
    add_destination(ctx, tmp_path)


def test_due_runs_are_queued_once_for_every_covered_account(qctx, clock, tmp_path):
    _setup(qctx, tmp_path)
    cat = qctx.catalog
    cat.jobs.add(_job("nightly", {"all": True}))
    cat.jobs.add(_job("vips", {"tag": "vip"}, "weekly@mon,03:00"))
    cat.jobs.add(_job("two", {"usernames": ["alice", "bob", "gone"]}, "hourly"))
    cat.jobs.add(_job("off", {"all": True}, "hourly", enabled=False))
    # created at 12:00Z on Sunday 1 March: "two" runs at 13:00Z, "nightly" at 02:00 Berlin (01:00Z) on the 2nd,
    # "vips" on Monday 2 March 03:00 Berlin (02:00Z)
    assert schedule.run_due(qctx).runs == ()
    clock.set("2026-03-01T13:00:00Z")
    r = schedule.run_due(qctx)
    assert [(x.job, x.scheduled_for, len(x.items)) for x in r.runs] == [("two", "2026-03-01T13:00:00.000000Z", 2)]
    assert r.problems == ("two: no account named 'gone'; it was skipped.",)
    assert schedule.run_due(qctx).runs == ()                      # once
    clock.set("2026-03-02T02:30:00Z")
    r = schedule.run_due(qctx)
    assert [(x.job, x.scheduled_for, len(x.items), x.accounts) for x in r.runs] == [
        ("nightly", "2026-03-02T01:00:00.000000Z", 3, 3),
        ("two", "2026-03-02T02:00:00.000000Z", 2, 2),             # thirteen missed hours: only the newest
        ("vips", "2026-03-02T02:00:00.000000Z", 1, 1)]
    assert schedule.run_due(qctx).runs == ()
    items = cat.queue.list(["queued"])
    vip = [i for i in items if i.job == "vips"][0]
    assert (vip.username, vip.priority_group, vip.kind, vip.destination) == ("carol", "High", "backup", "repo")
    assert vip.request["job"] == "vips" and vip.request["account"] == cat.accounts.get("carol").id
    assert cat.jobs.get("nightly").last_scheduled == "2026-03-02T01:00:00.000000Z"
    assert cat.jobs.get("off").last_scheduled is None


def test_scheduled_backups_are_recorded_as_the_jobs(qctx, clock, tmp_path):
    _setup(qctx, tmp_path)
    qctx.catalog.jobs.add(_job("nightly", {"usernames": ["alice"]}))
    clock.set("2026-03-02T01:00:00Z")
    assert schedule.run_due(qctx).items == 1
    (done,) = queue.run_queue(qctx, queue.RunQueue(workers=1)).items
    assert done.state == "done", done.error
    entry = qctx.catalog.backups.get(done.result["backup_id"])
    assert (entry.kind, entry.job, entry.items) == ("scheduled", "nightly", ("files",))


def test_finished_items_are_forgotten_after_the_kept_days(qctx, clock, tmp_path):
    item = qctx.catalog.queue.enqueue("backup", {}, destination="repo")
    qctx.catalog.queue.cancel(item.id)
    queue.set_settings(qctx, queue.SetQueueSettings(keep_days=2))
    clock.advance(days=1)
    assert schedule.run_due(qctx).purged == 0
    clock.advance(days=1, seconds=1)
    assert schedule.run_due(qctx).purged == 1


def test_a_job_with_a_bad_schedule_is_reported_and_the_others_run(qctx, clock, tmp_path):
    _setup(qctx, tmp_path)
    qctx.catalog.jobs.add(_job("broken", {"all": True}, "sometimes"))
    qctx.catalog.jobs.add(_job("fine", {"all": True}, "hourly"))
    clock.advance(hours=1)
    r = schedule.run_due(qctx)
    assert [x.job for x in r.runs] == ["fine"] and len(r.problems) == 1 and r.problems[0].startswith("broken:")


def test_next_runs_soonest_first(qctx, clock, tmp_path):
    _setup(qctx, tmp_path)
    cat = qctx.catalog
    cat.jobs.add(_job("nightly", {"all": True}))
    cat.jobs.add(_job("vips", {"tag": "vip"}, "weekly@mon,03:00"))
    cat.jobs.add(_job("hourly", {"usernames": ["bob"]}, "hourly@:30", tz="UTC"))
    cat.jobs.add(_job("off", {"all": True}, "hourly", enabled=False))
    got = schedule.next_runs(qctx, schedule.NextRuns(count=2))
    assert [(j.job, j.accounts, j.enabled) for j in got] == [("hourly", 1, True), ("nightly", 3, True),
                                                             ("vips", 1, True), ("off", 3, False)]
    assert got[0].next == (from_iso("2026-03-01T12:30:00Z"), from_iso("2026-03-01T13:30:00Z"))
    assert got[1].next[0] == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    assert got[3].next == ()


def test_a_job_run_now_queues_the_same_items_and_leaves_the_schedule(qctx, clock, tmp_path):
    from core.jobs.scheduler import queue_job_now

    _setup(qctx, tmp_path)
    qctx.catalog.jobs.add(_job("vips", {"tag": "vip"}, "weekly@mon,03:00"))
    clock.advance(minutes=5)
    r = queue_job_now(qctx, "vips")
    (run,) = r.runs
    assert (run.job, run.scheduled_for, run.accounts) == ("vips", "2026-03-01T12:05:00.000000Z", 1)
    (item,) = qctx.catalog.queue.list()
    assert (item.id, item.username, item.job, item.priority_group) == (run.items[0], "carol", "vips", "High")
    assert qctx.catalog.jobs.get("vips").last_scheduled is None
    clock.set("2026-03-02T02:00:00Z")
    assert [x.job for x in schedule.run_due(qctx).runs] == ["vips"]      # the schedule still runs



def test_an_owner_held_account_is_backed_up_unattended_after_its_first_backup(qctx, clock, tmp_path):
    from core.app import backups
    from tests.core.jobs.conftest import add_account, add_destination

    add_account(qctx, tmp_path, "olga", encryption="owner")
    add_destination(qctx, tmp_path)
    qctx.catalog.jobs.add(_job("nightly", {"usernames": ["olga"]}))
    clock.set("2026-03-02T01:00:00Z")
    schedule.run_due(qctx)
    (first,) = queue.run_queue(qctx, queue.RunQueue(workers=1)).items
    assert first.state == "failed" and "passphrase" in first.error and first.attempts == 1   # not retried
    backups.backup_now(qctx, backups.BackupNow("olga", "repo", "files", "olga's passphrase"))
    clock.set("2026-03-03T01:00:00Z")
    schedule.run_due(qctx)
    (second,) = queue.run_queue(qctx, queue.RunQueue(workers=1)).items
    assert second.state == "done", second.error
    assert qctx.catalog.backups.get(second.result["backup_id"]).job == "nightly"
