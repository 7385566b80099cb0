"""The worker pool: threads that claim queue items and run them through the use cases of core/app.

Each worker thread claims the next item in run order (core/catalog/queue.py: lowest priority value,
then first in; one lane per destination within its connection limit; one item per account at a
time), runs it (backup -> ``backups.backup_now``, restore -> ``backups.restore_backup``, download ->
``backups.download_backup``) with a Reporter of its own, and records the outcome. While an item
runs, a heartbeat every second extends its lease, stores the latest progress (the Reporter throttles
what reaches the sink; the heartbeat writes at most once a second) and reads ``cancel_requested``: a
cancel asked for from anywhere (another process, another workstation) sets the item's cancel token,
and the operation stops at its next step. A worker whose item was taken back (its lease ran out) stops
it the same way, so an item never runs twice at once.

Items running when a process died are taken back by ``reclaim`` (run by every pool, every second)
once their lease has run out: marked failed with the reason and queued again while attempts remain.

Why our own small pool rather than a task-queue library (Celery, RQ, Huey, Dramatiq): they need a
broker (Redis, RabbitMQ) or keep their own SQLite schema, and none of them knows our lanes, priority
groups or held secrets. The queue is a table in the catalog every workstation already shares; the pool
is threads and a claim.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.catalog.queue import CANCELLED, DONE, FAILED, HOLDER_GONE, QueueItem
from core.errors import Cancelled, InvalidInputError, UnitvaultError
from core.jobs.held import HOLD, SecretHold
from core.logsetup import get_logger, redact
from core.progress import CancelToken, ProgressState, Reporter

log = get_logger("workers")

# Catalog-wide settings (one key name, defined where it is read).
WORKERS_SETTING = "queue.workers"
DEFAULT_WORKERS = 2
MAX_WORKERS = 16
LEASE_SETTING = "queue.lease_seconds"
DEFAULT_LEASE = 60
MIN_LEASE, MAX_LEASE = 5, 3600

LISTED = 500        # paths a restore's result names, per kind (the counts are always whole)

Runner = Callable[..., tuple[dict, str | None]]     # (ctx, item, reporter, secrets) -> (result, error or None)


def check_workers(n: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_WORKERS:
        raise InvalidInputError(f"The number of workers is a whole number from 1 to {MAX_WORKERS}.")
    return n


def pool_size(catalog) -> int:
    n = catalog.settings.get_int(WORKERS_SETTING, DEFAULT_WORKERS)
    return n if 1 <= n <= MAX_WORKERS else DEFAULT_WORKERS


def lease_seconds(catalog) -> int:
    n = catalog.settings.get_int(LEASE_SETTING, DEFAULT_LEASE)
    return n if MIN_LEASE <= n <= MAX_LEASE else DEFAULT_LEASE


# --- running one item through its use case ----------------------------------------------------------
def worker_actor(item: QueueItem):
    """Who runs a queued item: the app itself (core/app/actor.py SYSTEM). Whoever queued it was allowed
    to when it was queued (and showed their backup token); the scheduler's runs come from the admin's jobs."""
    from core.app.actor import system_actor

    return system_actor(f"queue item {item.id}" + (f" (job {item.job})" if item.job else ""))


def run_backup(ctx, item: QueueItem, reporter: Reporter, secrets: dict) -> tuple[dict, str | None]:
    from core.app import backups
    from core.jobs.requests import decode

    r = backups.backup_now(ctx, decode("backup", item.request, secrets), reporter=reporter, actor=worker_actor(item))
    return ({"backup_id": r.backup_id, "files": r.files, "size": r.size, "new_data": r.new_data,
             "skipped": len(r.skipped)}, None)


def run_restore(ctx, item: QueueItem, reporter: Reporter, secrets: dict) -> tuple[dict, str | None]:
    from core.app import backups
    from core.jobs.requests import decode

    outcome = backups.restore_backup(ctx, decode("restore", item.request, secrets), reporter=reporter,
                                     actor=worker_actor(item))
    r = outcome.result
    if r is None:
        return {"dry_run": True}, None
    files = r.files
    result = {"ok": r.ok, "account_restored": r.account_restored, "units": [list(u) for u in r.units],
              "files_restored": len(files.restored) if files else 0, "files_failed": len(files.failed) if files else 0,
              "files_skipped": len(files.skipped) if files else 0, "suspended": r.suspended}
    if files is not None:       # what was restored, skipped and failed, by name (escaped text; the first ones)
        result |= {"target": files.target, "restored_paths": list(files.restored[:LISTED]),
                   "skipped_paths": list(files.skipped[:LISTED]),
                   "failed_paths": [[p, why] for p, why in files.failed[:LISTED]]}
    error = None if r.ok else f"{len(files.failed)} file(s) could not be restored."
    return result, error


def run_download(ctx, item: QueueItem, reporter: Reporter, secrets: dict) -> tuple[dict, str | None]:
    from core.app import backups
    from core.jobs.requests import decode

    made = backups.download_backup(ctx, decode("download", item.request, secrets), reporter=reporter,
                                   actor=worker_actor(item))
    return {"files": [d.path for d in made]}, None


RUNNERS: dict[str, Runner] = {"backup": run_backup, "restore": run_restore, "download": run_download}


# --- the pool ----------------------------------------------------------------------------------------
@dataclass
class PoolSummary:
    outcomes: list[tuple[int, str]] = field(default_factory=list)   # (item id, done|failed|cancelled|released)

    def count(self, outcome: str) -> int:
        return sum(1 for _i, o in self.outcomes if o == outcome)


class WorkerPool:
    """``size`` threads working the queue of ``ctx.catalog``. ``run(until_empty=True)`` works until
    nothing this process may run is queued (``unitvault queue run --until-empty``); ``start()`` and
    ``stop()`` run it in the background (the desktop app). ``runners`` maps a kind to the function
    that runs it (tests give their own)."""

    def __init__(self, ctx, size: int | None = None, *, runners: dict[str, Runner] | None = None,
                 hold: SecretHold | None = None, poll: float = 1.0, beat: float = 1.0,
                 on_finish: Callable[[QueueItem, str], None] | None = None):
        self.ctx = ctx
        self.catalog = ctx.catalog
        self.size = check_workers(size) if size is not None else pool_size(self.catalog)
        self.lease = lease_seconds(self.catalog)
        self.runners = dict(RUNNERS if runners is None else runners)
        self.hold = hold or HOLD
        self.poll = poll
        self.beat = min(beat, self.lease / 3)
        self.on_finish = on_finish
        self.summary = PoolSummary()
        self._stop = threading.Event()          # stop claiming
        self._abort = threading.Event()         # and stop what runs (given back to the queue)
        self._until_empty = False
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._running: dict[int, CancelToken] = {}

    # --- life ----------------------------------------------------------------------------------------
    def start(self, *, until_empty: bool = False) -> None:
        # Open what the use cases share before the threads race for it (AppContext opens lazily); the
        # unit store only when there may be work (an empty run from a timer stays light).
        _ = self.ctx.catalog, self.ctx.secrets, self.ctx.settings
        if until_empty:     # what a stopped worker left running counts as work to do, not as none
            self._take_back()
        if not until_empty or self.catalog.queue.pending(self.hold.holder):
            _ = self.ctx.units
        self._until_empty = until_empty
        self._stop.clear()
        self._abort.clear()
        self._threads = [threading.Thread(target=self._keeper, name="uv-queue-keeper", daemon=True)]
        self._threads += [threading.Thread(target=self._worker, args=(n,), name=f"uv-queue-{n}", daemon=True)
                          for n in range(1, self.size + 1)]
        for th in self._threads:
            th.start()

    def stop(self, *, abort_running: bool = True, timeout: float | None = None) -> None:
        """Stop claiming; with ``abort_running`` the running items are stopped and given back to the
        queue (their attempt not counted). Items held for this process fail: their secrets go with it."""
        self._stop.set()
        if abort_running:
            self._abort.set()
            with self._lock:
                for token in self._running.values():
                    token.cancel()
        for th in self._threads:
            th.join(timeout)
        try:
            dropped = self.catalog.queue.drop_held(self.hold.holder)
            if dropped:
                log.info("%d held queue item(s) failed: this process is stopping", dropped)
        except UnitvaultError as exc:
            log.warning("could not fail held queue items: %s", exc.message)

    def running(self) -> list[int]:
        """Ids of the items this pool's workers run now."""
        with self._lock:
            return sorted(self._running)

    def wait(self, cancel: CancelToken | None = None, progress: Callable[[int], None] | None = None) -> None:
        """Until the workers are done (with ``until_empty``) or ``cancel`` is set; ``progress`` hears
        the number of items finished so far (on the calling thread)."""
        workers = self._threads[1:]
        reported = 0
        while any(th.is_alive() for th in workers):
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            # Polled, not joined: a Ctrl-C (or SIGTERM) landing inside Thread.join() can leave the thread
            # looking finished to a later join(), and stop() must really wait for the items to go back.
            time.sleep(0.05)
            with self._lock:
                n = len(self.summary.outcomes)
            if progress is not None and n != reported:
                reported = n
                progress(n)
        self._stop.set()
        self._threads[0].join()

    def run(self, *, until_empty: bool = True, cancel: CancelToken | None = None,
            progress: Callable[[int], None] | None = None) -> PoolSummary:
        self.start(until_empty=until_empty)
        try:
            self.wait(cancel, progress)
        except BaseException:
            self.stop()
            raise
        self.stop(abort_running=False)
        return self.summary

    # --- threads ---------------------------------------------------------------------------------------
    def _keeper(self) -> None:
        """Take back items whose lease ran out (any process's) and keep this process's held items alive."""
        last_hold = 0.0
        while not self._stop.is_set():
            self._take_back()
            try:
                now = time.monotonic()
                if len(self.hold) and now - last_hold >= self.lease / 3:
                    self.catalog.queue.hold(self.hold.holder, self.lease)
                    last_hold = now
            except UnitvaultError as exc:
                log.warning("queue upkeep failed: %s", exc.message)
            self._stop.wait(self.poll)

    def _take_back(self) -> None:
        """Items whose lease ran out (any process's): back to the queue, or failed (``reclaim``)."""
        try:
            for item in self.catalog.queue.reclaim():
                log.info("queue item %d taken back (%s): %s", item.id, item.state, item.error)
        except UnitvaultError as exc:
            log.warning("queue upkeep failed: %s", exc.message)

    def _worker(self, n: int) -> None:
        worker = f"{self.hold.holder}/{n}"
        queue = self.catalog.queue
        while not self._stop.is_set():
            try:
                # A read first: an idle pool does not take the catalog's write lock every second.
                waiting = queue.pending(self.hold.holder)
                item = queue.claim(worker, lease_seconds=self.lease, holder=self.hold.holder) if waiting else None
                if item is None:
                    # (a lease that ran out meanwhile: the keeper queues its item again, to be run here)
                    if self._until_empty and not waiting and not self._busy() and not queue.expired():
                        return
                    self._stop.wait(self.poll)
                    continue
            except UnitvaultError as exc:
                log.warning("claiming a queue item failed: %s", exc.message)
                self._stop.wait(self.poll)
                continue
            self._run(item, worker)

    def _busy(self) -> bool:
        with self._lock:
            return bool(self._running)

    def _run(self, item: QueueItem, worker: str) -> None:
        queue = self.catalog.queue
        token = CancelToken()
        latest: list[ProgressState | None] = [None]
        lost = threading.Event()
        ended = threading.Event()
        with self._lock:
            self._running[item.id] = token
        if self._abort.is_set():
            token.cancel()

        def sink(state: ProgressState) -> None:
            latest[0] = state

        def monitor() -> None:
            sent = None
            while not ended.wait(self.beat):
                state = latest[0]
                try:
                    hb = queue.heartbeat(item.id, worker, lease_seconds=self.lease,
                                         progress=state if state is not sent else None)
                except UnitvaultError as exc:
                    log.warning("heartbeat of queue item %d failed: %s", item.id, exc.message)
                    continue
                sent = state
                if not hb.owned:
                    lost.set()
                    token.cancel()
                    return
                if hb.cancel_requested:
                    token.cancel()

        beat = threading.Thread(target=monitor, name=f"uv-beat-{item.id}", daemon=True)
        beat.start()
        secrets = self.hold.get(item.id) or {}
        outcome, result, error = FAILED, None, None
        try:
            if set(item.secrets_needed) - set(secrets):
                raise _Refused(HOLDER_GONE)
            runner = self.runners.get(item.kind)
            if runner is None:
                raise _Refused(f"This version cannot run {item.kind} items.")
            result, error = runner(self.ctx, item, Reporter(sink, token), secrets)
            outcome = DONE if error is None else FAILED
        except Cancelled:
            outcome = "released" if self._abort.is_set() else CANCELLED
        except _Refused as exc:
            error = str(exc)
        except UnitvaultError as exc:
            error = redact(" ".join(p for p in (exc.message, exc.hint) if p))
        except Exception as exc:  # a bug: the item fails, the pool goes on; the traceback goes to the log
            log.exception("queue item %d (%s) failed", item.id, item.kind)
            error = f"Unexpected internal error ({type(exc).__name__})."
        finally:
            ended.set()
            beat.join()
            with self._lock:
                self._running.pop(item.id, None)
        self._record(item, worker, outcome, result, error, lost.is_set())

    def _record(self, item: QueueItem, worker: str, outcome: str, result, error, lost: bool) -> None:
        queue = self.catalog.queue
        if lost:
            log.info("queue item %d was taken back while it ran; its outcome is not recorded", item.id)
            return
        try:
            if outcome == "released":
                if item.holder is not None:           # its secrets go with this process
                    outcome, error = FAILED, HOLDER_GONE
                    recorded = queue.finish(item.id, worker, FAILED, error=HOLDER_GONE)
                else:
                    recorded = queue.release(item.id, worker)
            else:
                recorded = queue.finish(item.id, worker, outcome, result=result, error=error)
        except UnitvaultError as exc:
            log.warning("recording the outcome of queue item %d failed: %s", item.id, exc.message)
            return                                      # its lease runs out and reclaim takes it back
        if not recorded:
            log.info("queue item %d was taken back before it ended; its outcome is not recorded", item.id)
            return
        if outcome != "released":
            self.hold.drop(item.id)
        log.info("queue item %d (%s): %s%s", item.id, item.kind, outcome, f": {error}" if error else "")
        with self._lock:
            self.summary.outcomes.append((item.id, outcome))
        if self.on_finish is not None:
            try:
                self.on_finish(item, outcome)
            except Exception:  # a listener never stops the pool
                log.exception("queue listener failed")


class _Refused(Exception):
    """The pool will not run this item (its message is the reason recorded)."""
