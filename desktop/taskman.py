"""The task runner: core work off the GUI thread, results back on it through signals.

Two lanes, as in Anki's taskman: ``unit`` is a single worker, so unit-store work (reads, imports,
exports, snapshots) never overlaps; ``pool`` runs work that touches no store (reading a bundle's header,
verifying a written file). Each task gets a :class:`core.progress.Reporter`; its sink only stores the
latest state, and one GUI-thread timer polls every running task about ten times a second. ``cancel()``
sets the core's cancel token, so the next progress step raises ``Cancelled``.

A task started with ``activity`` ("An import") is an operation the user asked for: closing the main
window asks before cancelling it. A ``background`` task (watching the store for changes) does not
make the app look busy.

The runner outlives its tasks: it has no parent, and ``shutdown()`` cancels what runs, waits for the
lanes to empty and delivers the outcomes before anything is torn down (quitting while a view loaded
used to end in "Signal source has been deleted").

Never call UI code inside a task function: it runs on a worker thread.
"""

from __future__ import annotations

import gc
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from core.errors import Cancelled
from core.logsetup import get_logger
from core.progress import CancelToken, ProgressState, Reporter

log = get_logger("desktop.tasks")
POLL_MS = 100


class TaskHandle(QObject):
    """One submitted task. Exactly one of succeeded / failed / cancelled fires, then ``finished``."""

    progressed = Signal(object)  # ProgressState, at most ~10 a second
    succeeded = Signal(object)   # the function's return value
    failed = Signal(object)      # the exception (never Cancelled); ``exc.__traceback__`` is kept
    cancelled = Signal()
    finished = Signal()
    _deliver = Signal(str, object)  # from the worker thread; queued to this object's (GUI) thread

    def __init__(self, name: str, parent: QObject | None = None, *, activity: str | None = None,
                 background: bool = False):
        super().__init__(parent)
        self.name = name
        self.activity = activity
        self.background = background
        self.token = CancelToken()
        self.started = time.monotonic()
        self.stage_started = self.started
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._latest: ProgressState | None = None
        self._shown: ProgressState | None = None
        self._deliver.connect(self._on_deliver)

    # --- worker side (any thread): plain attribute stores only --------------------------------------
    def _sink(self, state: ProgressState) -> None:
        self._latest = state

    def reporter(self) -> Reporter:
        return Reporter(self._sink, self.token)

    # --- GUI side ------------------------------------------------------------------------------------
    def cancel(self) -> None:
        self.token.cancel()

    @property
    def is_cancel_requested(self) -> bool:
        return self.token.cancelled

    def poll(self) -> None:
        state = self._latest
        if state is not None and state is not self._shown:
            if self._shown is None or self._shown.stage != state.stage:
                self.stage_started = time.monotonic()
            self._shown = state
            self.progressed.emit(state)

    @Slot(str, object)
    def _on_deliver(self, kind: str, value: object) -> None:
        self.poll()
        self.done = True
        if kind == "ok":
            self.result = value
            self.succeeded.emit(value)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.error = value  # type: ignore[assignment]
            self.failed.emit(value)
        self.finished.emit()


class _Job(QRunnable):
    def __init__(self, handle: TaskHandle, fn: Callable[[Reporter], Any]):
        super().__init__()
        self.setAutoDelete(True)
        self.handle = handle
        self.fn = fn

    def run(self) -> None:
        handle = self.handle
        # Everything alive now (unit views, held records) moves out of the cyclic GC's reach, so the
        # full collections this task's allocations trigger scan only the task's own objects; with
        # the GIL held, a scan of the whole heap stalled the GUI thread for 100-160 ms.
        gc.freeze()
        try:
            value = self.fn(handle.reporter())
        except Cancelled:
            handle._deliver.emit("cancelled", None)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI
            from core.errors import UnitvaultError

            if not isinstance(exc, UnitvaultError):
                log.error("Task %s failed unexpectedly:\n%s", handle.name,
                          "".join(traceback.format_exception(exc)))
            handle._deliver.emit("error", exc)
        else:
            handle._deliver.emit("ok", value)


class TaskRunner(QObject):
    """``run(fn, lane=...)`` where ``fn(reporter)`` does core work and returns a typed result."""

    busy_changed = Signal(bool)
    unhandled_failure = Signal(object)  # a task failed and its submitter gave no on_failure

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.closed = False
        self.lanes = {"unit": QThreadPool(self), "pool": QThreadPool(self)}
        self.lanes["unit"].setMaxThreadCount(1)
        self.lanes["pool"].setMaxThreadCount(2)
        self.active: set[TaskHandle] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)

    def run(self, fn: Callable[[Reporter], Any], *, name: str = "task", lane: str = "unit",
            on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[BaseException], None] | None = None,
            activity: str | None = None, background: bool = False) -> TaskHandle:
        """``activity``: how the quit question names this operation ("An import"); view loads and
        other work that is safe to drop leave it out. ``background``: not shown as busy."""
        handle = TaskHandle(name, activity=activity, background=background)  # no parent: freed with its last user
        if on_success:
            handle.succeeded.connect(on_success)
        handle.failed.connect(on_failure if on_failure else self.unhandled_failure.emit)
        handle.finished.connect(lambda h=handle: self._finished(h))
        was_busy = self.busy
        self.active.add(handle)
        if not self.timer.isActive():
            self.timer.start()
        if self.closed:
            handle.cancel()  # after shutdown nothing new runs: it ends as cancelled, at once
        if not was_busy and self.busy:
            self.busy_changed.emit(True)
        self.lanes[lane].start(_Job(handle, fn))
        return handle

    @property
    def busy(self) -> bool:
        return any(not h.background for h in self.active)

    def activities(self) -> list[str]:
        """The running operations the user asked for, as the quit question names them."""
        return sorted({h.activity for h in self.active if h.activity and not h.done})

    def cancel_all(self) -> None:
        for handle in list(self.active):
            handle.cancel()

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until every lane is empty (shutdown and tests only; results still arrive by signal)."""
        return all(pool.waitForDone(msecs) for pool in self.lanes.values())

    def shutdown(self) -> None:
        """Cancel everything, wait until the lanes are empty, and deliver the outcomes, so no task
        outlives the objects its results go to. Waits as long as the work takes: a cancelled import
        stops at its next progress step, and a commit in progress must finish."""
        from PySide6.QtCore import QCoreApplication

        self.closed = True
        for _round in range(1000):  # a delivery that keeps starting tasks cannot hold the app forever
            self.cancel_all()
            for pool in self.lanes.values():
                pool.waitForDone(-1)
            # the queued deliveries, while their receivers exist; a delivery may start a follow-up
            # task (a list read starts its unit's load): that one starts cancelled, and is waited for too
            QCoreApplication.sendPostedEvents()
            if not self.active:
                break
        self.timer.stop()

    def _poll(self) -> None:
        for handle in list(self.active):
            handle.poll()

    def _finished(self, handle: TaskHandle) -> None:
        was_busy = self.busy
        self.active.discard(handle)
        if not self.active:
            self.timer.stop()
        if was_busy and not self.busy:
            self.busy_changed.emit(False)
