"""``unitvault queue ...``: list, show, cancel, retry and run the queue of backups, restores and
downloads; its settings (workers, connections per destination, lease, days finished items are kept)."""

from __future__ import annotations

import contextlib
import signal
import sys

from core.cli.output import print_json, print_table, progress
from core.support.sizes import format_size

COMMANDS = ("queue",)


def register(sub) -> None:
    p = sub.add_parser("queue", help="the queue of backups, restores and downloads",
                       description="Backups, restores and downloads wait in one queue and run by priority "
                                   "(lower value first, first in first out within a value), one lane per "
                                   "destination within its connection limit. See docs/queue.md.")
    s = p.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    q = s.add_parser("list", help="what is running, queued (in run order) and finished lately")
    q.add_argument("--state", metavar="S", help="only items in this state: queued, running, done, failed, cancelled "
                                                "(default: queued and running, and what finished in the last day)")
    q.add_argument("--limit", type=int, default=1000, metavar="N", help="finished items shown at most, the latest "
                                                                        "(default 1000)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("show", help="one item, with its request, progress and outcome")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)

    q = s.add_parser("cancel", help="cancel a queued item, or stop a running one")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_cancel)

    q = s.add_parser("retry", help="queue a failed or cancelled item again")
    q.add_argument("id", type=int)
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_retry)

    q = s.add_parser("run", help="work the queue in this process (exit 1 when an item failed)",
                     description="Runs queued items here until stopped (Ctrl-C or SIGTERM give running items back "
                                 "to the queue), or with --until-empty until nothing is left that this process "
                                 "may run. For cron or a systemd timer: "
                                 "'unitvault schedule run-due && unitvault queue run --until-empty'.")
    q.add_argument("--workers", type=int, metavar="N", help="worker threads (default: the queue setting)")
    q.add_argument("--until-empty", action="store_true", help="stop when nothing is left to run")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_run)

    q = s.add_parser("settings", help="show or change the queue's settings (shared by everyone on this catalog)")
    q.add_argument("--workers", type=int, metavar="N", help="worker threads of 'queue run' and the desktop app")
    q.add_argument("--connections", type=int, metavar="N",
                   help="items running at once per destination (with --destination: that destination's own)")
    q.add_argument("--destination", metavar="D", help="the destination --connections or --default-connections is for")
    q.add_argument("--default-connections", action="store_true",
                   help="the --destination goes back to the default connection limit")
    q.add_argument("--lease-seconds", type=int, metavar="N",
                   help="how long a silent worker keeps its item before it is taken back")
    q.add_argument("--keep-days", type=int, metavar="N", help="days finished items stay in the list")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_settings)


# --- rendering ---------------------------------------------------------------------------------------
def _when(item) -> str:
    stamp = item.finished_at or item.started_at or item.created_at
    return (stamp or "")[:19].replace("T", " ")


def _progress(item) -> str:
    if item.state != "running":
        return ""
    if item.stage is None:
        return "starting"
    if item.total:
        return f"{item.stage} {min(100.0, 100 * (item.done or 0) / item.total):.0f}%"
    if item.progress_unit == "bytes":
        return f"{item.stage} {format_size(item.done or 0)}"
    return f"{item.stage} {item.done or 0:,}"


def _info(item) -> str:
    if item.error:
        return item.error
    if item.cancel_requested and item.state == "running":
        return "stopping (cancel asked for)"
    result = item.result or {}
    if "backup_id" in result:
        return f"backup {result['backup_id']}"
    if "files" in result and isinstance(result["files"], list):
        return f"{len(result['files'])} file(s) downloaded"
    if "files_restored" in result:
        return f"{result['files_restored']:,} file(s) restored"
    if item.secrets_needed and item.state == "queued":
        return "runs only where its secret was given"
    return ""


def _target(item) -> str:
    request = item.request
    if item.kind == "backup":
        return item.username or request.get("account", "")
    return f"{request.get('backup_id', '')} ({item.username or 'unknown account'})"


def _table(items) -> None:
    print_table(["ID", "STATE", "KIND", "PRIORITY", "FOR", "DESTINATION", "JOB", "WHEN", "TRIES", "PROGRESS", "INFO"],
                [[i.id, i.state, i.kind, f"{i.priority_group} ({i.priority})", _target(i), i.destination or "",
                  i.job or "", _when(i), f"{i.attempts}/{i.max_attempts}", _progress(i), _info(i)] for i in items])


def _one(item) -> None:
    print(f"Queue item {item.id}: {item.kind} {_target(item)}, {item.state}"
          + (f" ({_progress(item)})" if _progress(item) else "") + (f": {_info(item)}" if _info(item) else ""))


# --- commands ----------------------------------------------------------------------------------------
def cmd_list(args, ctx) -> int:
    from core.app import queue

    listing = queue.list_queue(ctx, queue.ListQueue(args.state, limit=args.limit))
    if args.json:
        print_json({"items": [i.as_dict() for i in listing.items], "counts": listing.counts})
        return 0
    if listing.items:
        _table(listing.items)
    else:
        print("Nothing " + (f"{args.state}." if args.state else "queued, running or finished lately."))
    c = listing.counts
    print(f"In the queue: {c['queued']} queued, {c['running']} running, {c['done']} done, {c['failed']} failed, "
          f"{c['cancelled']} cancelled.")
    return 0


def cmd_show(args, ctx) -> int:
    from core.app import queue

    item = queue.show_item(ctx, queue.QueueRef(args.id))
    if args.json:
        print_json(item.as_dict())
        return 0
    _one(item)
    rows = [("priority", f"{item.priority_group} ({item.priority})"), ("destination", item.destination),
            ("job", item.job), ("scheduled for", item.scheduled_for), ("queued", item.created_at),
            ("started", item.started_at), ("finished", item.finished_at),
            ("attempts", f"{item.attempts} of {item.max_attempts}"), ("worker", item.worker),
            ("request", ", ".join(f"{k}={v}" for k, v in item.request.items() if not k.startswith("_")))]
    for name, value in rows:
        if value:
            print(f"  {name + ':':<15}{value}")
    return 0


def cmd_cancel(args, ctx) -> int:
    from core.app import queue

    item = queue.cancel_item(ctx, queue.QueueRef(args.id))
    if args.json:
        print_json(item.as_dict())
    elif item.state == "cancelled":
        print(f"Queue item {item.id} cancelled.")
    else:
        print(f"Queue item {item.id} is running; it stops at its next step.")
    return 0


def cmd_retry(args, ctx) -> int:
    from core.app import queue

    item = queue.retry_item(ctx, queue.RetryItem(args.id))
    if args.json:
        print_json(item.as_dict())
    else:
        print(f"Queue item {item.id} is queued again.")
    return 0


@contextlib.contextmanager
def _sigterm_interrupts():
    """SIGTERM (systemd stopping the service) stops the run as Ctrl-C does: running items go back to the queue."""
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_run(args, ctx) -> int:
    from core.app import queue

    with _sigterm_interrupts(), progress() as reporter:
        run = queue.run_queue(ctx, queue.RunQueue(args.workers, args.until_empty), reporter=reporter)
    failed = run.count("failed")
    if args.json:
        print_json({"items": [i.as_dict() for i in run.items], "released": run.released,
                    "done": run.count("done"), "failed": failed, "cancelled": run.count("cancelled")})
    else:
        for item in run.items:
            _one(item)
        print(f"{run.count('done')} done, {failed} failed, {run.count('cancelled')} cancelled."
              + (f" {run.released} given back to the queue." if run.released else ""))
    if failed:
        print(f"unitvault: {failed} item(s) failed; see 'unitvault queue list --state failed'.", file=sys.stderr)
    return 1 if failed else 0


def cmd_settings(args, ctx) -> int:
    from core.app import queue

    changes = (args.workers, args.connections, args.lease_seconds, args.keep_days)
    if any(v is not None for v in changes) or args.default_connections:
        s = queue.set_settings(ctx, queue.SetQueueSettings(
            workers=args.workers, connections=args.connections, destination=args.destination,
            clear_destination=args.default_connections, lease_seconds=args.lease_seconds, keep_days=args.keep_days))
    else:
        s = queue.show_settings(ctx)
    if args.json:
        print_json(s.as_dict())
        return 0
    print(f"workers:      {s.workers}")
    print(f"connections:  {s.connections} per destination"
          + "".join(f"; {d}: {n}" for d, n in sorted(s.by_destination.items())))
    print(f"lease:        {s.lease_seconds} s")
    print(f"kept:         {s.keep_days} days after they finish")
    return 0
