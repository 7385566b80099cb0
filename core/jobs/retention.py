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
from typing import NamedTuple

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


class Decision(NamedTuple):
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
    """``backups`` are catalog rows with id, account_id, destination, job, kind, created_at,
    expires_at, locked and locked_until (BackupEntry, or the lean rows of ``catalog.backups.retention_rows``).

    Written for a year of daily backups of a thousand accounts (365,000 rows): one pass to group,
    one sort per group, time zones parsed only for the few backups a daily/weekly/monthly rule looks at."""
    now_text = to_iso(now)
    reasons: dict[str, tuple[str, ...]] = {}
    action: dict[str, str] = {}
    order: list[str] = []
    scheduled: dict[tuple, list] = defaultdict(list)
    manual: dict[tuple, list] = defaultdict(list)
    for b in backups:
        bid = b.id
        order.append(bid)
        if b.locked and (b.locked_until is None or b.locked_until > now_text):
            action[bid] = KEEP
            reasons[bid] = (f"locked until {b.locked_until}" if b.locked_until else "locked",)
            continue
        job = b.job
        if job:
            if job not in jobs:
                action[bid] = KEEP
                reasons[bid] = (f"its job {job!r} no longer exists",)
                continue
            scheduled[(job, b.account_id, b.destination)].append(b)
        else:
            manual[(b.account_id, b.destination)].append(b)

    newest = {}
    for job, policy in jobs.items():
        newest[job] = f"one of the newest {policy.keep_last} of job {job}"
    for (job, _acc, _dest), group in scheduled.items():
        policy = jobs[job]
        group.sort(key=_newest_first, reverse=True)
        extra: dict[str, list[str]] = {}
        if policy.keep_daily or policy.keep_weekly or policy.keep_monthly:
            tz = zoneinfo.ZoneInfo(policy.timezone)
            for kind, count in (("daily", policy.keep_daily), ("weekly", policy.keep_weekly),
                                ("monthly", policy.keep_monthly)):
                if not count:
                    continue
                seen: set = set()
                for b in group:
                    bucket = _bucket(from_iso(b.created_at).astimezone(tz), kind)
                    if bucket in seen:
                        continue
                    if len(seen) >= count:
                        break
                    seen.add(bucket)
                    period = "day" if kind == "daily" else kind[:-2]
                    extra.setdefault(b.id, []).append(f"newest of its {period} ({kind} {count})")
        last_text = newest[job]
        beyond = f"beyond job {job}'s retention"
        for i, b in enumerate(group):
            bid = b.id
            more = extra.get(bid)
            if i < policy.keep_last:
                action[bid] = KEEP
                reasons[bid] = (last_text, *more) if more else (last_text,)
            elif more:
                action[bid] = KEEP
                reasons[bid] = tuple(more)
            else:
                action[bid] = REMOVE
                reasons[bid] = (beyond,)

    keep_n = on_demand.keep
    for group in manual.values():
        group.sort(key=_newest_first, reverse=True)
        for i, b in enumerate(group):
            bid, expires = b.id, b.expires_at
            if expires and expires <= now_text:
                action[bid] = REMOVE
                reasons[bid] = (f"on demand, expired {expires}",)
            elif i < keep_n:
                action[bid] = KEEP
                reasons[bid] = (f"on demand, one of the newest {keep_n}" + (f", expires {expires}" if expires else ""),)
            else:
                action[bid] = REMOVE
                reasons[bid] = (f"on demand, beyond the newest {keep_n}",)
    decisions = tuple(Decision(i, action[i], reasons[i]) for i in order)
    return Outcome(decisions, {d.backup_id: d for d in decisions})


def _newest_first(b) -> tuple:
    return (b.created_at, b.id)
