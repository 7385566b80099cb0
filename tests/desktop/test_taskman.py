"""The task runner: results on the GUI thread, failures as exceptions, cancel silent, progress polled."""

from __future__ import annotations

import threading
import time

from core.errors import Cancelled, NotFoundError
from tests.desktop.conftest import wait_task


def test_result_arrives_on_the_gui_thread(qtbot, runner):
    seen = {}

    def work(reporter):
        seen["worker"] = threading.get_ident()
        return 42

    def ok(value):
        seen["value"] = value
        seen["ident"] = threading.get_ident()

    handle = runner.run(work, on_success=ok)
    wait_task(qtbot, handle)
    assert seen["value"] == 42 and handle.result == 42
    assert seen["ident"] == threading.main_thread().ident != seen["worker"]


def test_failure_is_delivered_with_the_exception(qtbot, runner):
    errors = []

    def work(reporter):
        raise NotFoundError("No unit named 'x'.")

    handle = runner.run(work, on_failure=errors.append)
    wait_task(qtbot, handle)
    assert isinstance(errors[0], NotFoundError) and handle.error is errors[0]


def test_unhandled_failure_goes_to_the_runner_signal(qtbot, runner):
    errors = []
    runner.unhandled_failure.connect(errors.append)
    handle = runner.run(lambda r: 1 / 0)
    wait_task(qtbot, handle)
    assert isinstance(errors[0], ZeroDivisionError)


def test_cancel_raises_at_next_step_and_reports_only_cancelled(qtbot, runner):
    started = threading.Event()
    outcomes = []

    def work(reporter):
        reporter.stage("apply", 1_000_000)
        started.set()
        for _ in range(1_000_000):
            time.sleep(0.001)
            reporter.advance(1)
        return "finished"

    handle = runner.run(work, on_success=outcomes.append, on_failure=outcomes.append)
    handle.cancelled.connect(lambda: outcomes.append("cancelled"))
    assert started.wait(10)
    handle.cancel()
    wait_task(qtbot, handle)
    assert outcomes == ["cancelled"]


def test_progress_is_polled_and_throttled(qtbot, runner):
    states = []
    gate = threading.Event()

    def work(reporter):
        reporter.stage("export", 100)
        for _ in range(100):
            time.sleep(0.01)
            reporter.advance(1)
        gate.wait(5)
        return None

    handle = runner.run(work)
    handle.progressed.connect(states.append)
    qtbot.waitUntil(lambda: any(s.done > 0 for s in states), timeout=10_000)
    gate.set()
    wait_task(qtbot, handle)
    assert states[0].stage == "export" and states[0].total == 100
    assert len(states) < 40  # ~10 a second, not one per step
    assert [s.done for s in states] == sorted(s.done for s in states)


def test_unit_lane_runs_one_task_at_a_time(qtbot, runner):
    active, peak = [0], [0]
    lock = threading.Lock()

    def work(reporter):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1

    handles = [runner.run(work) for _ in range(4)]
    for h in handles:
        wait_task(qtbot, h)
    assert peak[0] == 1


def test_cancelled_is_never_reported_as_failure(qtbot, runner):
    failures = []

    def work(reporter):
        raise Cancelled()

    handle = runner.run(work, on_failure=failures.append)
    wait_task(qtbot, handle)
    assert failures == [] and handle.error is None
