"""The accounts page at a thousand accounts: the worst gap between heartbeats of a 10 ms QTimer on the
GUI thread while the page loads, scrolls to its end and back, is searched as a person types, filtered
by tag, sorted, and an account far down is expanded (target: every gap under 100 ms).

The accounts have tags, units, an indexed backup each (so the last-backup, size and next-backup columns
are filled) and one job covering them all. Runs offscreen; prints figures per phase; asserts nothing.
``python -m bench.bench_accounts_page [--accounts 1000] [--rounds 3]``.
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

from bench.bench_gui import TARGET_MS, Heartbeat  # noqa: E402

TAGS = {"vip": "#c0392b", "web": "#2e86c1", "mail": "#7d3c98", "staging": "#d4ac0d", "legacy": "#117a65"}


def populate(ctx, root: Path, n: int) -> None:
    """``n`` accounts in one transaction, tagged in a pattern, each with one indexed backup."""
    from core.app import destinations, jobs, tags
    from core.catalog.records import BackupEntry

    home = root / "shared-home"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "a.txt").write_text("a")
    destinations.add_destination(ctx, destinations.AddDestination("vault", "local", path=str(root / "vault")))
    for name, color in TAGS.items():
        tags.add_tag(ctx, tags.AddTag(name, color))
    names = list(TAGS)
    cat = ctx.catalog
    with cat.write() as c:
        for i in range(n):
            a = cat.accounts.add(f"user{i:05d}", str(home), email=f"user{i}@example.com", conn=c)
            for k, tag in enumerate(names):
                if i % (k + 2) == 0:
                    cat.tags.assign(tag, a.id, conn=c)
            day = 1 + i % 28
            cat.backups.add(BackupEntry(id=f"bench-{i:05d}", account_id=a.id, destination="vault",
                                        created_at=f"2027-04-{day:02d}T0{i % 10}:00:00Z", kind="manual",
                                        items=("account", "files"), size=1000 * (i + 1),
                                        info={"username": f"user{i:05d}"}), conn=c)
    jobs.add_job(ctx, jobs.JobSpec("nightly", "vault", "all", "account,files", "daily@02:00", None, keep=7))


def run(n: int, rounds: int) -> list[dict]:
    from PySide6.QtCore import QTimer

    from core.app.context import AppContext
    from desktop.app import make_app
    from desktop.mainwindow import MainWindow
    from desktop.taskman import TaskRunner

    app = make_app()
    tmp = Path(tempfile.mkdtemp(prefix="unitvault-bench-accounts-page-"))
    ctx = AppContext.from_options(tmp / "home")
    t0 = time.perf_counter()
    populate(ctx, tmp, n)
    print(f"made {n:,} accounts in {time.perf_counter() - t0:.1f} s", flush=True)

    beat = Heartbeat()
    beat.start()
    results: list[dict] = []
    runner = TaskRunner()
    window = MainWindow(ctx, runner)
    window.resize(1280, 720)
    window.show()
    page = window.accounts_page
    model, tree = page.model, page.tree

    def phase(name, start, done):
        results.append(beat.measure(app, name, start, done))

    def steps(*actions, ms: int = 20):
        """Run ``actions`` one per pass of the event loop, ``ms`` apart (as a person scrolls or types)."""
        todo = list(actions)
        state = {"done": False}

        def step():
            todo.pop(0)()
            if todo:
                QTimer.singleShot(ms, step)
            else:
                state["done"] = True
        return (lambda: QTimer.singleShot(ms, step)), (lambda: state["done"])

    def scroll_to(fraction: float):
        def go():
            bar = tree.verticalScrollBar()
            bar.setValue(int(bar.maximum() * fraction))
            tree.viewport().repaint()
        return go

    def scroll_all():
        """Page down to the end (each jump fetches the next page of rows), then middle, a third, the start."""
        jumps = [scroll_to(1.0)] * 15 + [scroll_to(0.5), scroll_to(0.33), scroll_to(0.0)]
        return steps(*jumps)

    def typing(text: str):
        """Type ``text`` a key at a time 60 ms apart; the page filters after its debounce."""
        acts = [lambda i=i: page.search.setText(text[:i]) for i in range(1, len(text) + 1)]
        return steps(*acts, ms=60)

    def filtered(expect_text: str):
        return lambda: page.search.text() == expect_text and not page.filter_timer.isActive()

    loaded = lambda: page.ever_loaded and (page._loading is None or page._loading.done)  # noqa: E731
    phase(f"show the page ({n:,} accounts)", lambda: window.sidebar.setCurrentRow(1), loaded)
    print(f"  rows fetched by the view: {model.rowCount():,} of {len(model.visible):,}", flush=True)
    for r in range(rounds):
        go, done = scroll_all()
        phase(f"scroll to the end and back ({r + 1})", go, done)
    print(f"  rows fetched by the view: {model.rowCount():,} of {len(model.visible):,}", flush=True)
    for r in range(rounds):
        go, done = typing("user00")
        phase(f"type a search, key by key ({r + 1})", go, lambda d=done: d() and filtered("user00")())
        print(f"  matches: {len(model.visible):,}", flush=True)
        go, done = typing("user0012")
        phase(f"narrow the search ({r + 1})", go, lambda d=done: d() and filtered("user0012")())
        print(f"  matches: {len(model.visible):,}", flush=True)
        phase(f"clear the search ({r + 1})", page.search.clear, filtered(""))
    combo = page.accounts_tab.tag
    for tag in ("vip", "web", "legacy", None):
        phase(f"tag filter: {tag or 'all tags'}", lambda t=tag: combo.setCurrentIndex(combo.findData(t) if t else 0),
              lambda: True)
        print(f"  matches: {len(model.visible):,}", flush=True)
        go, done = scroll_all()
        phase("  scroll the filtered list", go, done)
    for col in (3, 6, 1, 0):
        phase(f"sort by {model.HEADERS[col].lower()}", lambda c=col: tree.sortByColumn(c, tree.header().sortIndicatorOrder()),
              lambda: True)
    far = f"user{n * 4 // 5:05d}"
    phase(f"expand {far} (far below the fetched rows)", lambda: page.expand(far),
          lambda: page.panel is not None and page.panel.row.account.username == far)
    go, done = scroll_all()
    phase("scroll with that account open", go, done)
    go, done = typing("user008")
    phase("type a search with it open", go, lambda: done() and filtered("user008")())
    phase("clear the search", page.search.clear, filtered(""))
    phase("read the accounts again (unchanged)", page.reload, loaded)
    window.close()
    runner.wait_idle()
    ctx.close()
    worst = max(r["worst_ms"] for r in results)
    print(f"\nworst GUI-thread gap on the accounts page with {n:,} accounts: {worst:.1f} ms "
          f"(target < {TARGET_MS:.0f} ms)", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="repeat the scroll and search phases")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    run(args.accounts, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
