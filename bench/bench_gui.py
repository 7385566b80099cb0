"""GUI responsiveness: the worst gap between heartbeats of a 10 ms QTimer on the GUI thread while the
real dialogs export and import the LARGE unit through the task runner (target: under 100 ms), and
while the unit views switch to, scroll through and search the HUGE unit (a million records).

Prints figures per phase; asserts nothing.
``python bench/bench_gui.py [--size large] [--browse-size huge] [--skip-import]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSWORD = "bench-password-123"
TARGET_MS = 100.0


class Heartbeat:
    """Records the gaps between ticks of a 10 ms timer; ``phase()`` starts a new measurement."""

    def __init__(self, interval_ms: int = 10):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.gaps: list[float] = []

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000)
        self.last = now

    def phase(self) -> None:
        self.gaps = []
        self.last = time.perf_counter()

    def measure(self, app, name: str, start, done) -> dict:
        """One phase: ``start()``, then the event loop until ``done()``, then one more beat (a stall
        inside ``start()`` counts too); the worst gaps as ``report`` gives them."""
        self.phase()
        t = time.perf_counter()
        start()
        _pump(app, done)
        seen = len(self.gaps)
        _pump(app, lambda: len(self.gaps) > seen)
        return self.report(name, time.perf_counter() - t)

    def report(self, name: str, seconds: float) -> dict:
        gaps = sorted(self.gaps) or [0.0]
        worst = gaps[-1]
        p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
        verdict = "OK" if worst < TARGET_MS else "OVER TARGET"
        print(f"{name:<34} {seconds:7.2f} s   heartbeats {len(self.gaps):6d}   worst gap {worst:7.1f} ms   "
              f"p99 {p99:6.1f} ms   {verdict}", flush=True)
        return {"phase": name, "seconds": seconds, "worst_ms": worst, "p99_ms": p99, "beats": len(self.gaps)}


def _pump(app, predicate, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step timed out")
        app.processEvents()
        time.sleep(0.001)


def run(size: str = "large") -> list[dict]:
    from PySide6.QtWidgets import QWizard

    from core.app.context import AppContext
    from core.unit.seed import seed_unit
    from desktop.app import make_app
    from desktop.mainwindow import MainWindow
    from desktop.taskman import TaskRunner

    app = make_app()
    tmp = Path(tempfile.mkdtemp(prefix="unitvault-bench-gui-"))
    ctx = AppContext.from_options(tmp / "home")
    t0 = time.perf_counter()
    seed_unit(ctx.units, "big", size, 0)
    print(f"seeded the {size} unit in {time.perf_counter() - t0:.1f} s", flush=True)

    beat = Heartbeat()
    beat.start()
    results = []
    runner = TaskRunner()
    window = MainWindow(ctx, runner)
    window.show()

    def phase(name, start, done):
        results.append(beat.measure(app, name, start, done))

    phase("browse: load the unit views", lambda: None, lambda: window.units_page.view.data is not None)
    view = window.units_page.view
    phase("browse: search the config keys", lambda: (view.keys_search.setText("auth.a"), view.apply_key_filter()),
          lambda: True)
    view.keys_search.clear()
    view.apply_key_filter()

    out = tmp / "big.uvault"
    dialog = window.open_export(["big"])
    dialog.password.setText(PASSWORD)
    dialog.confirm.setText(PASSWORD)
    dialog.destination.setText(str(out))
    phase("export (dialog, task runner)", dialog.start_export, lambda: dialog.stack.currentIndex() == 2)
    phase("verify the written bundle", dialog.verify_now, lambda: "verified" in dialog.verify_label.text())
    dialog.close()

    # make the import do real work: drop a tenth of the config keys first
    unit = ctx.units.get_unit("big")
    keys = sorted(ctx.units.section_keys(unit.id, "config_keys"))
    with ctx.units.write() as conn:
        ctx.units.delete_keys(conn, unit.id, "config_keys", keys[::10])

    wizard = window.open_import(out)
    _pump(app, wizard.choose_page.isComplete)
    wizard.next()
    wizard.password_page.password.setText(PASSWORD)
    phase("import: validate + plan (wizard)", wizard.next, lambda: wizard.validate_page.handle.done)
    phase("import: preview page", wizard.next, wizard.preview_page.isComplete)
    phase("import: switch to merge (live plan)", wizard.preview_page.merge.click,
          lambda: wizard.preview is not None and wizard.preview.plan.mode == "merge")
    phase("import: back to replace", wizard.preview_page.replace.click,
          lambda: wizard.preview is not None and wizard.preview.plan.mode == "replace")
    wizard.next()
    wizard.confirm_page.typed.setText("big")
    phase("import: apply (snapshot + write)", wizard.button(QWizard.WizardButton.CommitButton).click,
          lambda: wizard.currentId() == 6)
    phase("import: views reload", lambda: None,
          lambda: not runner.busy and window.units_page.view.keys.rowCount() == len(keys))
    done_page = wizard.done_page
    phase("undo: read the snapshot and plan", done_page.undo, lambda: done_page.confirm_box is not None)
    phase("undo (restore the snapshot)", done_page.undo_yes.click,
          lambda: "Undone" in done_page.undo_message.text())
    phase("undo: views reload", lambda: None, lambda: not runner.busy)
    wizard.close()
    window.close()
    runner.wait_idle()
    ctx.close()
    worst = max(r["worst_ms"] for r in results)
    print(f"\nworst GUI-thread gap over all phases: {worst:.1f} ms (target < {TARGET_MS:.0f} ms)", flush=True)
    return results


def browse(size: str = "huge") -> list[dict]:
    """Switch the unit views from a small unit to a ``size`` one, scroll every tab to its end and
    back, and search its config keys: the views read pages on demand and search on a helper thread."""
    import resource

    from PySide6.QtWidgets import QApplication

    from core.app.context import AppContext
    from core.unit.seed import seed_unit
    from desktop.app import make_app
    from desktop.mainwindow import MainWindow
    from desktop.models import RawRole
    from desktop.taskman import TaskRunner

    app = QApplication.instance() or make_app()
    tmp = Path(tempfile.mkdtemp(prefix="unitvault-bench-browse-"))
    ctx = AppContext.from_options(tmp / "home")
    t0 = time.perf_counter()
    seed_unit(ctx.units, "aaa-small", "small", 0)
    seed_unit(ctx.units, "big", size, 0)
    print(f"seeded the {size} unit in {time.perf_counter() - t0:.1f} s", flush=True)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    beat = Heartbeat()
    beat.start()
    results = []
    runner = TaskRunner()
    window = MainWindow(ctx, runner)
    window.show()
    page = window.units_page
    view = page.view

    def phase(name, start, done):
        results.append(beat.measure(app, name, start, done))

    phase("browse: open on the small unit", lambda: None, lambda: view.data is not None)
    phase(f"browse: switch to the {size} unit", lambda: page.select("big"),
          lambda: view.data is not None and view.data.unit.name == "big" and not runner.busy)

    def scroll(widget):
        """Jump to the end, the middle, a third and the start, one jump per pass of the event loop
        (as a user dragging the scroll bar would), each repaint reading the pages it shows."""
        from PySide6.QtCore import QTimer

        steps: list = []

        def go():
            bar = widget.verticalScrollBar()
            steps.extend((bar.maximum(), bar.maximum() // 2, bar.maximum() // 3, 0))
            QTimer.singleShot(20, step)

        def step():
            widget.verticalScrollBar().setValue(steps.pop(0))
            widget.viewport().repaint()
            if steps:
                QTimer.singleShot(20, step)
            else:
                steps.append(None)
        return go, lambda: steps == [None]

    for title, widget, tab in (("plugins", view.plugins_view, 0), ("workspaces", view.workspaces_view, 1),
                               ("profiles", view.profiles_view, 2), ("config keys", view.keys_view, 3)):
        phase(f"browse: show the {title} tab", lambda tab=tab: view.tabs.setCurrentIndex(tab), lambda: True)
        go, done = scroll(widget)
        phase(f"browse: scroll {title} end-middle-start", go, done)
    def expand_last():
        tree, last = view.workspaces_view, view.workspaces.index(view.workspaces.rowCount() - 1, 0)
        tree.expand(last)  # a workspace, or (a huge unit) the last range of workspaces
        n = view.workspaces.rowCount(last)
        if view.workspaces.data(last, RawRole) is None and n:
            tree.expand(view.workspaces.index(n - 1, 0, last))

    phase("browse: expand the last workspace", expand_last, lambda: True)
    phase("browse: search the config keys", lambda: (view.keys_search.setText("auth.a"), view.apply_key_filter()),
          lambda: not view.keys.searching)
    print(f"  matches: {view.keys.rowCount():,} of {len(view.keys.rows):,}", flush=True)
    go, done = scroll(view.keys_view)
    phase("browse: scroll the search result", go, done)
    phase("browse: clear the search", lambda: (view.keys_search.clear(), view.apply_key_filter()),
          lambda: not view.keys.searching)
    phase("browse: back to the small unit", lambda: page.select("aaa-small"),
          lambda: view.data is not None and view.data.unit.name == "aaa-small" and not runner.busy)
    window.close()
    runner.wait_idle()
    ctx.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worst = max(r["worst_ms"] for r in results)
    print(f"\nworst GUI-thread gap browsing the {size} unit: {worst:.1f} ms (target < {TARGET_MS:.0f} ms); "
          f"peak RSS {rss:.0f} MiB ({rss - rss0:+.0f} MiB while browsing)", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--browse-size", default=None, choices=("small", "medium", "large", "huge"),
                        help="also browse a unit of this size (switch, scroll, search)")
    parser.add_argument("--skip-import", action="store_true", help="only the browse phases")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    if not args.skip_import:
        run(args.size)
    if args.browse_size:
        browse(args.browse_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
