"""The queue's workers and the scheduler, running in the background of a long-lived process (the
desktop app, while its window is open): one entry point so a shell never reaches core/jobs.

``start_background(ctx)`` starts a WorkerPool (core/jobs/workers.py: it claims items in run order,
including the items this process holds secrets for) and a ScheduleTicker (core/jobs/scheduler.py:
the jobs' due runs queued exactly once, every 30 seconds). ``stop()`` gives running items back to
the queue (their attempt not counted); items held for this process fail, their secrets gone with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.logsetup import get_logger

log = get_logger("background")


@dataclass(frozen=True)
class Finished:
    """A queue item this process's workers finished: what the shell tells its user."""
    item: object          # core.catalog.queue.QueueItem, as it was claimed
    outcome: str          # done | failed | cancelled


class Background:
    def __init__(self, pool, ticker):
        self.pool = pool
        self.ticker = ticker
        self.stopped = False

    def running(self) -> list[int]:
        """Ids of the queue items this process's workers run now."""
        return self.pool.running()

    def stop(self, timeout: float | None = None) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.ticker is not None:
            self.ticker.stop(timeout)
        self.pool.stop(abort_running=True, timeout=timeout)


def start_background(ctx, *, on_finish: Callable[[Finished], None] | None = None, workers: int | None = None,
                     schedule: bool = True, schedule_interval: float = 30.0, poll: float = 1.0) -> Background:
    """Start the workers (``workers``: None for the setting) and, with ``schedule``, the scheduler.
    ``on_finish`` hears every item this process finished, on a worker thread."""
    from core.jobs.scheduler import ScheduleTicker
    from core.jobs.workers import WorkerPool

    def finished(item, outcome: str) -> None:
        if on_finish is not None:
            on_finish(Finished(item, outcome))

    pool = WorkerPool(ctx, workers, on_finish=finished, poll=poll)
    pool.start()
    ticker = None
    if schedule:
        ticker = ScheduleTicker(ctx, schedule_interval)
        ticker.start()
    log.info("background workers started (%d), scheduler %s", pool.size, "on" if schedule else "off")
    return Background(pool, ticker)
