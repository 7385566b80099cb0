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
import functools
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import getitem, itemgetter
from typing import NamedTuple

from core.support.bulk import gc_paused
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

    @property
    def remove(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == REMOVE]

    @property
    def keep(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == KEEP]

    @functools.cached_property
    def by_id(self) -> dict[str, Decision]:
        return {d[0]: d for d in self.decisions}


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
    rows = backups if isinstance(backups, list) else list(backups)
    if set(map(type, rows)) <= {tuple}:
        return rows
    return [b if isinstance(b, tuple) else tuple(getattr(b, f) for f in FIELDS) for b in rows]


_decision = functools.partial(tuple.__new__, Decision)     # a Decision without NamedTuple's Python-level __new__
_CALENDAR = (("daily", "day", 1), ("weekly", "week", 2), ("monthly", "month", 4))


def _job_reasons(job: str, policy: JobPolicy) -> tuple[list, list, list]:
    """A job's reasons, made once and shared by its decisions, indexed by the bit mask of the calendar
    rules that keep a backup: within the newest ``keep_last``; and beyond them, with the action (mask 0
    beyond ``keep_last`` is the one removal)."""
    whys = {bit: f"newest of its {period} ({kind} {getattr(policy, 'keep_' + kind)})"
            for kind, period, bit in _CALENDAR}
    more = [tuple(whys[bit] for _k, _p, bit in _CALENDAR if mask & bit) for mask in range(8)]
    last = (f"one of the newest {policy.keep_last} of job {job}",)
    beyond = [(f"beyond job {job}'s retention",)] + more[1:]
    return [last + m for m in more], beyond, [REMOVE] + [KEEP] * 7


def decide(backups: Iterable, jobs: Mapping[str, JobPolicy], on_demand: OnDemandPolicy,
           now: _dt.datetime) -> Outcome:
    """``backups``: catalog entries (BackupEntry) or plain tuples in ``FIELDS`` order, in any order.

    Written for a year of daily backups of a thousand accounts (365,000 rows, the catalog's
    ``retention_rows``): one pass to group, then whole-group steps (map, zip, slices) instead of a
    Python step per backup, each distinct minute converted to the job's time zone once (a job's backups share their times of day, so a year of them has a few hundred), reasons
    made once per job and shared, and the cyclic GC paused while the decisions are built."""
    with gc_paused():
        return Outcome(tuple(_decide(as_rows(backups), jobs, on_demand, to_iso(now))))


_GROUP = itemgetter(JOB, ACCOUNT, DESTINATION)
_NEWEST_FIRST = itemgetter(CREATED, ID)
_IDS, _CREATED, _LOCKED = itemgetter(ID), itemgetter(CREATED), itemgetter(LOCKED)
_MINUTE = slice(0, 16)                     # offsets are whole minutes


def _decide(rows: list[tuple], jobs: Mapping[str, JobPolicy], on_demand: OnDemandPolicy,
            now_text: str) -> list[Decision]:
    out: list[Decision] = []
    groups: dict[tuple, list] = {}
    get = groups.get
    for key, b in zip(map(_GROUP, rows), rows, strict=True):
        group = get(key)
        if group is None:
            groups[key] = [b]
        else:
            group.append(b)
    for key in [k for k in groups if k[0] is not None and not k[0]]:    # an empty job name is no job
        groups.setdefault((None, *key[1:]), []).extend(groups.pop(key))
    buckets: dict[tuple, dict] = {}           # (time zone, kind) -> {minute: bucket}
    reasons: dict[str, tuple] = {}
    for (job, _account, _destination), group in groups.items():
        held = [b for b in filter(_LOCKED, group) if b[LOCKED_UNTIL] is None or b[LOCKED_UNTIL] > now_text]
        if held:                              # a held backup is kept and counts toward nothing
            out.extend(_decision((b[ID], KEEP, (f"locked until {b[LOCKED_UNTIL]}" if b[LOCKED_UNTIL] else "locked",)))
                       for b in held)
            group = list(group)
            for b in held:
                group.remove(b)
        group.sort(key=_NEWEST_FIRST, reverse=True)
        if job is None:
            _on_demand(group, on_demand.keep, now_text, out)
        elif job not in jobs:
            why = (f"its job {job!r} no longer exists",)
            out.extend(_decision((bid, KEEP, why)) for bid in map(_IDS, group))
        else:
            if job not in reasons:
                reasons[job] = _job_reasons(job, jobs[job])
            _rotate(jobs[job], group, buckets, reasons[job], out)
    return out


def _rotate(policy: JobPolicy, group: list[tuple], buckets: dict, reasons: tuple, out: list) -> None:
    """One job's backups of one account at one destination, newest first."""
    n = len(group)
    masks = [0] * n                            # which calendar rules keep each backup, by position
    for kind, _period, bit in _CALENDAR:
        count = getattr(policy, "keep_" + kind)
        if not count:
            continue
        cache = buckets.setdefault((policy.timezone, kind), {})
        minutes = list(map(getitem, map(_CREATED, group), repeat(_MINUTE)))
        found = list(map(cache.get, minutes))
        if None in found:
            tz = zoneinfo.ZoneInfo(policy.timezone)
            for i, bucket in enumerate(found):
                if bucket is None:
                    bucket = cache.get(minutes[i])
                    if bucket is None:
                        bucket = cache[minutes[i]] = _bucket(from_iso(group[i][CREATED]).astimezone(tz), kind)
                    found[i] = bucket
        newest_of = dict(zip(reversed(found), range(n - 1, -1, -1), strict=True))  # bucket -> newest position
        for i in sorted(newest_of.values())[:count]:                  # the newest ``count`` buckets
            masks[i] |= bit
    within, beyond, beyond_action = reasons
    k = min(policy.keep_last, n)
    whys = list(map(within.__getitem__, masks[:k]))
    whys += map(beyond.__getitem__, masks[k:])
    acts = [KEEP] * k
    acts += map(beyond_action.__getitem__, masks[k:])
    out.extend(map(_decision, zip(map(_IDS, group), acts, whys, strict=True)))


def _on_demand(group: list[tuple], keep_n: int, now_text: str, out: list) -> None:
    """One account's on-demand backups at one destination, newest first."""
    for i, b in enumerate(group):
        bid, expires = b[ID], b[EXPIRES]
        if expires and expires <= now_text:
            out.append(_decision((bid, REMOVE, (f"on demand, expired {expires}",))))
        elif i < keep_n:
            out.append(_decision((bid, KEEP, (f"on demand, one of the newest {keep_n}"
                                              + (f", expires {expires}" if expires else ""),))))
        else:
            out.append(_decision((bid, REMOVE, (f"on demand, beyond the newest {keep_n}",))))
