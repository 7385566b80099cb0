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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, islice, repeat
from operator import ge, getitem, gt, itemgetter, mul, ne, or_
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


class Decisions(Sequence):
    """Decisions kept as three columns (ids, actions, reasons; the reasons are tuples shared by many):
    a year of daily backups of a thousand accounts is 365,000 decisions, and three lists cost a
    fraction of 365,000 tuples to build, to hold and for the cyclic GC to scan. Reads as a sequence of
    ``Decision``, each made when it is read."""

    __slots__ = ("ids", "actions", "reasons")

    def __init__(self, ids: list[str] | None = None, actions: list[str] | None = None,
                 reasons: list[tuple[str, ...]] | None = None):
        self.ids, self.actions, self.reasons = ids or [], actions or [], reasons or []

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Decisions(self.ids[i], self.actions[i], self.reasons[i])
        return _decision((self.ids[i], self.actions[i], self.reasons[i]))

    def __iter__(self):
        return map(_decision, zip(self.ids, self.actions, self.reasons, strict=True))

    def __eq__(self, other) -> bool:
        if isinstance(other, Decisions):
            return (self.ids, self.actions, self.reasons) == (other.ids, other.actions, other.reasons)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Decisions({len(self)} decisions, {self.actions.count(REMOVE)} to remove)"

    def as_dicts(self) -> list[dict]:
        """Every decision as ``Decision.as_dict`` makes it (decisions with the same reasons share one list)."""
        lists = {r: list(r) for r in set(self.reasons)}
        return [{"id": i, "action": a, "reasons": r}
                for i, a, r in zip(self.ids, self.actions, map(lists.__getitem__, self.reasons), strict=True)]

    def where(self, action: str) -> Decisions:
        """The decisions with this action, in order."""
        chosen = list(map(action.__eq__, self.actions))
        return Decisions(list(compress(self.ids, chosen)), [action] * sum(chosen),
                         list(compress(self.reasons, chosen)))


@dataclass(frozen=True)
class Outcome:
    decisions: Decisions

    @functools.cached_property
    def remove(self) -> Decisions:
        return self.decisions.where(REMOVE)

    @functools.cached_property
    def keep(self) -> Decisions:
        return self.decisions.where(KEEP)

    @functools.cached_property
    def by_id(self) -> dict[str, Decision]:
        return {d[0]: d for d in self.decisions}


def _bucket(moment: _dt.datetime, kind: str) -> int:
    """The calendar bucket as a number that grows with time (cheap to hash and compare)."""
    if kind == "daily":
        return moment.year * 10_000 + moment.month * 100 + moment.day
    if kind == "weekly":
        y, w, _ = moment.isocalendar()
        return y * 100 + w
    return moment.year * 100 + moment.month


def as_rows(backups: Iterable) -> list[tuple]:
    """Backups as plain tuples in ``FIELDS`` order: tuples pass as they are, anything else
    (BackupEntry) is read by attribute."""
    rows = backups if isinstance(backups, list) else list(backups)
    if set(map(type, rows)) <= {tuple}:
        return rows
    return [b if isinstance(b, tuple) else tuple(getattr(b, f) for f in FIELDS) for b in rows]


class Series(NamedTuple):
    """One account's backups of one job (None: on demand) at one destination: what rotation is per."""
    job: str | None
    account_id: str
    destination: str
    ids: list[str]                  # newest first: created_at, then id, descending
    created: list[str]              # the same backups' created_at, in the same order


# The rare facts, only for the backups that have one: (job or None, account, destination) -> {id:
# (expires_at, locked, locked_until)}.
Marks = Mapping[tuple, Mapping[str, tuple]]


def as_series(backups: Iterable) -> tuple[list[Series], dict]:
    """Backups (BackupEntry or ``FIELDS`` tuples, any order) as ``decide_series`` takes them; the
    catalog reads the same shape straight from the database (``BackupIndex.retention_series``)."""
    groups: dict[tuple, list] = {}
    marks: dict[tuple, dict] = {}
    for b in as_rows(backups):
        key = (b[JOB] or None, b[ACCOUNT], b[DESTINATION])
        groups.setdefault(key, []).append(b)
        if b[LOCKED] or b[EXPIRES]:
            marks.setdefault(key, {})[b[ID]] = (b[EXPIRES], bool(b[LOCKED]), b[LOCKED_UNTIL])
    series = []
    for key, group in groups.items():
        group.sort(key=_NEWEST_FIRST, reverse=True)
        series.append(Series(*key, list(map(_IDS, group)), list(map(_CREATED, group))))
    return series, marks


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
    """``backups``: catalog entries (BackupEntry) or plain tuples in ``FIELDS`` order, in any order."""
    series, marks = as_series(backups)
    return decide_series(series, marks, jobs, on_demand, now)


def decide_series(series: Iterable[tuple], marks: Marks, jobs: Mapping[str, JobPolicy], on_demand: OnDemandPolicy,
                  now: _dt.datetime) -> Outcome:
    """The decisions for backups already grouped into series (``Series`` or plain tuples in its
    order: ``as_series``, or the catalog's ``retention_series``), each newest first (checked; sorted
    when it is not).

    Written for a year of daily backups of a thousand accounts (365,000 backups in 1,000 series):
    whole-series steps (map, zip, slices) instead of a Python step per backup, each distinct minute
    converted to the job's time zone once (a job's backups share their times of day, so a year of them
    has a few hundred), reasons made once per job and shared, and the cyclic GC paused while the
    decisions are built."""
    with gc_paused():
        return Outcome(_decide(series, marks, jobs, on_demand, to_iso(now)))


_NEWEST_FIRST = itemgetter(CREATED, ID)
_IDS, _CREATED = itemgetter(ID), itemgetter(CREATED)
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_MINUTE = slice(0, 16)                     # offsets are whole minutes


def _newest_first(ids: list[str], created: list[str]) -> tuple[list[str], list[str]]:
    """The series in (created_at, id) descending order: as it is when it already is (one C-level
    comparison per backup), else sorted."""
    if all(map(gt, created, islice(created, 1, None))):
        return ids, created
    pairs = sorted(zip(created, ids, strict=True), reverse=True)
    return list(map(_SECOND, pairs)), list(map(_FIRST, pairs))


def _decide(series: Iterable[tuple], marks: Marks, jobs: Mapping[str, JobPolicy], on_demand: OnDemandPolicy,
            now_text: str) -> Decisions:
    out = Decisions()
    merged: dict[tuple, tuple[list, list]] = {}
    for job, account, destination, ids, created in series:     # an empty job name is no job: it joins None's
        key = (job or None, account, destination)
        have = merged.get(key)
        merged[key] = (ids, created) if have is None else (have[0] + ids, have[1] + created)
    buckets: dict[tuple, dict] = {}           # (time zone, kind) -> {minute: bucket}
    reasons: dict[str, tuple] = {}
    for key, (ids, created) in merged.items():
        ids, created = _newest_first(ids, created)
        job = key[0]
        marked = marks.get(key) or {}
        held = [(bid, until) for bid, (_expires, locked, until) in marked.items()
                if locked and (until is None or until > now_text)]
        if held:                              # a held backup is kept and counts toward nothing
            ids, created = list(ids), list(created)
            for bid, until in held:
                try:
                    i = ids.index(bid)
                except ValueError:            # not in this series (marks given for more than it)
                    continue
                del ids[i], created[i]
                out.ids.append(bid)
                out.actions.append(KEEP)
                out.reasons.append((f"locked until {until}" if until else "locked",))
        if job is None:
            _on_demand(ids, marked, on_demand.keep, now_text, out)
        elif job not in jobs:
            out.ids += ids
            out.actions += repeat(KEEP, len(ids))
            out.reasons += repeat((f"its job {job!r} no longer exists",), len(ids))
        else:
            if job not in reasons:
                reasons[job] = _job_reasons(job, jobs[job])
            _rotate(jobs[job], ids, created, buckets, reasons[job], out)
    return out


def _rotate(policy: JobPolicy, ids: list[str], created: list[str], buckets: dict, reasons: tuple,
            out: Decisions) -> None:
    """One job's backups of one account at one destination, newest first."""
    n = len(ids)
    masks: list[int] | None = None             # which calendar rules keep each backup, by position
    minutes = None
    for kind, _period, bit in _CALENDAR:
        count = getattr(policy, "keep_" + kind)
        if not count:
            continue
        cache = buckets.setdefault((policy.timezone, kind), {})
        if minutes is None:
            minutes = list(map(getitem, created, repeat(_MINUTE)))
        found = list(map(cache.get, minutes))
        if None in found:
            tz = zoneinfo.ZoneInfo(policy.timezone)
            for i, bucket in enumerate(found):
                if bucket is None:
                    bucket = cache.get(minutes[i])
                    if bucket is None:
                        bucket = cache[minutes[i]] = _bucket(from_iso(created[i]).astimezone(tz), kind)
                    found[i] = bucket
        newest = _newest_of_buckets(found, count)
        if bit != 1:
            newest = list(map(mul, newest, repeat(bit)))
        masks = newest if masks is None else list(map(or_, masks, newest))
    within, beyond, beyond_action = reasons
    k = min(policy.keep_last, n)
    out.ids += ids
    out.actions += repeat(KEEP, k)
    if masks is None:
        out.reasons += repeat(within[0], k)
        out.reasons += repeat(beyond[0], n - k)
        out.actions += repeat(beyond_action[0], n - k)
    else:
        out.reasons += map(within.__getitem__, islice(masks, k))
        out.reasons += map(beyond.__getitem__, islice(masks, k, None))
        out.actions += map(beyond_action.__getitem__, islice(masks, k, None))


def _newest_of_buckets(found: list[int], count: int) -> list:
    """For each position of a series (newest first) and its calendar bucket: whether it is the newest
    backup of one of the newest ``count`` buckets (True/False, or 1/0)."""
    n = len(found)
    if all(map(ge, found, islice(found, 1, None))):
        # Buckets follow time, so each one's backups sit side by side and its newest starts the run.
        starts = list(map(ne, found, chain((None,), found)))
        cut = next(islice(compress(range(n), starts), count, None), n)     # where bucket count+1 starts
        starts[cut:] = repeat(False, n - cut)
        return starts
    # A local date can step back (a zone that leaves DST at midnight repeats an hour of the day before).
    newest_of = dict(zip(reversed(found), range(n - 1, -1, -1), strict=True))   # bucket -> newest position
    marks = [0] * n
    for i in sorted(newest_of.values())[:count]:
        marks[i] = 1
    return marks


def _on_demand(ids: list[str], marked: Mapping[str, tuple], keep_n: int, now_text: str, out: Decisions) -> None:
    """One account's on-demand backups at one destination, newest first."""
    for i, bid in enumerate(ids):
        expires = marked[bid][0] if bid in marked else None
        out.ids.append(bid)
        if expires and expires <= now_text:
            out.actions.append(REMOVE)
            out.reasons.append((f"on demand, expired {expires}",))
        elif i < keep_n:
            out.actions.append(KEEP)
            out.reasons.append((f"on demand, one of the newest {keep_n}" + (f", expires {expires}" if expires else ""),))
        else:
            out.actions.append(REMOVE)
            out.reasons.append((f"on demand, beyond the newest {keep_n}",))
