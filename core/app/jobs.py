"""Use cases for backup jobs: add, list, show, edit, remove; and when each one runs next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.app.usecase import use_case
from core.errors import ConfirmationRequired, InvalidInputError

if TYPE_CHECKING:
    from core.jobs.retention import Decisions


def local_timezone() -> str:
    """The time zone a job gets when none is chosen: this machine's (IANA name)."""
    from core.jobs.schedule import local_timezone as tz

    return tz()


ACCOUNTS_HINT = "Use all, a comma-separated list of usernames, or tag:TAG."


def parse_accounts(ctx, text: str) -> dict:
    """``all`` | ``tag:TAG`` | ``alice,bob`` -> the stored form; named accounts and tags must exist."""
    text = (text or "").strip()
    if not text:
        raise InvalidInputError("Choose the accounts the job covers.", hint=ACCOUNTS_HINT)
    if text == "all":
        return {"all": True}
    if text.startswith("tag:"):
        tag = text[4:].strip()
        ctx.catalog.tags.get(tag)
        return {"tag": tag}
    names = sorted({n.strip() for n in text.split(",") if n.strip()})
    for name in names:
        ctx.catalog.accounts.get(name)
    if not names:
        raise InvalidInputError("Choose the accounts the job covers.", hint=ACCOUNTS_HINT)
    return {"usernames": names}


def covered_accounts(ctx, job) -> list:
    """The live accounts a job backs up now (suspended ones too: suspension stops the account, not its
    backups)."""
    spec = job.accounts
    accounts = [a for a in ctx.catalog.accounts.list()]
    if spec.get("all"):
        return accounts
    if "tag" in spec:
        return [a for a in accounts if spec["tag"] in a.tags]
    wanted = set(spec.get("usernames", []))
    return [a for a in accounts if a.username in wanted]


def _check_keep(name: str, value: int | None, *, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if not isinstance(value, int) or not 1 <= value <= 10_000:
        raise InvalidInputError(f"{name} is a number from 1 to 10,000.")
    return value


@dataclass(frozen=True)
class JobSpec:
    """A job as the user describes it; ``None`` in an edit leaves the field as it is."""
    name: str
    destination: str | None = None
    accounts: str | None = None          # all | USERNAME,... | tag:TAG
    items: str | None = None             # account,units,files (a subset)
    schedule: str | None = None          # hourly | daily@HH:MM | weekly@DAY,HH:MM | monthly@D,HH:MM | cron
    timezone: str | None = None          # IANA name; default this machine's
    keep: int | None = None              # newest N kept (rotation)
    keep_daily: int | None = None
    keep_weekly: int | None = None
    keep_monthly: int | None = None
    enabled: bool | None = None


def _build(ctx, spec: JobSpec, base=None):
    from core.accounts.backup import parse_items
    from core.catalog.jobs import Job, check_job_name
    from core.jobs.schedule import parse

    check_job_name(spec.name)
    destination = spec.destination if spec.destination is not None else (base.destination if base else None)
    if not destination:
        raise InvalidInputError("A job needs a destination.", kind="job_destination_missing")
    ctx.catalog.destinations.get(destination)
    accounts = parse_accounts(ctx, spec.accounts) if spec.accounts is not None else (base.accounts if base else None)
    if accounts is None:
        raise InvalidInputError("Choose the accounts the job covers.", hint=ACCOUNTS_HINT, kind="job_accounts_missing")
    items = parse_items(spec.items) if spec.items is not None else (base.items if base else parse_items(None))
    timezone = spec.timezone if spec.timezone is not None else (base.timezone if base else None)
    text = spec.schedule if spec.schedule is not None else (base.schedule if base else None)
    if text is None:
        raise InvalidInputError("A job needs a schedule.", kind="job_schedule_missing")
    schedule = parse(text, timezone)
    keep = _check_keep("The number of backups kept", spec.keep if spec.keep is not None else
                       (base.keep_last if base else None), required=True)
    keeps = {k: _check_keep(f"The {k.replace('_', ' ')} count", getattr(spec, k) if getattr(spec, k) is not None
                            else (getattr(base, k) if base else None))
             for k in ("keep_daily", "keep_weekly", "keep_monthly")}
    enabled = spec.enabled if spec.enabled is not None else (base.enabled if base else True)
    now = ctx.catalog.now()
    last = base.last_scheduled if base else now      # a new job starts from now: no runs for the past
    if base is not None and (schedule.cron, schedule.timezone) != (parse(base.schedule, base.timezone).cron,
                                                                     base.timezone):
        last = now                                    # a new schedule also starts from now
    return Job(spec.name, destination, tuple(items), accounts, schedule.spec, schedule.timezone, keep,
               keeps["keep_daily"], keeps["keep_weekly"], keeps["keep_monthly"], bool(enabled), last,
               base.created_at if base else now, now)


@use_case("job.add", writes=True, target=lambda r: r.name)
def add_job(ctx, spec: JobSpec, *, actor, reporter):
    return ctx.catalog.jobs.add(_build(ctx, spec))


@use_case("job.list")
def list_jobs(ctx, request=None, *, actor, reporter) -> list:
    return ctx.catalog.jobs.list()


@dataclass(frozen=True)
class JobRef:
    name: str


@dataclass(frozen=True)
class JobDetails:
    job: object
    accounts: list           # the accounts it covers now
    next_runs: list          # aware datetimes (UTC)

    def to_json(self) -> dict:
        from core.support.clock import to_iso

        return {**self.job.as_dict(), "covers": [a.username for a in self.accounts],
                "next_runs": [to_iso(t, "seconds") for t in self.next_runs]}


@use_case("job.show", target=lambda r: r.name)
def show_job(ctx, req: JobRef, *, actor, reporter) -> JobDetails:
    from core.jobs.schedule import next_runs, parse

    job = ctx.catalog.jobs.get(req.name)
    runs = next_runs(parse(job.schedule, job.timezone), ctx.clock.now(), 5) if job.enabled else []
    return JobDetails(job, covered_accounts(ctx, job), runs)


@use_case("job.edit", writes=True, target=lambda r: r.name)
def edit_job(ctx, spec: JobSpec, *, actor, reporter):
    base = ctx.catalog.jobs.get(spec.name)
    return ctx.catalog.jobs.update(_build(ctx, spec, base))


@dataclass(frozen=True)
class RemoveJob:
    name: str
    confirmed: bool = False


@use_case("job.remove", writes=True, target=lambda r: r.name)
def remove_job(ctx, req: RemoveJob, *, actor, reporter):
    """Remove a job. Its backups stay (and are kept: retention never removes a backup whose job is
    gone; forget them one by one)."""
    job = ctx.catalog.jobs.get(req.name)
    if not req.confirmed:
        raise ConfirmationRequired(f"Removing job {job.name!r} needs confirmation.", kind="confirm_delete",
                                   hint="Its backups stay.", data={"what": "job", "name": job.name})
    ctx.catalog.jobs.remove(job.name)
    return job




# --- previews for a job being edited (nothing is saved) ----------------------------------------------------
@dataclass(frozen=True)
class PreviewSchedule:
    schedule: str
    timezone: str | None = None
    count: int = 5


@dataclass(frozen=True)
class SchedulePreview:
    spec: str                # normalised
    timezone: str
    text: str                # in words
    runs: tuple              # the next runs, aware UTC datetimes

    def to_json(self) -> dict:
        from core.support.clock import to_iso

        return {"schedule": self.spec, "timezone": self.timezone, "text": self.text,
                "runs": [to_iso(t, "seconds") for t in self.runs]}


@use_case("job.schedule-preview", target=lambda r: r.schedule)
def preview_schedule(ctx, req: PreviewSchedule, *, actor, reporter) -> SchedulePreview:
    """A schedule in words and its next runs from now, before a job is saved with it."""
    from core.jobs.schedule import next_runs, parse, readable

    if not 1 <= req.count <= 100:
        raise InvalidInputError("Show from 1 to 100 runs.")
    schedule = parse(req.schedule, req.timezone or None)
    return SchedulePreview(schedule.spec, schedule.timezone, readable(schedule),
                           tuple(next_runs(schedule, ctx.clock.now(), req.count)))


@dataclass(frozen=True)
class RetentionPreview:
    job: str
    decisions: Decisions      # a Decision for each backup of the job
    remove: tuple[str, ...]   # ids the job's retention would remove today

    def to_json(self) -> dict:
        return {"job": self.job, "decisions": self.decisions.as_dicts(), "remove": list(self.remove)}


@use_case("job.retention-preview", target=lambda r: r.name)
def preview_retention(ctx, spec: JobSpec, *, actor, reporter) -> RetentionPreview:
    """What the job's retention, as given (saved or not), would remove if retention ran now: the same
    pure decision (core/jobs/retention.py) as ``backup retention run --dry-run``, with this job's
    keep counts in place of the saved ones."""
    from core.app.backups import retention_policies
    from core.jobs.retention import JobPolicy, decide_series

    base = ctx.catalog.jobs.find(spec.name)
    job = _build(ctx, spec, base)
    policies, on_demand = retention_policies(ctx)
    policies[job.name] = JobPolicy(job.keep_last, job.keep_daily, job.keep_weekly, job.keep_monthly, job.timezone)
    outcome = decide_series(*ctx.catalog.backups.retention_series(job=job.name), policies, on_demand, ctx.clock.now())
    return RetentionPreview(job.name, outcome.decisions, tuple(d.backup_id for d in outcome.remove))


@use_case("job.run", writes=True, target=lambda r: r.name)
def run_job(ctx, req: JobRef, *, actor, reporter):
    """Queue a run of the job now, outside its schedule: one backup per covered account, recorded as
    the job's (so they rotate with it); the schedule is not moved. Workers (the desktop app, the timer,
    or ``queue run``) take them. Returns core.jobs.scheduler.DueResult."""
    from core.jobs.scheduler import queue_job_now

    return queue_job_now(ctx, req.name)
