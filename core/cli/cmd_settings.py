"""``unitvault settings ...``: catalog-wide backup settings (shared by every workstation on one catalog)."""

from __future__ import annotations

from core.cli.output import print_json

COMMANDS = ("settings",)


def register(sub) -> None:
    p = sub.add_parser("settings", help="on-demand backup limits and other catalog-wide settings")
    s = p.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    q = s.add_parser("show", help="show the settings")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)
    q = s.add_parser("set", help="change settings")
    q.add_argument("--ondemand-max", type=int, metavar="N", help="on-demand backups an account may have (1-99)")
    q.add_argument("--ondemand-keep", type=int, metavar="N", help="newest on-demand backups kept (1-99)")
    q.add_argument("--ondemand-ttl", type=int, metavar="DAYS", help="days an on-demand backup lives")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_set)
    q = s.add_parser("access", help="show or change who-may-do-what settings (admins change them)",
                     description="With no option, show them.")
    q.add_argument("--backups", choices=("on", "off"), help="off: no backup, download or export starts at all")
    q.add_argument("--token-wait", type=int, metavar="HOURS",
                   help="how long a password-less user's new backup token waits (default 24)")
    q.add_argument("--session-hours", type=int, metavar="HOURS", help="how long a CLI session lasts (default 12)")
    q.add_argument("--reason", metavar="TEXT", help="why (kept in the audit log)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_access)


def _print(s) -> None:
    print(f"on-demand backups: at most {s.ondemand_max} per account, newest {s.ondemand_keep} kept, "
          f"each for {s.ondemand_ttl_days} days")


def cmd_show(args, ctx) -> int:
    from core.app import settings

    s = settings.show_backup_settings(ctx)
    print_json(s.to_json()) if args.json else _print(s)
    return 0


def cmd_set(args, ctx) -> int:
    from core.app import settings

    s = settings.set_backup_settings(ctx, settings.SetBackupSettings(args.ondemand_max, args.ondemand_keep,
                                                                     args.ondemand_ttl))
    print_json(s.to_json()) if args.json else _print(s)
    return 0


def cmd_access(args, ctx) -> int:
    from core.app import modes

    if args.backups is None and args.token_wait is None and args.session_hours is None:
        a = modes.show_access(ctx)
    else:
        a = modes.set_access(ctx, modes.SetAccess(None if args.backups is None else args.backups == "on",
                                                  args.token_wait, args.session_hours, args.reason))
    if args.json:
        print_json(a.to_json())
    else:
        print(f"backups: {'on' if a.backups_enabled else 'off'}; a password-less user's new token waits "
              f"{a.token_wait_hours} h; CLI sessions last {a.session_hours} h")
    return 0
