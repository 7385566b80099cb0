"""``unitvault job ...``: backup jobs (add, list, show, edit, remove)."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table


def _job_options(q, *, adding: bool) -> None:
    q.add_argument("--destination", metavar="D", required=adding)
    q.add_argument("--accounts", metavar="WHO", required=adding, help="all, USERNAME[,USERNAME...] or tag:TAG")
    q.add_argument("--items", metavar="LIST", help="account,units,files or a subset (default: all three)")
    q.add_argument("--schedule", metavar="SPEC", required=adding,
                   help="hourly, daily@HH:MM, weekly@sun,HH:MM, monthly@1,HH:MM (or monthly@last,...), or a "
                        "cron expression; in --timezone")
    q.add_argument("--timezone", metavar="TZ", help="IANA time zone of the schedule (default: this machine's)")
    q.add_argument("--keep", type=int, metavar="N", required=adding, help="keep the newest N backups of the job")
    q.add_argument("--keep-daily", type=int, metavar="N", help="also keep the newest backup of each of the last N days")
    q.add_argument("--keep-weekly", type=int, metavar="N", help="... of each of the last N weeks")
    q.add_argument("--keep-monthly", type=int, metavar="N", help="... of each of the last N months")
    state = q.add_mutually_exclusive_group()
    state.add_argument("--disabled", dest="enabled", action="store_false", default=None, help="do not schedule it")
    state.add_argument("--enabled", dest="enabled", action="store_true", help="schedule it (default)")
    q.add_argument("--json", action="store_true", help="print JSON")


COMMANDS = ("job",)


def register(sub) -> None:
    p = sub.add_parser("job", help="backup jobs: what to back up, where, when, and how many to keep",
                       description="A job backs up accounts (all, chosen ones, or those with a tag) to a destination "
                                   "on a schedule, and keeps the newest N of its backups (plus optional daily, weekly "
                                   "and monthly ones). On-demand backups never count toward a job's rotation.")
    s = p.add_subparsers(dest="job_command", metavar="ACTION", required=True)
    q = s.add_parser("add", help="add a job")
    q.add_argument("name")
    _job_options(q, adding=True)
    q.set_defaults(func=cmd_add)
    q = s.add_parser("edit", help="change a job (only the options given)")
    q.add_argument("name")
    _job_options(q, adding=False)
    q.set_defaults(func=cmd_edit)
    q = s.add_parser("list", help="list jobs")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)
    q = s.add_parser("show", help="show a job, the accounts it covers and its next runs")
    q.add_argument("name")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)
    q = s.add_parser("run", help="queue a run of the job now (one backup per account it covers)")
    q.add_argument("name")
    q.add_argument("--wait", action="store_true", help="also work the queue in this process until it is empty")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_run)
    q = s.add_parser("remove", help="remove a job (its backups stay)")
    q.add_argument("name")
    q.add_argument("--yes", action="store_true", help="confirm")
    q.set_defaults(func=cmd_remove)


def _spec(args):
    from core.app.jobs import JobSpec

    return JobSpec(args.name, destination=args.destination, accounts=args.accounts, items=args.items,
                   schedule=args.schedule, timezone=args.timezone, keep=args.keep, keep_daily=args.keep_daily,
                   keep_weekly=args.keep_weekly, keep_monthly=args.keep_monthly, enabled=args.enabled)


def _print(job) -> None:
    print(f"Job {job.name}: {job.accounts_text()} -> {job.destination}, {job.schedule} ({job.timezone}), "
          f"keep {job.keep_last}" + (", disabled" if not job.enabled else ""))


def cmd_add(args, ctx) -> int:
    from core.app import jobs

    job = jobs.add_job(ctx, _spec(args))
    if args.json:
        print_json(job.as_dict())
    else:
        _print(job)
    return 0


def cmd_edit(args, ctx) -> int:
    from core.app import jobs

    job = jobs.edit_job(ctx, _spec(args))
    if args.json:
        print_json(job.as_dict())
    else:
        _print(job)
    return 0


def cmd_list(args, ctx) -> int:
    from core.app import jobs

    items = jobs.list_jobs(ctx)
    if args.json:
        print_json([j.as_dict() for j in items])
    elif not items:
        print("No jobs yet. Add one with: unitvault job add NAME --destination D --accounts all "
              "--schedule daily@02:00 --keep 7")
    else:
        print_table(["NAME", "ACCOUNTS", "DESTINATION", "ITEMS", "SCHEDULE", "KEEP", "ENABLED"],
                    [[j.name, j.accounts_text(), j.destination, ",".join(j.items), f"{j.schedule} ({j.timezone})",
                      j.keep_last, "yes" if j.enabled else "no"] for j in items])
    return 0


def cmd_show(args, ctx) -> int:
    from core.app import jobs

    details = jobs.show_job(ctx, jobs.JobRef(args.name))
    if args.json:
        print_json(details.to_json())
        return 0
    j = details.job
    _print(j)
    keeps = ", ".join(f"{k} {getattr(j, 'keep_' + k)}" for k in ("daily", "weekly", "monthly")
                      if getattr(j, "keep_" + k))
    print(f"  items      {', '.join(j.items)}")
    print(f"  keeps      newest {j.keep_last}" + (f"; {keeps}" if keeps else ""))
    print(f"  covers     {', '.join(a.username for a in details.accounts) or '(no account now)'}")
    import zoneinfo

    tz = zoneinfo.ZoneInfo(j.timezone)
    for t in details.next_runs:
        print(f"  next run   {t.astimezone(tz).strftime('%a %Y-%m-%d %H:%M %Z')}")
    return 0


def cmd_remove(args, ctx) -> int:
    from core.app import jobs

    job = jobs.remove_job(ctx, jobs.RemoveJob(args.name, confirmed=args.yes))
    print(f"Removed job {job.name}; its backups stay.", file=sys.stderr)
    return 0


def cmd_run(args, ctx) -> int:
    from core.app import jobs

    due = jobs.run_job(ctx, jobs.JobRef(args.name))
    items = [i for r in due.runs for i in r.items]
    failed = 0
    if args.wait and items:
        from core.app import queue
        from core.cli.output import progress

        with progress() as reporter:
            run = queue.run_queue(ctx, queue.RunQueue(until_empty=True), reporter=reporter)
        failed = sum(1 for i in run.items if i.id in items and i.state != "done")
    if args.json:
        print_json({"job": args.name, "items": items, "problems": list(due.problems), "failed": failed})
    else:
        print(f"Queued {len(items)} backup{'s' if len(items) != 1 else ''} of job {args.name}"
              + (f" (items {', '.join(map(str, items))})." if items else "."))
        for p in due.problems:
            print(f"  {p}", file=sys.stderr)
        if args.wait:
            print(f"Done: {len(items) - failed} finished, {failed} failed.")
        elif items:
            print("Workers take them (the desktop app, the timer, or: unitvault queue run --until-empty).")
    return 1 if failed else 0
