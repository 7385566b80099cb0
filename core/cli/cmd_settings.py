"""``unitvault settings ...``: catalog-wide backup settings (shared by every workstation on one catalog)."""

from __future__ import annotations

from core.cli.output import print_json


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
