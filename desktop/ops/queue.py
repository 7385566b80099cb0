"""The queue: what waits, runs and finished; cancel and retry; the workers and the scheduler this app
runs while its window is open (core/app/background.py)."""

from __future__ import annotations

from core.app import queue
from core.app.background import start_background
from desktop.ops import Task

__all__ = ["cancel", "listing", "retry", "settings", "start_background"]


def listing(ctx, state: str | None = None) -> Task:
    """core/app/queue.py QueueListing: running, queued in run order, finished lately (or one state)."""
    def fn(reporter):
        return queue.list_queue(ctx, queue.ListQueue(state=state), reporter=reporter)
    return fn


def cancel(ctx, item_id: int) -> Task:
    def fn(reporter):
        return queue.cancel_item(ctx, queue.QueueRef(item_id), reporter=reporter)
    return fn


def retry(ctx, item_id: int, secrets: dict | None = None) -> Task:
    """Queue a failed or cancelled item again; ``secrets`` (an owner's passphrase, a bundle password)
    when the item needs them: held in this process's memory only."""
    def fn(reporter):
        return queue.retry_item(ctx, queue.RetryItem(item_id, secrets or None), reporter=reporter)
    return fn


def item(ctx, item_id: int) -> Task:
    def fn(reporter):
        return queue.show_item(ctx, queue.QueueRef(item_id), reporter=reporter)
    return fn


def settings(ctx):
    """core/app/queue.py QueueSettings (one small query)."""
    return queue.show_settings(ctx)
