"""Backup jobs: a destination, the items, the accounts covered, a schedule and a retention."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.catalog.records import dumps
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

JOB_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
UNCHANGED = object()


@dataclass(frozen=True)
class Job:
    name: str
    destination: str
    items: tuple[str, ...]
    accounts: dict            # {"all": True} | {"usernames": [...]} | {"tag": T}
    schedule: str
    timezone: str
    keep_last: int
    keep_daily: int | None
    keep_weekly: int | None
    keep_monthly: int | None
    enabled: bool
    last_scheduled: str | None
    created_at: str
    updated_at: str

    def accounts_text(self) -> str:
        a = self.accounts
        if a.get("all"):
            return "all"
        if "tag" in a:
            return f"tag:{a['tag']}"
        return ",".join(a.get("usernames", []))

    def as_dict(self) -> dict:
        return {"name": self.name, "destination": self.destination, "items": list(self.items),
                "accounts": self.accounts_text(), "schedule": self.schedule, "timezone": self.timezone,
                "keep_last": self.keep_last, "keep_daily": self.keep_daily, "keep_weekly": self.keep_weekly,
                "keep_monthly": self.keep_monthly, "enabled": self.enabled, "last_scheduled": self.last_scheduled}


def check_job_name(name: str) -> str:
    if not isinstance(name, str) or not JOB_NAME_RE.match(name):
        raise InvalidInputError(f"Invalid job name {name!r}.",
                                hint="Use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.")
    return name


def _job(r) -> Job:
    return Job(r.name, r.destination, tuple(json.loads(r.items)), json.loads(r.accounts), r.schedule, r.timezone,
               int(r.keep_last), r.keep_daily, r.keep_weekly, r.keep_monthly, bool(r.enabled), r.last_scheduled,
               r.created_at, r.updated_at)


class Jobs(Aggregate):
    def add(self, job: Job, conn: Connection | None = None) -> Job:
        check_job_name(job.name)
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.jobs.c.name).where(t.jobs.c.name == job.name)).first():
                raise AlreadyExistsError(f"A job named {job.name!r} already exists.")
            stamp = self.catalog.now()
            c.execute(insert(t.jobs).values(
                name=job.name, destination=job.destination, items=dumps(list(job.items)),
                accounts=dumps(job.accounts), schedule=job.schedule, timezone=job.timezone, keep_last=job.keep_last,
                keep_daily=job.keep_daily, keep_weekly=job.keep_weekly, keep_monthly=job.keep_monthly,
                enabled=job.enabled, last_scheduled=job.last_scheduled, created_at=stamp, updated_at=stamp))
            return self.get(job.name, c)

    def list(self, conn: Connection | None = None) -> list[Job]:
        with self._conn(conn) as c:
            return [_job(r) for r in c.execute(select(t.jobs).order_by(t.jobs.c.name))]

    def find(self, name: str, conn: Connection | None = None) -> Job | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.jobs).where(t.jobs.c.name == name)).first()
        return _job(r) if r else None

    def get(self, name: str, conn: Connection | None = None) -> Job:
        job = self.find(name, conn)
        if job is None:
            raise NotFoundError(f"No job named {name!r}.", kind="job_not_found", data={"name": name})
        return job

    def update(self, job: Job, conn: Connection | None = None) -> Job:
        """Store every field of ``job`` (found by name)."""
        with self._conn(conn, write=True) as c:
            self.get(job.name, c)
            c.execute(update(t.jobs).where(t.jobs.c.name == job.name).values(
                destination=job.destination, items=dumps(list(job.items)), accounts=dumps(job.accounts),
                schedule=job.schedule, timezone=job.timezone, keep_last=job.keep_last, keep_daily=job.keep_daily,
                keep_weekly=job.keep_weekly, keep_monthly=job.keep_monthly, enabled=job.enabled,
                last_scheduled=job.last_scheduled, updated_at=self.catalog.now()))
            return self.get(job.name, c)

    def remove(self, name: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            c.execute(delete(t.jobs).where(t.jobs.c.name == name))

    def set_last_scheduled(self, name: str, when: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(update(t.jobs).where(t.jobs.c.name == name).values(last_scheduled=when))
