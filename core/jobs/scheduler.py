"""The scheduler: due runs of every job become queue items, exactly once.

``run_due(ctx, now)`` looks at each enabled job: the runs due since the latest one already queued
(``jobs.last_scheduled``; a new job counts from its creation) up to ``now``, computed by the pure
core/jobs/schedule.py (``due_runs``: wall-clock times in the job's time zone, DST-correct; after a
long pause only the newest missed run is caught up). For each due run it queues one backup per
account the job covers (all accounts, the chosen usernames, or the accounts with a tag; deleted
accounts never), recorded as a scheduled backup of the job.

Exactly once, however many processes run it at the same time (a systemd timer, the desktop app,
another workstation on a shared catalog): each job is handled in one write transaction that locks the
job (SQLite's ``BEGIN IMMEDIATE`` excludes every other writer; on PostgreSQL ``FOR UPDATE`` on the job's
row), queues its runs and moves ``last_scheduled`` forward before committing; the second process then
finds nothing due. The unique (job, scheduled_for, account) constraint of the queue is the last word.

``next_runs`` answers ``schedule next``. ``ScheduleTicker`` runs ``run_due`` in the background while the
desktop app is open.
"""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass, field

from core.errors import UnitvaultError
from core.logsetup import get_logger
from core.support.clock import to_iso

log = get_logger("scheduler")

KEEP_DAYS_SETTING = "queue.keep_days"       # finished queue items are forgotten after this many days
DEFAULT_KEEP_DAYS = 30


@dataclass(frozen=True)
class QueuedRun:
    job: str
    scheduled_for: str                 # ISO UTC
    items: tuple[int, ...]             # the queue items made for it
    accounts: int                      # accounts the job covers


@dataclass(frozen=True)
class DueResult:
    runs: tuple[QueuedRun, ...]
    problems: tuple[str, ...] = ()     # jobs that could not be scheduled, each with its reason
    purged: int = 0                    # finished queue items forgotten

    @property
    def items(self) -> int:
        return sum(len(r.items) for r in self.runs)


@dataclass(frozen=True)
class JobNext:
    job: str
    schedule: str
    timezone: str
    destination: str
    enabled: bool
    accounts: int
    next: tuple[_dt.datetime, ...] = field(default=())     # aware UTC
    problem: str | None = None


def _scheduled_request(job, account) -> dict:
    from core.app.backups import BackupNow
    from core.jobs.requests import encode

    _kind, stored, _secrets = encode(BackupNow(account.id, job.destination, ",".join(job.items), job=job.name))
    return stored


def run_due(ctx, now: _dt.datetime | None = None) -> DueResult:
    from core.jobs.schedule import due_runs, parse
    from core.support.clock import from_iso

    catalog = ctx.catalog
    now = now or ctx.clock.now()
    runs: list[QueuedRun] = []
    problems: list[str] = []
    cache: dict = {}                       # the accounts, read once per pass
    for listed in catalog.jobs.list():
        if not listed.enabled:
            continue
        try:
            schedule = parse(listed.schedule, listed.timezone)
        except UnitvaultError as exc:
            problems.append(f"{listed.name}: {exc.message}")
            continue
        try:
            with catalog.write() as c:
                job = catalog.queue.lock_job(listed.name, c)
                if job is None or not job.enabled:
                    continue
                due = due_runs(schedule, from_iso(job.last_scheduled or job.created_at), now)
                if not due:
                    continue
                made, missing = _queue_runs(catalog, job, due, c, cache)
                catalog.jobs.set_last_scheduled(job.name, to_iso(due[-1]), c)
        except UnitvaultError as exc:
            problems.append(f"{listed.name}: {exc.message}")
            continue
        runs += made                       # committed
        problems += missing
    purged = catalog.queue.purge(to_iso(now - _dt.timedelta(days=keep_days(catalog))))
    for run in runs:
        log.info("job %s: run of %s queued for %d account(s)", run.job, run.scheduled_for, len(run.items))
    return DueResult(tuple(runs), tuple(problems), purged)


def _queue_runs(catalog, job, whens, conn, cache: dict | None = None) -> tuple[list[QueuedRun], list[str]]:
    """One backup item per covered account for each run of ``job`` in ``whens``, on ``conn``'s transaction;
    accounts a run was already queued for are left alone. Returns the runs and the chosen usernames that
    do not exist. ``cache`` keeps the accounts and their priority groups across the jobs of one pass."""
    cache = {} if cache is None else cache
    if "accounts" not in cache:
        cache["accounts"] = catalog.queue.accounts_snapshot(conn)
    groups = cache.setdefault("groups", {})
    (accounts,) = catalog.queue.covered([job.accounts], snapshot=cache["accounts"])
    found = {a.username for a in accounts}
    missing = [f"{job.name}: no account named {name!r}; it was skipped."
               for name in job.accounts.get("usernames", ()) if name not in found]
    entries = []
    for account in accounts:
        key = (account.priority_group, account.tags)
        if key not in groups:              # one resolution per distinct override and tags, not per account
            groups[key] = catalog.priorities.resolve("backup", account, conn)
        entries.append((account, _scheduled_request(job, account), groups[key]))
    runs = []
    for when in whens:
        stamp = to_iso(when)
        made = catalog.queue.add_run("backup", job=job.name, scheduled_for=stamp, destination=job.destination,
                                     entries=entries, conn=conn)
        runs.append(QueuedRun(job.name, stamp, tuple(made), len(accounts)))
    return runs, missing


def queue_job_now(ctx, name: str, now: _dt.datetime | None = None) -> DueResult:
    """Queue a run of the job ``name`` now, outside its schedule (``job run``): the same items a scheduled
    run makes, recorded as the job's; its schedule is not moved."""
    catalog = ctx.catalog
    catalog.jobs.get(name)
    with catalog.write() as c:
        job = catalog.queue.lock_job(name, c)
        runs, missing = _queue_runs(catalog, job, [now or ctx.clock.now()], c)
    return DueResult(tuple(runs), tuple(missing))


def keep_days(catalog) -> int:
    n = catalog.settings.get_int(KEEP_DAYS_SETTING, DEFAULT_KEEP_DAYS)
    return n if 1 <= n <= 3650 else DEFAULT_KEEP_DAYS


def next_runs(ctx, now: _dt.datetime | None = None, count: int = 1) -> list[JobNext]:
    """Each job's next ``count`` runs after ``now`` (disabled jobs: none), with the accounts it covers."""
    from core.jobs.schedule import next_runs as upcoming
    from core.jobs.schedule import parse

    catalog = ctx.catalog
    now = now or ctx.clock.now()
    jobs = catalog.jobs.list()
    covered = catalog.queue.covered([j.accounts for j in jobs])
    out = []
    for job, accounts in zip(jobs, covered, strict=True):
        try:
            schedule = parse(job.schedule, job.timezone)
        except UnitvaultError as exc:
            out.append(JobNext(job.name, job.schedule, job.timezone, job.destination, job.enabled, len(accounts),
                               (), exc.message))
            continue
        when = tuple(upcoming(schedule, now, count)) if job.enabled else ()
        out.append(JobNext(job.name, schedule.spec, job.timezone, job.destination, job.enabled, len(accounts), when))
    out.sort(key=lambda j: (not j.next, j.next[0] if j.next else now, j.job))
    return out


class ScheduleTicker:
    """Runs ``run_due`` every ``interval`` seconds in a background thread (the desktop app, while open)."""

    def __init__(self, ctx, interval: float = 30.0):
        self.ctx = ctx
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        _ = self.ctx.catalog
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="uv-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_due(self.ctx)
            except UnitvaultError as exc:
                log.warning("scheduling failed: %s", exc.message)
            except Exception:  # the ticker keeps going; the traceback goes to the log
                log.exception("scheduling failed")
            self._stop.wait(self.interval)

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
