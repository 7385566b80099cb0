"""Backup jobs: list, show (with its next runs), add, edit, remove; previews of a schedule and of a
retention before they are saved."""

from __future__ import annotations

from core.app import jobs, schedule
from desktop.ops import Task

JobSpec = jobs.JobSpec


def listing(ctx) -> Task:
    def fn(reporter):
        return jobs.list_jobs(ctx, reporter=reporter)
    return fn


def upcoming(ctx) -> Task:
    """Each job's next run, soonest first."""
    def fn(reporter):
        return schedule.next_runs(ctx, schedule.NextRuns(1), reporter=reporter)
    return fn


def add(ctx, spec: jobs.JobSpec) -> Task:
    def fn(reporter):
        return jobs.add_job(ctx, spec, reporter=reporter)
    return fn


def edit(ctx, spec: jobs.JobSpec) -> Task:
    def fn(reporter):
        return jobs.edit_job(ctx, spec, reporter=reporter)
    return fn


def remove(ctx, name: str) -> Task:
    def fn(reporter):
        return jobs.remove_job(ctx, jobs.RemoveJob(name, confirmed=True), reporter=reporter)
    return fn


def run_now(ctx, name: str) -> Task:
    """Queue a run of the job now (core/jobs/scheduler.py); the workers take its backups."""
    def fn(reporter):
        return jobs.run_job(ctx, jobs.JobRef(name), reporter=reporter)
    return fn


def preview_schedule(ctx, spec: str, timezone: str | None) -> Task:
    def fn(reporter):
        return jobs.preview_schedule(ctx, jobs.PreviewSchedule(spec, timezone or None, 5), reporter=reporter)
    return fn


def preview_retention(ctx, spec: jobs.JobSpec) -> Task:
    def fn(reporter):
        return jobs.preview_retention(ctx, spec, reporter=reporter)
    return fn


def local_timezone() -> str:
    return jobs.local_timezone()
