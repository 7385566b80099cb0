"""``unitvault schedule ...``: queue the jobs' due runs (for cron or a systemd timer) and show the next ones."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table

COMMANDS = ("schedule",)


def register(sub) -> None:
    p = sub.add_parser("schedule", help="queue due job runs; show the next ones",
                       description="Jobs run on their schedules in their time zones. While the desktop app is open "
                                   "it queues due runs itself; headless, run 'unitvault schedule run-due && "
                                   "unitvault queue run --until-empty' from cron or the systemd user timer in "
                                   "packaging/linux/. Each due run is queued once, however many run it.")
    s = p.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)

    q = s.add_parser("run-due", help="queue every job run that is due now (one backup per covered account)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_run_due)

    q = s.add_parser("next", help="each job's next runs, soonest first")
    q.add_argument("--count", type=int, default=1, metavar="N", help="runs per job (default 1)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_next)


def _local(moment, timezone: str) -> str:
    import zoneinfo

    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def cmd_run_due(args, ctx) -> int:
    from core.app import schedule

    r = schedule.run_due(ctx)
    if args.json:
        print_json({"queued": r.items, "runs": [{"job": run.job, "scheduled_for": run.scheduled_for,
                                                 "items": list(run.items), "accounts": run.accounts} for run in r.runs],
                    "problems": list(r.problems), "purged": r.purged})
    elif not r.runs:
        print("No job runs are due.")
    else:
        for run in r.runs:
            print(f"{run.job}: the run of {run.scheduled_for[:16].replace('T', ' ')} UTC queued for "
                  f"{len(run.items)} account(s).")
    for problem in r.problems:
        print(f"unitvault: warning: {problem}", file=sys.stderr)
    return 0


def cmd_next(args, ctx) -> int:
    from core.app import schedule
    from core.support.clock import to_iso

    jobs = schedule.next_runs(ctx, schedule.NextRuns(args.count))
    if args.json:
        print_json([{"job": j.job, "schedule": j.schedule, "timezone": j.timezone, "destination": j.destination,
                     "enabled": j.enabled, "accounts": j.accounts, "next": [to_iso(n, "seconds") for n in j.next],
                     "problem": j.problem} for j in jobs])
        return 0
    if not jobs:
        print("No jobs yet.")
        return 0
    print_table(["JOB", "NEXT RUN", "SCHEDULE", "ACCOUNTS", "DESTINATION"],
                [[j.job, ", ".join(_local(n, j.timezone) for n in j.next) or ("disabled" if not j.enabled else
                                                                               j.problem or "never"),
                  f"{j.schedule} ({j.timezone})", j.accounts, j.destination] for j in jobs])
    return 0
