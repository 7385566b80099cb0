"""Use cases for the scheduler: queue the jobs' due runs (``schedule run-due``, for a systemd timer or
cron; the desktop app runs it in the background) and show the next runs (``schedule next``).
The rules live in core/jobs/scheduler.py (exactly once, whatever runs it at the same time)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from core.app.usecase import use_case
from core.errors import InvalidInputError, UnitvaultError


@dataclass(frozen=True)
class RunDue:
    now: _dt.datetime | None = None        # None: the context's clock


@use_case("schedule.run-due", writes=True, audit=lambda due: bool(due.items or due.problems),
          audit_detail=lambda due: {"queued": due.items, "problems": list(due.problems)})
def run_due(ctx, req: RunDue | None = None, *, actor, reporter):
    """Returns core.jobs.scheduler.DueResult: the runs queued, the jobs that could not be scheduled."""
    from core.app.modes import sync_env
    from core.jobs.scheduler import run_due as queue_due

    try:
        sync_env(ctx)            # admin-configured mode: the job backups.env follows the file
    except UnitvaultError as exc:
        from core.logsetup import get_logger

        get_logger("schedule").warning("backups.env not applied: %s", exc.message)
    return queue_due(ctx, (req or RunDue()).now)


@dataclass(frozen=True)
class NextRuns:
    count: int = 1                          # runs per job
    now: _dt.datetime | None = None


@use_case("schedule.next")
def next_runs(ctx, req: NextRuns | None = None, *, actor, reporter) -> list:
    """core.jobs.scheduler.JobNext per job, soonest first (disabled jobs last)."""
    from core.jobs.scheduler import next_runs as upcoming

    req = req or NextRuns()
    if not 1 <= req.count <= 100:
        raise InvalidInputError("Show from 1 to 100 runs per job.")
    return upcoming(ctx, req.now, req.count)
