"""The persistent work queue: backups, restores and downloads wait here for a worker (core/jobs/workers.py).

An item goes ``queued -> running -> done | failed | cancelled``; a failed or cancelled item can be
queued again (``retry``). Its priority is its group's value when it was queued (``catalog.priorities``
resolves the group: the account's override, else its tags' best group, else the kind's group).

**Run order** (docs/queue.md): ``claim`` hands out, among the queued items this process may run, the
one with the lowest priority value, then the lowest id (first in, first out within a value), skipping
items whose destination lane is full (running items at that destination have reached its connection
limit) and items whose account already has an item running (one item per account at a time).

**Leases**: a running item belongs to its worker until ``lease_until``; the worker extends it with
every heartbeat. ``reclaim`` takes back items whose lease ran out (the process died or was killed):
they are marked failed with the reason and, while attempts remain, queued again. A worker whose item
was taken back learns it at its next heartbeat and stops, so an item never runs twice at once.

**Held items**: an item that needs a secret at run time (an owner's passphrase, a bundle password)
names its ``holder``, the process that keeps the secret in memory; only that process claims it. The
holder keeps the item's lease alive while it waits; when the holder is gone the lease runs out and
``reclaim`` fails the item (the secret went with the process). Secrets never reach this table.

On SQLite the claim is one ``BEGIN IMMEDIATE`` transaction, so two processes on one catalog never take
the same item. On PostgreSQL the claim takes a transaction-scoped advisory lock first (the lane counts
must be read and acted on by one claimer at a time); ``SELECT ... FOR UPDATE SKIP LOCKED`` on the
chosen row keeps the row itself safe.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from dataclasses import dataclass

import orjson
from sqlalchemy import case, delete, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.catalog.records import dumps
from core.errors import InvalidInputError, NotFoundError
from core.support.clock import to_iso

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
FINISHED = (DONE, FAILED, CANCELLED)
KINDS = ("backup", "restore", "download")

# Catalog-wide settings read by the claim (one key name, defined where it is read).
CONNECTIONS_SETTING = "queue.connections"                    # running items per destination (default)
CONNECTIONS_BY_DESTINATION = "queue.connections.by_dest"     # JSON map: destination -> its own limit
DEFAULT_CONNECTIONS = 2
MAX_CONNECTIONS = 64

WORKER_STOPPED = "The worker stopped while running it (no heartbeat before its lease ran out)."
HOLDER_GONE = ("It needs a secret (a passphrase or password) that only the process that queued it held, "
               "and that process stopped.")
_ADVISORY_KEY = 0x756E6974_7175  # "unitqu": the claim's advisory lock on PostgreSQL


@dataclass(frozen=True)
class QueueItem:
    id: int
    kind: str
    state: str
    priority: int
    priority_group: str
    account_id: str | None
    destination: str | None
    job: str | None
    scheduled_for: str | None
    request: dict               # the use case's request without its secret fields
    created_at: str
    started_at: str | None
    finished_at: str | None
    attempts: int
    max_attempts: int
    worker: str | None
    lease_until: str | None
    stage: str | None
    done: int | None
    total: int | None
    progress_unit: str | None
    cancel_requested: bool
    error: str | None
    result: dict | None
    holder: str | None           # the process holding its secrets in memory (None: anyone may run it)
    username: str | None = None  # the account's username, when the account is known

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def secrets_needed(self) -> tuple[str, ...]:
        """Names of the request's secret fields that must be given at run time (never their values)."""
        return tuple(self.request.get("_secrets", ()))

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "state": self.state, "priority": self.priority,
                "priority_group": self.priority_group, "account_id": self.account_id, "username": self.username,
                "destination": self.destination, "job": self.job, "scheduled_for": self.scheduled_for,
                "request": {k: v for k, v in self.request.items() if not k.startswith("_")},
                "secrets_needed": list(self.secrets_needed), "created_at": self.created_at,
                "started_at": self.started_at, "finished_at": self.finished_at, "attempts": self.attempts,
                "max_attempts": self.max_attempts, "worker": self.worker, "lease_until": self.lease_until,
                "progress": {"stage": self.stage, "done": self.done, "total": self.total,
                             "unit": self.progress_unit} if self.stage is not None else None,
                "cancel_requested": self.cancel_requested, "error": self.error, "result": self.result}


@dataclass(frozen=True)
class CoveredAccount:
    """An account as the scheduler needs it (what ``catalog.priorities.resolve`` reads, too)."""

    id: str
    username: str
    encryption: str
    priority_group: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Heartbeat:
    owned: bool                 # False: the item was taken back (lease expired) or finished elsewhere
    cancel_requested: bool


# The columns an item is read from, in QueueItem's order (rows are unpacked by position: reading a
# long listing by column name cost more than the query).
_COLUMNS = ("id", "kind", "state", "priority", "priority_group", "account_id", "destination", "job", "scheduled_for",
            "request", "created_at", "started_at", "finished_at", "attempts", "max_attempts", "worker", "lease_until",
            "stage", "done", "total", "progress_unit", "cancel_requested", "error", "result", "holder")


def _item(row) -> QueueItem:
    (item_id, kind, state, priority, group, account_id, destination, job, scheduled_for, request, created_at,
     started_at, finished_at, attempts, max_attempts, worker, lease_until, stage, done, total, unit, cancel, error,
     result, holder, username) = row
    return QueueItem(int(item_id), kind, state, int(priority), group, account_id, destination, job, scheduled_for,
                     orjson.loads(request), created_at, started_at, finished_at, int(attempts), int(max_attempts),
                     worker, lease_until, stage, done, total, unit, bool(cancel), error,
                     orjson.loads(result) if result else None, holder, username)


def check_connections(n: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_CONNECTIONS:
        raise InvalidInputError(f"A destination's connection limit is a whole number from 1 to {MAX_CONNECTIONS}.")
    return n


class Queue(Aggregate):
    q = t.queue_items

    # --- time ---------------------------------------------------------------------------------------
    def _later(self, seconds: float) -> str:
        return to_iso(self.catalog.clock.now() + _dt.timedelta(seconds=seconds))

    # --- adding -------------------------------------------------------------------------------------
    def enqueue(self, kind: str, request: dict, *, account=None, destination: str | None = None,
                job: str | None = None, scheduled_for: str | None = None, holder: str | None = None,
                hold_seconds: float | None = None, max_attempts: int = 3, group=None,
                conn: Connection | None = None) -> QueueItem:
        """Queue one item. ``account`` is a catalog Account (or anything with ``id``, ``priority_group``
        and ``tags``) or None; its priority group is resolved now. ``request`` must hold no secret: the
        use case layer strips the secret fields and lists their names under ``_secrets``. A held item
        (``holder``) gets a lease of ``hold_seconds`` that its holder keeps alive (``hold``). ``group``:
        the PriorityGroup already resolved for this kind and account (a caller queueing many items)."""
        if kind not in KINDS:
            raise InvalidInputError(f"Unknown kind of work {kind!r}.", hint=f"Use {', '.join(KINDS)}.")
        if not 1 <= int(max_attempts) <= 100:
            raise InvalidInputError("An item's attempts are a whole number from 1 to 100.")
        with self._conn(conn, write=True) as c:
            group = group or self.catalog.priorities.resolve(kind, account, c)
            result = c.execute(insert(self.q).values(
                kind=kind, state=QUEUED, priority=group.value, priority_group=group.name,
                account_id=getattr(account, "id", None), destination=destination, job=job,
                scheduled_for=scheduled_for, request=dumps(request), created_at=self.catalog.now(), attempts=0,
                max_attempts=int(max_attempts), cancel_requested=False, holder=holder,
                lease_until=self._later(hold_seconds) if holder and hold_seconds else None))
            return self.get(int(result.inserted_primary_key[0]), c)

    def add_scheduled(self, kind: str, request: dict, *, account, destination: str, job: str,
                      scheduled_for: str, group=None, conn: Connection | None = None) -> QueueItem | None:
        """Queue the run of ``job`` at ``scheduled_for`` for ``account``, unless it was queued already
        (None then). The unique (job, scheduled_for, account) constraint is the last word."""
        with self._conn(conn, write=True) as c:
            group = group or self.catalog.priorities.resolve(kind, account, c)
            ids = self.add_run(kind, job=job, scheduled_for=scheduled_for, destination=destination,
                               entries=[(account, request, group)], conn=c)
            return self.get(ids[0], c) if ids else None

    def add_run(self, kind: str, *, job: str, scheduled_for: str, destination: str, entries,
                conn: Connection | None = None) -> list[int]:
        """Queue one run of ``job`` for many accounts: ``entries`` are (account, request, PriorityGroup);
        accounts this run was already queued for are left out. Returns the new items' ids. Three
        statements whatever the number of accounts (one item at a time cost milliseconds each)."""
        if kind not in KINDS:
            raise InvalidInputError(f"Unknown kind of work {kind!r}.", hint=f"Use {', '.join(KINDS)}.")
        q = self.q
        this_run = (q.c.job == job, q.c.scheduled_for == scheduled_for)
        with self._conn(conn, write=True) as c:
            taken = {r[0] for r in c.execute(select(q.c.account_id).where(*this_run))}
            stamp = self.catalog.now()
            rows = [{"kind": kind, "state": QUEUED, "priority": group.value, "priority_group": group.name,
                     "account_id": account.id, "destination": destination, "job": job, "scheduled_for": scheduled_for,
                     "request": dumps(request), "created_at": stamp, "attempts": 0, "max_attempts": 3,
                     "cancel_requested": False}
                    for account, request, group in entries if account.id not in taken]
            if not rows:
                return []
            c.execute(insert(q), rows)
            new = {r["account_id"] for r in rows}
            return sorted(r.id for r in c.execute(select(q.c.id, q.c.account_id).where(*this_run)) if r.account_id in new)

    # --- jobs as the scheduler sees them ---------------------------------------------------------------
    def lock_job(self, name: str, conn: Connection):
        """The job, locked until ``conn``'s transaction ends (``FOR UPDATE``; on SQLite the write
        transaction already excludes every other writer), or None when it is gone."""
        from core.catalog.jobs import _job

        r = conn.execute(select(t.jobs).where(t.jobs.c.name == name).with_for_update()).first()
        return _job(r) if r else None

    def accounts_snapshot(self, conn: Connection | None = None) -> list[CoveredAccount]:
        """Every account not deleted, by username, with its tags: two queries."""
        with self._conn(conn) as c:
            tags: dict[str, list[str]] = {}
            for account_id, tag in c.execute(select(t.account_tags.c.account_id, t.account_tags.c.tag)
                                             .order_by(t.account_tags.c.tag)):
                tags.setdefault(account_id, []).append(tag)
            rows = c.execute(select(t.accounts.c.id, t.accounts.c.username, t.accounts.c.encryption,
                                    t.accounts.c.priority_group).where(t.accounts.c.status != "deleted")
                             .order_by(t.accounts.c.username)).all()
        return [CoveredAccount(aid, name, enc, group, tuple(tags.get(aid, ()))) for aid, name, enc, group in rows]

    def covered(self, specs, conn: Connection | None = None,
                snapshot: list[CoveredAccount] | None = None) -> list[list[CoveredAccount]]:
        """For each accounts spec of a job (``{"all": true}``, ``{"usernames": [...]}`` or
        ``{"tag": T}``), the accounts it covers (deleted ones never), by username: in ``snapshot`` when
        given, else as they are now."""
        accounts = snapshot if snapshot is not None else self.accounts_snapshot(conn)
        out = []
        for spec in specs:
            if spec.get("all"):
                out.append(list(accounts))
            elif "tag" in spec:
                out.append([a for a in accounts if spec["tag"] in a.tags])
            else:
                names = set(spec.get("usernames", ()))
                out.append([a for a in accounts if a.username in names])
        return out

    # --- reading ------------------------------------------------------------------------------------
    def _select(self):
        return (select(*(self.q.c[name] for name in _COLUMNS), t.accounts.c.username)
                .select_from(self.q.outerjoin(t.accounts, t.accounts.c.id == self.q.c.account_id)))

    def find(self, item_id: int, conn: Connection | None = None) -> QueueItem | None:
        with self._conn(conn) as c:
            r = c.execute(self._select().where(self.q.c.id == int(item_id))).first()
        return _item(r) if r else None

    def get(self, item_id: int, conn: Connection | None = None) -> QueueItem:
        item = self.find(item_id, conn)
        if item is None:
            raise NotFoundError(f"No queue item {item_id}.", kind="queue_item_not_found", data={"id": item_id})
        return item

    def list(self, states=None, *, finished_since: str | None = None, limit: int | None = None,
             conn: Connection | None = None) -> list[QueueItem]:
        """Items in ``states`` (default: all), in the order a user reads a queue: running items (oldest
        start first), then queued ones in run order, then finished ones (latest first; with
        ``finished_since`` only those finished since then, at most ``limit`` of them)."""
        wanted = [s for s in STATES if states is None or s in states]
        q = self.q
        out: list[QueueItem] = []
        with self._conn(conn) as c:
            if RUNNING in wanted:
                out += [_item(r) for r in
                        c.execute(self._select().where(q.c.state == RUNNING).order_by(q.c.started_at, q.c.id))]
            if QUEUED in wanted:
                out += [_item(r) for r in
                        c.execute(self._select().where(q.c.state == QUEUED).order_by(q.c.priority, q.c.id))]
            done = [s for s in wanted if s in FINISHED]
            if done:
                sel = self._select().where(q.c.state.in_(done))
                if finished_since is not None:
                    sel = sel.where(q.c.finished_at >= finished_since)
                sel = sel.order_by(q.c.finished_at.desc(), q.c.id.desc())
                if limit is not None:
                    sel = sel.limit(int(limit))
                out += [_item(r) for r in c.execute(sel)]
        return out

    def counts(self, conn: Connection | None = None) -> dict[str, int]:
        with self._conn(conn) as c:
            got = {r[0]: int(r[1]) for r in c.execute(select(self.q.c.state, func.count()).group_by(self.q.c.state))}
        return {s: got.get(s, 0) for s in STATES}

    def pending(self, holder: str | None = None, conn: Connection | None = None) -> int:
        """Queued items a process holding ``holder``'s secrets may run (lanes not considered)."""
        with self._conn(conn) as c:
            return int(c.execute(select(func.count()).select_from(self.q).where(
                self.q.c.state == QUEUED, self._runnable_by(holder))).scalar() or 0)

    def expired(self, conn: Connection | None = None) -> int:
        """Running (or held) items whose lease ran out: what ``reclaim`` would take back."""
        with self._conn(conn) as c:
            return int(c.execute(select(func.count()).select_from(self.q).where(
                self.q.c.lease_until.is_not(None), self.q.c.lease_until < self.catalog.now(),
                self.q.c.state.in_((RUNNING, QUEUED)))).scalar() or 0)

    # --- limits -------------------------------------------------------------------------------------
    def connection_limits(self, conn: Connection | None = None) -> tuple[int, dict[str, int]]:
        """(the default limit, destination -> its own limit)."""
        settings = self.catalog.settings
        with self._conn(conn) as c:
            default = settings.get_int(CONNECTIONS_SETTING, DEFAULT_CONNECTIONS, c)
            try:
                own = json.loads(settings.get(CONNECTIONS_BY_DESTINATION, "{}", c) or "{}")
            except ValueError:
                own = {}
        default = default if 1 <= default <= MAX_CONNECTIONS else DEFAULT_CONNECTIONS
        return default, {str(k): int(v) for k, v in own.items() if isinstance(v, int) and 1 <= v <= MAX_CONNECTIONS}

    def set_connection_limit(self, n: int | None, destination: str | None = None,
                             conn: Connection | None = None) -> None:
        """The default limit (``destination`` None) or one destination's own (``n`` None: back to the default)."""
        settings = self.catalog.settings
        with self._conn(conn, write=True) as c:
            if destination is None:
                settings.set(CONNECTIONS_SETTING, check_connections(n) if n is not None else None, c)
                return
            _default, own = self.connection_limits(c)
            if n is None:
                own.pop(destination, None)
            else:
                own[destination] = check_connections(n)
            settings.set(CONNECTIONS_BY_DESTINATION, dumps(own) if own else None, c)

    # --- the claim ----------------------------------------------------------------------------------
    def _runnable_by(self, holder: str | None):
        if holder is None:
            return self.q.c.holder.is_(None)
        return or_(self.q.c.holder.is_(None), self.q.c.holder == holder)

    def claim(self, worker: str, *, lease_seconds: float, holder: str | None = None) -> QueueItem | None:
        """Take the next item to run, or None. One write transaction: the running items' lanes are
        counted, the next item in run order that fits is chosen and set running with ``worker`` and a
        lease, all before any other claimer can look."""
        q = self.q
        with self.catalog.write() as c:
            if c.dialect.name == "postgresql":
                c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
            running = c.execute(select(q.c.destination, q.c.account_id).where(q.c.state == RUNNING)).all()
            lanes = Counter(r.destination for r in running if r.destination is not None)
            busy_accounts = sorted({r.account_id for r in running if r.account_id is not None})
            default, own = self.connection_limits(c)
            full = sorted(d for d, n in lanes.items() if n >= own.get(d, default))
            where = [q.c.state == QUEUED, self._runnable_by(holder)]
            if full:
                where.append(or_(q.c.destination.is_(None), q.c.destination.not_in(full)))
            if busy_accounts:
                where.append(or_(q.c.account_id.is_(None), q.c.account_id.not_in(busy_accounts)))
            row = c.execute(select(q.c.id).where(*where).order_by(q.c.priority, q.c.id).limit(1)
                            .with_for_update(skip_locked=True)).first()
            if row is None:
                return None
            stamp = self.catalog.now()
            taken = c.execute(update(q).where(q.c.id == row.id, q.c.state == QUEUED).values(
                state=RUNNING, worker=worker, started_at=stamp, finished_at=None, lease_until=self._later(lease_seconds),
                attempts=q.c.attempts + 1, stage=None, done=None, total=None, progress_unit=None, error=None,
                result=None, cancel_requested=False)).rowcount
            return self.get(row.id, c) if taken == 1 else None

    # --- while running ------------------------------------------------------------------------------
    def heartbeat(self, item_id: int, worker: str, *, lease_seconds: float, progress=None) -> Heartbeat:
        """Extend the lease (and store ``progress``, a core.progress.ProgressState); says whether the
        item is still this worker's and whether a cancel was asked for."""
        q = self.q
        values: dict = {"lease_until": self._later(lease_seconds)}
        if progress is not None:
            values.update(stage=str(progress.stage)[:64], done=int(progress.done),
                          total=None if progress.total is None else int(progress.total),
                          progress_unit=str(progress.unit)[:8])
        with self.catalog.write() as c:
            n = c.execute(update(q).where(q.c.id == item_id, q.c.worker == worker, q.c.state == RUNNING)
                          .values(**values)).rowcount
            if n != 1:
                return Heartbeat(False, False)
            cancel = c.execute(select(q.c.cancel_requested).where(q.c.id == item_id)).scalar()
        return Heartbeat(True, bool(cancel))

    def finish(self, item_id: int, worker: str, state: str, *, result: dict | None = None,
               error: str | None = None) -> bool:
        """Record the outcome (done, failed or cancelled); False when the item is no longer this
        worker's (taken back after its lease ran out), in which case nothing changes."""
        if state not in FINISHED:
            raise ValueError(state)
        q = self.q
        with self.catalog.write() as c:
            n = c.execute(update(q).where(q.c.id == item_id, q.c.worker == worker, q.c.state == RUNNING).values(
                state=state, finished_at=self.catalog.now(), lease_until=None,
                result=dumps(result) if result is not None else None, error=error)).rowcount
        return n == 1

    def release(self, item_id: int, worker: str) -> bool:
        """Give a running item back to the queue, its attempt not counted (the worker is stopping)."""
        q = self.q
        with self.catalog.write() as c:
            n = c.execute(update(q).where(q.c.id == item_id, q.c.worker == worker, q.c.state == RUNNING).values(
                state=QUEUED, worker=None, lease_until=None, started_at=None,
                attempts=case((q.c.attempts > 0, q.c.attempts - 1), else_=0),
                stage=None, done=None, total=None, progress_unit=None)).rowcount
        return n == 1

    # --- the user's -----------------------------------------------------------------------------------
    def cancel(self, item_id: int) -> QueueItem:
        """A queued item is cancelled now; a running one is asked to stop (its worker polls the flag)."""
        q = self.q
        with self.catalog.write() as c:
            item = self.get(item_id, c)
            if item.state == QUEUED:
                c.execute(update(q).where(q.c.id == item.id).values(state=CANCELLED, finished_at=self.catalog.now(),
                                                                   lease_until=None))
            elif item.state == RUNNING:
                c.execute(update(q).where(q.c.id == item.id).values(cancel_requested=True))
            else:
                raise InvalidInputError(f"Queue item {item.id} is already {item.state}.", kind="queue_item_finished",
                                        data={"id": item.id, "state": item.state})
            return self.get(item.id, c)

    def retry(self, item_id: int, *, holder: str | None = None, hold_seconds: float | None = None) -> QueueItem:
        """Queue a failed or cancelled item again, with all its attempts. ``holder``: the process that
        now holds the item's secrets (an item that needs secrets cannot be retried without)."""
        q = self.q
        with self.catalog.write() as c:
            item = self.get(item_id, c)
            if item.state not in (FAILED, CANCELLED):
                raise InvalidInputError(f"Queue item {item.id} is {item.state}; only failed or cancelled items are "
                                        "retried.", kind="queue_item_not_retryable",
                                        data={"id": item.id, "state": item.state})
            c.execute(update(q).where(q.c.id == item.id).values(
                state=QUEUED, attempts=0, worker=None, started_at=None, finished_at=None, error=None, result=None,
                stage=None, done=None, total=None, progress_unit=None, cancel_requested=False, holder=holder,
                lease_until=self._later(hold_seconds) if holder and hold_seconds else None))
            return self.get(item.id, c)

    # --- housekeeping ---------------------------------------------------------------------------------
    def reclaim(self) -> list[QueueItem]:
        """Take back items whose lease ran out: a running item is marked failed with the reason and,
        while attempts remain (and it needs no held secret), queued again; a cancel asked for is
        honoured; a held item still queued whose holder is gone fails. A read first: with nothing
        expired (the usual case) no write lock is taken."""
        if not self.expired():
            return []
        q = self.q
        now = self.catalog.now()
        out = []
        with self.catalog.write() as c:
            rows = c.execute(select(q).where(q.c.state.in_((RUNNING, QUEUED)), q.c.lease_until.is_not(None),
                                             q.c.lease_until < now)).all()
            for r in rows:
                if r.state == QUEUED:
                    values = {"state": FAILED, "error": HOLDER_GONE, "finished_at": now}
                elif r.cancel_requested:
                    values = {"state": CANCELLED, "error": WORKER_STOPPED, "finished_at": now}
                elif r.holder is not None:
                    values = {"state": FAILED, "error": f"{WORKER_STOPPED} {HOLDER_GONE}", "finished_at": now}
                elif r.attempts < r.max_attempts:
                    values = {"state": QUEUED, "error": WORKER_STOPPED, "started_at": None, "finished_at": None}
                else:
                    values = {"state": FAILED, "error": WORKER_STOPPED, "finished_at": now}
                n = c.execute(update(q).where(q.c.id == r.id, q.c.state == r.state, q.c.lease_until == r.lease_until)
                              .values(worker=None, lease_until=None, **values)).rowcount
                if n == 1:
                    out.append(self.get(r.id, c))
        return out

    def hold(self, holder: str, hold_seconds: float) -> int:
        """The holder is alive: extend the lease of its queued items."""
        q = self.q
        with self.catalog.write() as c:
            return c.execute(update(q).where(q.c.state == QUEUED, q.c.holder == holder)
                             .values(lease_until=self._later(hold_seconds))).rowcount

    def drop_held(self, holder: str) -> int:
        """The holder is stopping: its queued items fail (their secrets go with it)."""
        q = self.q
        with self.catalog.write() as c:
            return c.execute(update(q).where(q.c.state == QUEUED, q.c.holder == holder).values(
                state=FAILED, error=HOLDER_GONE, finished_at=self.catalog.now(), lease_until=None)).rowcount

    def purge(self, finished_before: str, conn: Connection | None = None) -> int:
        """Forget finished items that finished before ``finished_before``."""
        q = self.q
        with self._conn(conn, write=True) as c:
            return c.execute(delete(q).where(q.c.state.in_(FINISHED), q.c.finished_at < finished_before)).rowcount
