"""When a job runs: schedule specs, next runs, due runs. Pure (the clock's time is an argument).

Specs: ``hourly`` (every hour at :00, or ``hourly@:MM``), ``daily@HH:MM``, ``weekly@DAY,HH:MM``
(DAY is mon..sun), ``monthly@D,HH:MM`` (D 1..31; months without that day are skipped, as cron does,
or ``monthly@last,HH:MM`` for the last day), or a five-field cron expression. Times are wall-clock
times in the job's time zone (an IANA name; default: this machine's).

Daylight saving time, decided once here: expressions are matched against wall-clock time, and each
matching wall-clock time runs exactly once. A time the clocks skip (02:30 on a spring-forward night
in Europe) runs at the same distance after the jump (03:30 local, one hour of absolute time after
02:30 would have been); a time that happens twice (fall back) runs at its first occurrence only.
Matching is croniter's (a well-kept cron library); the wall-clock resolution is ours, because cron
libraries differ on DST (croniter runs a daily job twice on a fall-back night).
"""

from __future__ import annotations

import datetime as _dt
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from core.errors import InvalidInputError

UTC = _dt.UTC
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DOW = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_TIME = r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)"
_PATTERNS = (
    ("hourly", re.compile(r"^hourly(?:@:(?P<m>[0-5]\d))?$")),
    ("daily", re.compile(rf"^daily@{_TIME}$")),
    ("weekly", re.compile(rf"^weekly@(?P<d>[a-z]{{3}}),{_TIME}$")),
    ("monthly", re.compile(rf"^monthly@(?P<dom>[1-9]|[12]\d|3[01]|last),{_TIME}$")),
)
SPEC_HINT = ("Use hourly, daily@HH:MM, weekly@sun,HH:MM, monthly@1,HH:MM (or monthly@last,HH:MM), "
             "or a cron expression such as '15 3 * * 1-5'.")


@dataclass(frozen=True)
class Schedule:
    spec: str           # as the user gave it (normalised)
    cron: str           # the cron expression it means
    timezone: str

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def describe(self) -> str:
        return f"{self.spec} ({self.timezone})"


def local_timezone() -> str:
    """This machine's IANA time zone name (UTC when it cannot be told)."""
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:
        name = None
    return name or "UTC"


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInputError(f"Unknown time zone {name!r}.", hint="Use an IANA name such as Europe/Berlin.") from None
    return name


def parse(spec: str, timezone: str | None = None) -> Schedule:
    text = " ".join((spec or "").strip().lower().split())
    tz = check_timezone(timezone or local_timezone())
    for kind, pattern in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        g = m.groupdict()
        if kind == "hourly":
            return Schedule(text, f"{int(g['m'] or 0)} * * * *", tz)
        h, mi = int(g["h"]), int(g["m"])
        if kind == "daily":
            return Schedule(f"daily@{h:02d}:{mi:02d}", f"{mi} {h} * * *", tz)
        if kind == "weekly":
            if g["d"] not in _CRON_DOW:
                raise InvalidInputError(f"Unknown day {g['d']!r} in {spec!r}.", hint=f"Days are {', '.join(DAYS)}.")
            return Schedule(f"weekly@{g['d']},{h:02d}:{mi:02d}", f"{mi} {h} * * {_CRON_DOW[g['d']]}", tz)
        dom = "L" if g["dom"] == "last" else g["dom"]
        return Schedule(f"monthly@{g['dom']},{h:02d}:{mi:02d}", f"{mi} {h} {dom} * *", tz)
    if len(text.split()) == 5:
        from croniter import croniter

        if croniter.is_valid(text):
            return Schedule(text, text, tz)
    raise InvalidInputError(f"Invalid schedule {spec!r}.", hint=SPEC_HINT, kind="invalid_schedule")


_DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
              "sat": "Saturday", "sun": "Sunday"}


def readable(schedule: Schedule) -> str:
    """The schedule in words: "Every day at 02:00", "Every Sunday at 03:30", "On the last day of
    every month at 04:00" (a cron expression is shown as such)."""
    spec = schedule.spec
    if spec.startswith("hourly"):
        minute = int(spec.partition("@:")[2] or 0)
        return "Every hour, on the hour" if minute == 0 else f"Every hour at {minute:02d} minutes past"
    kind, _, rest = spec.partition("@")
    if kind == "daily":
        return f"Every day at {rest}"
    if kind == "weekly":
        day, _, at = rest.partition(",")
        return f"Every {_DAY_NAMES[day]} at {at}"
    if kind == "monthly":
        day, _, at = rest.partition(",")
        if day == "last":
            return f"On the last day of every month at {at}"
        return f"On day {day} of every month at {at} (months without that day are skipped)"
    return f"When the cron expression \u201c{spec}\u201d matches"


def _resolve(naive: _dt.datetime, tz: zoneinfo.ZoneInfo) -> _dt.datetime:
    """The instant of a wall-clock time: the first occurrence when it happens twice, and shifted by
    the jump when it does not happen at all."""
    first = naive.replace(tzinfo=tz, fold=0)
    return first.astimezone(UTC)


def runs_after(schedule: Schedule, after: _dt.datetime) -> Iterator[_dt.datetime]:
    """Every run strictly after ``after`` (aware), in order, as aware UTC datetimes."""
    from croniter import croniter

    tz = schedule.tz
    # Start a little before, in wall-clock time, so a run in a skipped hour just before ``after`` is not lost.
    local = after.astimezone(tz).replace(tzinfo=None) - _dt.timedelta(hours=3)
    it = croniter(schedule.cron, local)
    last = None
    while True:
        naive = it.get_next(_dt.datetime)
        instant = _resolve(naive, tz)
        if instant <= after or (last is not None and instant <= last):
            continue
        last = instant
        yield instant


def next_runs(schedule: Schedule, after: _dt.datetime, n: int = 5) -> list[_dt.datetime]:
    out = []
    for when in runs_after(schedule, after):
        out.append(when)
        if len(out) >= n:
            break
    return out


def due_runs(schedule: Schedule, last: _dt.datetime | None, now: _dt.datetime, *,
             catch_up: int = 1) -> list[_dt.datetime]:
    """Runs due at ``now``: those after ``last`` (the latest run already queued) up to ``now``. Runs
    missed while nothing was running are not all replayed: at most ``catch_up`` (the newest)."""
    if last is None:
        return []          # a new job runs from its next scheduled time on, not for the past
    due = []
    for when in runs_after(schedule, last):
        if when > now:
            break
        due.append(when)
        if len(due) > 10_000:   # a schedule far behind (every minute for weeks): only the newest matter
            due = due[-catch_up:]
    return due[-catch_up:] if catch_up else due
