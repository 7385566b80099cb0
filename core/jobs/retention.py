"""Retention: which backups to keep and which to remove, and why. Pure (restic's snapshot policy is
the model): the backups, the policies and the time are arguments; nothing is read or deleted here.

Rules, in this order, for every backup:
1. **Locked** (and the lock has not expired): kept, whatever else applies. A locked backup does not
   count toward any rotation either.
2. **Scheduled** backups (made by a job) rotate per (job, account, destination): the newest
   ``keep_last`` are kept (JetBackup's rotation), and, when set, the newest backup of each of the last
   ``keep_daily`` days, ``keep_weekly`` ISO weeks and ``keep_monthly`` months that have one (days in
   the job's time zone). Everything else of that job is removed. A backup whose job no longer
   exists is kept (removing it needs an explicit forget).
3. **On-demand** backups (and backups from versions before jobs existed) never count toward a job's
   rotation. They have their own rules, per account and destination: the newest ``keep`` are kept,
   except those whose TTL has run out (``expires_at`` in the past), which are removed.
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from core.support.clock import from_iso, to_iso

KEEP, REMOVE = "keep", "remove"


@dataclass(frozen=True)
class JobPolicy:
    keep_last: int
    keep_daily: int | None = None
    keep_weekly: int | None = None
    keep_monthly: int | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class OnDemandPolicy:
    keep: int = 10                  # newest on-demand backups kept per account and destination


@dataclass(frozen=True)
class Decision:
    backup_id: str
    action: str                     # keep | remove
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"id": self.backup_id, "action": self.action, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Outcome:
    decisions: tuple[Decision, ...]
    by_id: dict = field(default_factory=dict, compare=False)

    @property
    def remove(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == REMOVE]

    @property
    def keep(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == KEEP]


def _bucket(moment: _dt.datetime, kind: str) -> tuple:
    if kind == "daily":
        return (moment.year, moment.month, moment.day)
    if kind == "weekly":
        y, w, _ = moment.isocalendar()
        return (y, w)
    return (moment.year, moment.month)


def decide(backups: Iterable, jobs: Mapping[str, JobPolicy], on_demand: OnDemandPolicy,
           now: _dt.datetime) -> Outcome:
    """``backups`` are catalog BackupEntry rows (or anything with id, account_id, destination, job,
    kind, created_at, expires_at and ``lock_active(now_iso)``)."""
    now_text = to_iso(now)
    reasons: dict[str, list[str]] = {}
    action: dict[str, str] = {}
    order: list[str] = []
    scheduled: dict[tuple, list] = defaultdict(list)
    manual: dict[tuple, list] = defaultdict(list)
    for b in backups:
        order.append(b.id)
        reasons[b.id] = []
        if b.lock_active(now_text):
            action[b.id] = KEEP
            reasons[b.id].append(f"locked until {b.locked_until}" if b.locked_until else "locked")
            continue
        if b.job:
            if b.job not in jobs:
                action[b.id] = KEEP
                reasons[b.id].append(f"its job {b.job!r} no longer exists")
                continue
            scheduled[(b.job, b.account_id, b.destination)].append(b)
        else:
            manual[(b.account_id, b.destination)].append(b)

    for (job, _acc, _dest), group in scheduled.items():
        policy = jobs[job]
        group.sort(key=lambda b: (b.created_at, b.id), reverse=True)      # newest first
        for i, b in enumerate(group):
            if i < policy.keep_last:
                reasons[b.id].append(f"one of the newest {policy.keep_last} of job {job}")
        tz = zoneinfo.ZoneInfo(policy.timezone)
        for kind, count in (("daily", policy.keep_daily), ("weekly", policy.keep_weekly),
                            ("monthly", policy.keep_monthly)):
            if not count:
                continue
            seen: list = []
            for b in group:
                bucket = _bucket(from_iso(b.created_at).astimezone(tz), kind)
                if bucket in seen:
                    continue
                seen.append(bucket)
                if len(seen) > count:
                    break
                reasons[b.id].append(f"newest of its {'day' if kind == 'daily' else kind[:-2]} ({kind} {count})")
        for b in group:
            if reasons[b.id]:
                action[b.id] = KEEP
            else:
                action[b.id] = REMOVE
                reasons[b.id].append(f"beyond job {job}'s retention")

    for (_acc, _dest), group in manual.items():
        group.sort(key=lambda b: (b.created_at, b.id), reverse=True)
        for i, b in enumerate(group):
            if b.expires_at and b.expires_at <= now_text:
                action[b.id] = REMOVE
                reasons[b.id].append(f"on demand, expired {b.expires_at}")
            elif i < on_demand.keep:
                action[b.id] = KEEP
                reasons[b.id].append(f"on demand, one of the newest {on_demand.keep}"
                                     + (f", expires {b.expires_at}" if b.expires_at else ""))
            else:
                action[b.id] = REMOVE
                reasons[b.id].append(f"on demand, beyond the newest {on_demand.keep}")
    decisions = tuple(Decision(i, action[i], tuple(reasons[i])) for i in order)
    return Outcome(decisions, {d.backup_id: d for d in decisions})
