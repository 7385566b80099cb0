"""Retention is pure: what to keep, what to remove, and why. Rotation never removes a locked or an
on-demand backup; on-demand backups have their own count and TTL."""

from __future__ import annotations

import datetime as dt

from core.catalog.records import BackupEntry
from core.jobs.retention import JobPolicy, OnDemandPolicy, decide
from core.support.clock import to_iso

UTC = dt.UTC
NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def daily_backups(n: int, job: str = "nightly", start: dt.datetime = NOW, **kw) -> list[BackupEntry]:
    """One backup per day at 02:00 UTC, the newest yesterday."""
    out = []
    for i in range(n):
        when = (start - dt.timedelta(days=i + 1)).replace(hour=2, minute=0)
        out.append(BackupEntry(f"{job[:4]}{i:012d}", "acc", "repo", to_iso(when), "scheduled", job=job, **kw))
    return out


def actions(outcome) -> dict[str, str]:
    return {d.backup_id: d.action for d in outcome.decisions}


def test_keep_last_n_per_job_and_why():
    backups = daily_backups(10)
    out = decide(backups, {"nightly": JobPolicy(keep_last=3)}, OnDemandPolicy(), NOW)
    kept = [d.backup_id for d in out.keep]
    assert kept == [b.id for b in backups[:3]]                      # the three newest
    assert all("newest 3 of job nightly" in d.reasons[0] for d in out.keep)
    assert len(out.remove) == 7 and all("beyond job nightly's retention" in d.reasons for d in out.remove)


def test_daily_weekly_monthly_keep_the_newest_of_each_period():
    backups = daily_backups(120)
    out = decide(backups, {"nightly": JobPolicy(keep_last=2, keep_daily=7, keep_weekly=4, keep_monthly=3)},
                 OnDemandPolicy(), NOW)
    kept = {b.created_at[:10] for b in backups if actions(out)[b.id] == "keep"}
    # 7 days (2027-01-03..09), the newest of 4 ISO weeks, the newest of 3 months
    assert {"2027-01-09", "2027-01-08", "2027-01-03"} <= kept
    assert "2027-01-02" not in kept or "2027-01-03" in kept
    assert "2026-12-31" in kept and "2026-11-30" in kept             # newest of December and November
    assert "2026-10-31" not in kept                                   # a fourth month is not kept
    assert len(kept) <= 2 + 7 + 4 + 3


def test_locked_backups_are_never_removed_and_do_not_count():
    backups = daily_backups(5)
    locked = [BackupEntry(b.id, b.account_id, b.destination, b.created_at, b.kind, job=b.job, locked=True,
                          locked_until=None if i == 3 else "2027-02-01T00:00:00.000000Z")
              if i in (3, 4) else b for i, b in enumerate(backups)]
    out = decide(locked, {"nightly": JobPolicy(keep_last=1)}, OnDemandPolicy(), NOW)
    a = actions(out)
    assert a[backups[3].id] == a[backups[4].id] == "keep"
    assert out.by_id[backups[3].id].reasons == ("locked",)
    assert [b.id for b in backups if a[b.id] == "keep"] == [backups[0].id, backups[3].id, backups[4].id]
    # an expired lock protects nothing
    later = NOW + dt.timedelta(days=60)
    assert actions(decide(locked, {"nightly": JobPolicy(keep_last=1)}, OnDemandPolicy(), later))[backups[4].id] == "remove"


def test_on_demand_backups_never_count_toward_rotation_and_have_their_own_rules():
    scheduled = daily_backups(4)
    on_demand = [BackupEntry(f"od{i:014d}", "acc", "repo", to_iso(NOW - dt.timedelta(hours=i + 1)), "on-demand",
                             expires_at=to_iso(NOW + dt.timedelta(days=1 if i < 3 else -1))) for i in range(5)]
    out = decide(scheduled + on_demand, {"nightly": JobPolicy(keep_last=2)}, OnDemandPolicy(keep=2), NOW)
    a = actions(out)
    assert [a[b.id] for b in scheduled] == ["keep", "keep", "remove", "remove"]    # on-demand ones do not count
    assert [a[b.id] for b in on_demand] == ["keep", "keep", "remove", "remove", "remove"]
    assert "expired" in out.by_id[on_demand[4].id].reasons[0]
    assert "beyond the newest 2" in out.by_id[on_demand[2].id].reasons[0]


def test_backups_of_a_removed_job_are_kept_and_other_accounts_rotate_separately():
    mine = daily_backups(3, job="gone")
    theirs = [BackupEntry("x" + b.id[1:], "acc2", b.destination, b.created_at, b.kind, job="nightly")
              for b in daily_backups(3)]
    mine_nightly = daily_backups(3)
    out = decide(mine + theirs + mine_nightly, {"nightly": JobPolicy(keep_last=1)}, OnDemandPolicy(), NOW)
    a = actions(out)
    assert all(a[b.id] == "keep" for b in mine)
    assert [a[b.id] for b in theirs] == ["keep", "remove", "remove"]
    assert [a[b.id] for b in mine_nightly] == ["keep", "remove", "remove"]


def test_days_are_the_jobs_days():
    """Two backups on one UTC day can be two days in the job's time zone."""
    b1 = BackupEntry("a" * 16, "acc", "repo", "2027-01-05T23:30:00.000000Z", "scheduled", job="j")
    b2 = BackupEntry("b" * 16, "acc", "repo", "2027-01-05T00:30:00.000000Z", "scheduled", job="j")
    utc = decide([b1, b2], {"j": JobPolicy(keep_last=1, keep_daily=2, timezone="UTC")}, OnDemandPolicy(), NOW)
    tokyo = decide([b1, b2], {"j": JobPolicy(keep_last=1, keep_daily=2, timezone="Asia/Tokyo")}, OnDemandPolicy(), NOW)
    assert actions(utc)[b2.id] == "remove" and actions(tokyo)[b2.id] == "keep"


def test_the_decisions_do_not_depend_on_the_order_backups_come_in():
    """The catalog returns backups in no particular order (a growing catalog holds them night by night,
    every account interleaved): any order gives the same decisions, reasons included."""
    import random

    rnd = random.Random(7)
    backups = []
    for acc in ("acc1", "acc2", "acc3"):
        for job in ("nightly", "weekly", "gone", None):
            for i in range(40):
                when = NOW - dt.timedelta(days=i, hours=rnd.randrange(24), minutes=rnd.randrange(60))
                backups.append(BackupEntry(f"{acc}{job}{i:04d}", acc, "repo" if i % 3 else "other", to_iso(when),
                                           "scheduled" if job else "on-demand", job=job, locked=i % 11 == 0,
                                           locked_until=to_iso(NOW + dt.timedelta(days=1 - i % 3)) if i % 2 else None,
                                           expires_at=to_iso(NOW - dt.timedelta(days=2 - i % 5)) if not job else None))
    policies = {"nightly": JobPolicy(keep_last=3, keep_daily=5, keep_weekly=2, timezone="America/Sao_Paulo"),
                "weekly": JobPolicy(keep_last=2, keep_monthly=1)}
    first = decide(backups, policies, OnDemandPolicy(keep=4), NOW)
    assert first.remove and first.keep
    assert {d.backup_id for d in first.decisions} == {b.id for b in backups}
    for _ in range(5):
        rnd.shuffle(backups)
        again = decide(backups, policies, OnDemandPolicy(keep=4), NOW)
        assert sorted(again.decisions) == sorted(first.decisions)


def test_the_newest_of_each_bucket_also_when_a_local_date_steps_back():
    """Newest first, a series' calendar buckets normally only fall, and each bucket's newest backup is
    where its run starts; where a local date steps back (a zone leaving DST at midnight) a bucket can
    come twice, and its newest backup is still the only one that counts for it."""
    import random

    from core.jobs.retention import _newest_of_buckets

    def reference(found, count):
        firsts = {}
        for i, bucket in enumerate(found):
            firsts.setdefault(bucket, i)
        chosen = set(sorted(firsts.values())[:count])
        return [i in chosen for i in range(len(found))]

    rnd = random.Random(11)
    for _ in range(300):
        found = sorted((rnd.randrange(20) for _ in range(rnd.randrange(1, 30))), reverse=True)
        if rnd.random() < 0.5 and len(found) > 2:                 # a step back: a later bucket comes again
            i = rnd.randrange(1, len(found))
            found.insert(i, found[rnd.randrange(i)])
        count = rnd.randrange(1, 25)
        assert list(map(bool, _newest_of_buckets(found, count))) == reference(found, count), (found, count)
