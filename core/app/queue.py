"""Use cases for the queue: queue work (a backup, restore or download request), list, show, cancel,
retry, run it in this process, and the queue's settings (workers, connections per destination,
lease, how long finished items are kept).

Secrets never enter the queue: a request's secret fields (``repr=False``) are held in this process's
memory (core/jobs/held.py) and only this process's workers run such an item. Run order, lanes and
leases: core/catalog/queue.py and docs/queue.md.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from core.app.usecase import REGISTRY, use_case
from core.errors import InvalidInputError, PassphraseRequired
from core.support.clock import to_iso

KIND_ACTIONS = {"backup": "backup.now", "restore": "backup.restore", "download": "backup.download"}


def _describe_work(request) -> str:
    from core.jobs.requests import kind_of

    try:
        kind = kind_of(request)
    except InvalidInputError:
        return type(request).__name__
    return f"{kind} {REGISTRY[KIND_ACTIONS[kind]].describe(request)}"


# --- queueing work -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueWork:
    request: object       # core.app.backups.BackupNow | RestoreBackup | DownloadBackup (secrets held, not stored)
    max_attempts: int = 3


def _checked_target(ctx, kind: str, req):
    """Refuse what cannot run before it is queued; returns (account or None, destination)."""
    from core.app.backups import check_restore, download_needs_password

    catalog = ctx.catalog
    if kind == "backup":
        from core.accounts.backup import parse_items

        parse_items(req.items)
        account = catalog.accounts.get(req.account)
        catalog.destinations.get(req.destination)
        from core.app.mybackups import refuse_user_destination

        refuse_user_destination(req.destination, "queueing work there")
        if account.status == "deleted":
            raise InvalidInputError(f"The account {req.account!r} was deleted.")
        return account, req.destination
    if kind == "restore":
        check_restore(req)
        if req.dry_run:
            raise InvalidInputError("A dry run shows its plan at once; it is not queued.")
    elif download_needs_password(req.items):
        from core.app.bundles import check_password

        if not req.bundle_password:
            raise InvalidInputError("A unit download needs a password for its bundle.", kind="bundle_password_missing")
        check_password(req.bundle_password)
    entry = catalog.backups.get(req.backup_id)
    from core.app.mybackups import refuse_user_destination

    refuse_user_destination(entry.destination, "queueing work there")
    if entry.encryption == "owner" and not (req.passphrase or req.keys.owner_key_file):
        raise PassphraseRequired(f"Backup {entry.id} is encrypted with its owner's key; the owner's passphrase is "
                                 "needed to queue it.", data={"account": entry.account_id})
    return catalog.accounts.find(entry.account_id), entry.destination


def _action_of(req) -> str:
    from core.jobs.requests import kind_of

    return KIND_ACTIONS[kind_of(req.request)]


@use_case("queue.add", writes=True, target=lambda r: _describe_work(r.request), via=_action_of,
          audit_detail=lambda item: {"item": item.id})
def queue_work(ctx, req: QueueWork, *, actor, reporter):
    """Queue a backup, restore or download; returns the core.catalog.queue.QueueItem. A request with
    secrets (an owner's passphrase, a bundle password) is held for this process's own workers."""
    from core.jobs.held import HOLD
    from core.jobs.requests import encode
    from core.jobs.workers import lease_seconds

    kind, stored, secrets = encode(req.request)
    account, destination = _checked_target(ctx, kind, req.request)
    catalog = ctx.catalog
    with catalog.write() as c:
        item = catalog.queue.enqueue(kind, stored, account=account, destination=destination,
                                     holder=HOLD.holder if secrets else None, hold_seconds=lease_seconds(catalog),
                                     max_attempts=req.max_attempts, conn=c)
        if secrets:
            HOLD.put(item.id, secrets)    # before the commit: no worker can claim it without them
    return item


# --- looking -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListQueue:
    state: str | None = None       # only this state; None: what is queued or running, and what finished lately
    recent_hours: int = 24         # with state None: finished items of the last hours
    limit: int = 1000              # finished items shown at most (the latest)


@dataclass(frozen=True)
class QueueListing:
    items: list                    # core.catalog.queue.QueueItem: running, queued in run order, finished (latest first)
    counts: dict                   # state -> number of items in the whole queue


@use_case("queue.list", target=lambda r: r.state or "")
def list_queue(ctx, req: ListQueue | None = None, *, actor, reporter) -> QueueListing:
    from core.catalog.queue import STATES

    req = req or ListQueue()
    if req.state is not None and req.state not in STATES:
        raise InvalidInputError(f"Unknown state {req.state!r}.", hint=f"Use {', '.join(STATES)}.")
    ctx.catalog.queue.reclaim()      # what a stopped worker left: taken back first
    queue = ctx.catalog.queue
    if req.limit < 1:
        raise InvalidInputError("Show at least one finished item.")
    if req.state is not None:
        items = queue.list([req.state], limit=req.limit)
    else:
        since = to_iso(ctx.clock.now() - _dt.timedelta(hours=max(0, req.recent_hours)))
        items = queue.list(finished_since=since, limit=req.limit)
    from core.app.actor import USER

    if actor.role == USER:          # a user sees their own accounts' items only
        items = [i for i in items if i.account_id in actor.accounts]
        return QueueListing(items, {s: sum(1 for i in items if i.state == s) for s in STATES})
    return QueueListing(items, queue.counts())


@dataclass(frozen=True)
class QueueRef:
    item_id: int


@use_case("queue.show", target=lambda r: str(r.item_id))
def show_item(ctx, req: QueueRef, *, actor, reporter):
    ctx.catalog.queue.reclaim()      # what a stopped worker left: taken back first
    return ctx.catalog.queue.get(req.item_id)


@use_case("queue.cancel", writes=True, target=lambda r: str(r.item_id))
def cancel_item(ctx, req: QueueRef, *, actor, reporter):
    """A queued item is cancelled at once; a running one stops at its worker's next heartbeat."""
    from core.jobs.held import HOLD

    item = ctx.catalog.queue.cancel(req.item_id)
    if item.state == "cancelled":
        HOLD.drop(item.id)
    return item


@dataclass(frozen=True)
class RetryItem:
    item_id: int
    secrets: dict | None = field(default=None, repr=False)   # the request's secret fields, when it needs them


@use_case("queue.retry", writes=True, target=lambda r: str(r.item_id))
def retry_item(ctx, req: RetryItem, *, actor, reporter):
    """Queue a failed or cancelled item again. One that needs a secret is held for this process's own
    workers, so the secret must be given again."""
    from core.jobs.held import HOLD
    from core.jobs.workers import lease_seconds

    catalog = ctx.catalog
    item = catalog.queue.get(req.item_id)
    needed = item.secrets_needed
    if not needed:
        return catalog.queue.retry(item.id)
    given = {k: v for k, v in (req.secrets or {}).items() if k in needed and v}
    if set(needed) - set(given):
        raise InvalidInputError(f"Queue item {item.id} needs a secret at run time ({', '.join(needed)}), which only "
                                "the process that runs it may hold; queue it again where the secret is given.",
                                kind="queue_item_needs_secret", data={"id": item.id, "secrets": list(needed)})
    HOLD.put(item.id, given)
    try:
        return catalog.queue.retry(item.id, holder=HOLD.holder, hold_seconds=lease_seconds(catalog))
    except BaseException:
        HOLD.drop(item.id)
        raise


# --- running -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunQueue:
    workers: int | None = None     # None: the setting
    until_empty: bool = True       # False: keep waiting for work until cancelled


@dataclass(frozen=True)
class QueueRun:
    items: list                    # the items this run finished (final state), in the order they finished
    released: int                  # items given back to the queue when the run was stopped

    def count(self, state: str) -> int:
        return sum(1 for i in self.items if i.state == state)


@use_case("queue.run", writes=True, target=lambda r: f"{r.workers or 'default'} workers"
                                                      f"{', until empty' if r.until_empty else ''}")
def run_queue(ctx, req: RunQueue | None = None, *, actor, reporter) -> QueueRun:
    """Work the queue in this process (cron, a systemd timer, a terminal). Progress: items finished.
    A cancel stops the workers and gives what runs back to the queue."""
    from core.jobs.workers import WorkerPool

    req = req or RunQueue()
    pool = WorkerPool(ctx, req.workers)
    reporter.stage("working the queue")
    summary = pool.run(until_empty=req.until_empty, cancel=reporter.cancel_token, progress=reporter.set)
    finished = [ctx.catalog.queue.find(i) for i, outcome in summary.outcomes if outcome != "released"]
    return QueueRun([i for i in finished if i is not None], summary.count("released"))


# --- settings ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueSettings:
    workers: int
    connections: int                    # running items per destination, unless it has its own limit
    by_destination: dict                # destination -> its own limit
    lease_seconds: int
    keep_days: int

    def as_dict(self) -> dict:
        return {"workers": self.workers, "connections": self.connections, "by_destination": dict(self.by_destination),
                "lease_seconds": self.lease_seconds, "keep_days": self.keep_days}


def _settings(ctx) -> QueueSettings:
    from core.jobs.scheduler import keep_days
    from core.jobs.workers import lease_seconds, pool_size

    catalog = ctx.catalog
    default, own = catalog.queue.connection_limits()
    return QueueSettings(pool_size(catalog), default, own, lease_seconds(catalog), keep_days(catalog))


@use_case("queue.settings-show")
def show_settings(ctx, request=None, *, actor, reporter) -> QueueSettings:
    return _settings(ctx)


@dataclass(frozen=True)
class SetQueueSettings:
    workers: int | None = None
    connections: int | None = None       # the default, or with ``destination`` that destination's own
    destination: str | None = None
    clear_destination: bool = False      # the destination goes back to the default limit
    lease_seconds: int | None = None
    keep_days: int | None = None


@use_case("queue.settings-set", writes=True)
def set_settings(ctx, req: SetQueueSettings, *, actor, reporter) -> QueueSettings:
    from core.jobs.scheduler import KEEP_DAYS_SETTING
    from core.jobs.workers import LEASE_SETTING, MAX_LEASE, MIN_LEASE, WORKERS_SETTING, check_workers

    catalog = ctx.catalog
    if req.lease_seconds is not None and not MIN_LEASE <= req.lease_seconds <= MAX_LEASE:
        raise InvalidInputError(f"A lease is a whole number of seconds from {MIN_LEASE} to {MAX_LEASE}.")
    if req.keep_days is not None and not 1 <= req.keep_days <= 3650:
        raise InvalidInputError("Finished queue items are kept from 1 to 3650 days.")
    if (req.connections is not None or req.clear_destination) and req.destination is not None:
        catalog.destinations.get(req.destination)
    if req.clear_destination and req.destination is None:
        raise InvalidInputError("Name the destination whose own connection limit goes.",
                                kind="connections_destination_missing")
    with catalog.write() as c:
        if req.workers is not None:
            catalog.settings.set(WORKERS_SETTING, check_workers(req.workers), c)
        if req.clear_destination:
            catalog.queue.set_connection_limit(None, req.destination, c)
        elif req.connections is not None:
            catalog.queue.set_connection_limit(req.connections, req.destination, c)
        if req.lease_seconds is not None:
            catalog.settings.set(LEASE_SETTING, req.lease_seconds, c)
        if req.keep_days is not None:
            catalog.settings.set(KEEP_DAYS_SETTING, req.keep_days, c)
    return _settings(ctx)
