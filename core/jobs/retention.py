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
# What retention decides by, in the order of the plain tuples ``decide`` works on.
FIELDS = ("id", "account_id", "destination", "job", "created_at", "expires_at", "locked", "locked_until")
ID, ACCOUNT, DESTINATION, JOB, CREATED, EXPIRES, LOCKED, LOCKED_UNTIL = range(len(FIELDS))


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


def as_rows(backups: Iterable) -> list[tuple]:
    """Backups as the plain tuples ``decide`` works on: tuples pass as they are (the catalog's
    ``retention_rows``), anything else (BackupEntry) is read by attribute."""
    return [b if isinstance(b, tuple) else tuple(getattr(b, f) for f in FIELDS) for b in backups]


def decide(backups: Iterable, jobs: Mapping[str, JobPolicy], on_demand: OnDemandPolicy,
           now: _dt.datetime) -> Outcome:
    """``backups``: catalog entries (BackupEntry) or plain tuples in ``FIELDS`` order (the lean rows
    of ``catalog.backups.retention_rows``).

    Written for a year of daily backups of a thousand accounts (365,000 rows): positional tuples, one
    pass to group, one sort per group, and each distinct minute converted to the job's time zone once
    (a job's backups share their times of day, so a year of them has a few hundred)."""
    rows = as_rows(backups)
    now_text = to_iso(now)
    out: list[Decision] = []
    scheduled: dict[tuple, list] = defaultdict(list)
    manual: dict[tuple, list] = defaultdict(list)
    for b in rows:
        if b[LOCKED] and (b[LOCKED_UNTIL] is None or b[LOCKED_UNTIL] > now_text):
            out.append(Decision(b[ID], KEEP, (f"locked until {b[LOCKED_UNTIL]}" if b[LOCKED_UNTIL] else "locked",)))
            continue
        job = b[JOB]
        if job:
            if job not in jobs:
                out.append(Decision(b[ID], KEEP, (f"its job {job!r} no longer exists",)))
                continue
            scheduled[(job, b[ACCOUNT], b[DESTINATION])].append(b)
        else:
            manual[(b[ACCOUNT], b[DESTINATION])].append(b)

    buckets: dict[tuple, dict] = {}          # (time zone, kind) -> {minute: bucket}
    for (job, _acc, _dest), group in scheduled.items():
        policy = jobs[job]
        group.sort(key=_newest_first, reverse=True)
        more: list[tuple] = [()] * len(group)     # the calendar rules' reasons, by position
        if policy.keep_daily or policy.keep_weekly or policy.keep_monthly:
            tz = zoneinfo.ZoneInfo(policy.timezone)
            for kind, count in (("daily", policy.keep_daily), ("weekly", policy.keep_weekly),
                                ("monthly", policy.keep_monthly)):
                if not count:
                    continue
                cache = buckets.setdefault((policy.timezone, kind), {})
                seen: set = set()
                period = "day" if kind == "daily" else kind[:-2]
                why = (f"newest of its {period} ({kind} {count})",)
                for i, b in enumerate(group):
                    minute = b[CREATED][:16]               # offsets are whole minutes
                    bucket = cache.get(minute)
                    if bucket is None:
                        bucket = cache[minute] = _bucket(from_iso(b[CREATED]).astimezone(tz), kind)
                    if bucket in seen:
                        continue
                    if len(seen) >= count:
                        break
                    seen.add(bucket)
                    more[i] += why
        last = (f"one of the newest {policy.keep_last} of job {job}",)
        beyond = (f"beyond job {job}'s retention",)
        keep_last = policy.keep_last
        for i, b in enumerate(group):
            m = more[i]
            if i < keep_last:
                out.append(Decision(b[ID], KEEP, last + m))
            elif m:
                out.append(Decision(b[ID], KEEP, m))
            else:
                out.append(Decision(b[ID], REMOVE, beyond))

    keep_n = on_demand.keep
    for group in manual.values():
        group.sort(key=_newest_first, reverse=True)
        for i, b in enumerate(group):
            bid, expires = b[ID], b[EXPIRES]
            if expires and expires <= now_text:
                out.append(Decision(bid, REMOVE, (f"on demand, expired {expires}",)))
            elif i < keep_n:
                out.append(Decision(bid, KEEP, (f"on demand, one of the newest {keep_n}"
                                                + (f", expires {expires}" if expires else ""),)))
            else:
                out.append(Decision(bid, REMOVE, (f"on demand, beyond the newest {keep_n}",)))
    decisions = tuple(out)
    return Outcome(decisions, {d[0]: d for d in decisions})


def _newest_first(b: tuple) -> tuple:
    return (b[CREATED], b[ID])
