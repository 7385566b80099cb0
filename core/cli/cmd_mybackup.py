"""``unitvault my-backups ...``: a user's own backups (user-configured mode, when their account's plan
enables the Backups module): destination, what and when, limits; run now or when due."""

from __future__ import annotations

from core.cli.output import print_json, progress
from core.cli.passwords import add_token_options

COMMANDS = ("my-backups",)


def register(sub) -> None:
    p = sub.add_parser("my-backups", help="your own backups (user-configured mode)",
                       description="Choose your own destination, schedule, what to back up and resource limits, and "
                                   "back up whenever you like. Your destination's credentials and your backups' key "
                                   "are sealed with your password: sign in with it (a session is not enough), and "
                                   "nobody else, admins included, can read them.")
    s = p.add_subparsers(dest="mybackup_command", metavar="ACTION", required=True)
    q = s.add_parser("show", help="your settings and when the next backup runs")
    q.add_argument("--account", metavar="USERNAME", help="which of your accounts (when you own several)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)

    q = s.add_parser("destination", help="choose your destination (checked before it is saved)")
    q.add_argument("--account", metavar="USERNAME")
    q.add_argument("--type", required=True, choices=("local", "sftp", "s3"))
    q.add_argument("--path", metavar="DIR")
    for flag, meta in (("--host", "H"), ("--user", "U"), ("--key-file", "F"), ("--known-hosts", "F"),
                       ("--host-key", "KEY"), ("--endpoint", "URL"), ("--bucket", "B"), ("--prefix", "P"),
                       ("--region", "R"), ("--access-key-id", "ID")):
        q.add_argument(flag, metavar=meta)
    q.add_argument("--port", type=int, metavar="N")
    src = q.add_mutually_exclusive_group()
    src.add_argument("--secret-file", metavar="F", help="the S3 secret access key or the SFTP key's passphrase")
    src.add_argument("--secret-stdin", action="store_true", help="the secret, from standard input")
    q.add_argument("--no-check", action="store_true", help="save it without connecting first")
    q.set_defaults(func=cmd_destination)

    q = s.add_parser("set", help="what to back up, when, and the limits")
    q.add_argument("--account", metavar="USERNAME")
    q.add_argument("--items", metavar="ITEMS", help="account, units, files (a comma-separated subset) or all")
    q.add_argument("--schedule", metavar="S", help="hourly, daily@HH:MM, weekly@DAY,HH:MM, monthly@D,HH:MM, a cron "
                                                   "expression, or '' for on demand only")
    q.add_argument("--timezone", metavar="TZ")
    q.add_argument("--bandwidth", metavar="RATE", help="bytes/s, e.g. 500K or 10M (0: no limit)")
    q.add_argument("--workers", type=int, metavar="N", help="sealing threads, 1-16 (0: the default)")
    q.add_argument("--cpu-priority", type=int, metavar="NICE", help="0 (normal) to 19 (lowest); -1: unchanged")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_set)

    for name, text in (("run", "back up now"), ("run-due", "back up if your schedule says it is due")):
        q = s.add_parser(name, help=text)
        q.add_argument("--account", metavar="USERNAME")
        q.add_argument("--json", action="store_true", help="print JSON")
        add_token_options(q)
        q.set_defaults(func=cmd_run, due=name == "run-due")


def _print(shown) -> None:
    c = shown.config
    print(f"account: {shown.account}")
    print(f"destination: {shown.location or 'not chosen'}" + ("" if shown.vault_open else
                                                              " (sign in with your password to use it)"))
    if c is None:
        return
    limits = [f"{c.bandwidth:,} bytes/s" if c.bandwidth else "no bandwidth limit",
              f"{c.workers} workers" if c.workers else "default workers",
              f"CPU priority {c.cpu_priority}" if c.cpu_priority is not None else "normal CPU priority"]
    print(f"items: {','.join(c.items)}; schedule: {c.schedule or 'on demand only'} ({c.timezone})")
    print("limits: " + ", ".join(limits))
    print(f"last run: {c.last_run or 'never'}; next: {shown.next_run or '-'}")


def cmd_show(args, ctx) -> int:
    from core.app import mybackups

    shown = mybackups.show_my_backups(ctx, mybackups.MyAccount(args.account))
    print_json(shown.to_json()) if args.json else _print(shown)
    return 0


def cmd_destination(args, ctx) -> int:
    from core.app import mybackups
    from core.cli.passwords import read_stdin_secret, secret_from_file

    secret = None
    if args.secret_file:
        secret = secret_from_file(args.secret_file, "secret").encode()
    elif args.secret_stdin:
        secret = read_stdin_secret().encode()
    location = mybackups.set_my_destination(ctx, mybackups.SetMyDestination(
        args.type, args.account, path=args.path, host=args.host, port=args.port, user=args.user,
        key_file=args.key_file, known_hosts=args.known_hosts, host_key=args.host_key, endpoint=args.endpoint,
        bucket=args.bucket, prefix=args.prefix, region=args.region, access_key_id=args.access_key_id,
        secret=secret, check=not args.no_check))
    print(f"Your destination: {location}.")
    return 0


def cmd_set(args, ctx) -> int:
    from core.app import mybackups

    config = mybackups.set_my_backups(ctx, mybackups.SetMyBackups(
        args.account, args.items, args.schedule, args.timezone, args.bandwidth, args.workers, args.cpu_priority))
    print_json(config.as_dict()) if args.json else print("Saved.")
    return 0


def cmd_run(args, ctx) -> int:
    from core.app import mybackups
    from core.cli.passwords import use_token

    use_token(args, ctx)
    run = mybackups.run_my_due if args.due else mybackups.run_my_backup
    with progress() as reporter:
        r = run(ctx, mybackups.MyAccount(args.account), reporter=reporter)
    if r is None:
        print_json({"ran": False}) if args.json else print("Not due yet.")
        return 0
    if args.json:
        print_json({"ran": True, "id": r.backup_id, "account": r.account, "files": r.files, "size": r.size,
                    "new_data": r.new_data})
    else:
        print(f"Backup {r.backup_id} of {r.account}: {r.files:,} files, {r.size:,} bytes ({r.new_data:,} new).")
    return 0
