"""``unitvault account ...``: add, list, show, edit, suspend, unsuspend, delete."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table


def register(sub) -> None:
    p = sub.add_parser("account", help="manage the accounts whose backups Unitvault makes",
                       description="Accounts own units and a home directory; their backups go to destinations.")
    s = p.add_subparsers(dest="account_command", metavar="ACTION", required=True)

    q = s.add_parser("add", help="add an account")
    q.add_argument("username")
    q.add_argument("--home-dir", required=True, metavar="PATH", help="the account's home directory")
    q.add_argument("--email", default="", metavar="E")
    q.add_argument("--unit", action="append", default=[], metavar="NAME", help="an owned unit (repeatable)")
    q.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="gitignore-style pattern relative to the home directory (repeatable)")
    q.add_argument("--encryption", choices=("app", "owner"), default="app",
                   help="who holds the key: the app (default) or the owner (asked for a passphrase on every backup and restore)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_add)

    q = s.add_parser("list", help="list accounts")
    q.add_argument("--all", action="store_true", help="include deleted accounts")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("show", help="show one account")
    q.add_argument("username", help="username or UUID")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)

    q = s.add_parser("edit", help="change an account")
    q.add_argument("username")
    q.add_argument("--rename", metavar="NEW", help="new username")
    q.add_argument("--email", metavar="E")
    q.add_argument("--home-dir", metavar="PATH")
    q.add_argument("--unit", action="append", metavar="NAME", help="replace the owned units (repeatable)")
    q.add_argument("--add-unit", action="append", default=[], metavar="NAME")
    q.add_argument("--remove-unit", action="append", default=[], metavar="NAME")
    q.add_argument("--exclude", action="append", metavar="GLOB", help="replace the excludes (repeatable)")
    q.add_argument("--add-exclude", action="append", default=[], metavar="GLOB")
    q.add_argument("--remove-exclude", action="append", default=[], metavar="GLOB")
    q.add_argument("--no-excludes", action="store_true", help="remove every exclude")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_edit)

    for name, status in (("suspend", "suspended"), ("unsuspend", "active")):
        q = s.add_parser(name, help=f"{name} an account")
        q.add_argument("username")
        q.set_defaults(func=cmd_status, status=status)

    q = s.add_parser("delete", help="delete an account (its backups stay at the destinations)")
    q.add_argument("username")
    q.add_argument("--yes", action="store_true", help="confirm the deletion")
    q.set_defaults(func=cmd_delete)


def show_account(account) -> None:
    print(f"{account.username} ({account.status})")
    print(f"  uuid        {account.id}")
    print(f"  email       {account.email or '-'}")
    print(f"  home        {account.home_dir}")
    print(f"  units       {', '.join(account.units) or '-'}")
    print(f"  excludes    {', '.join(account.excludes) or '-'}")
    print(f"  encryption  {'owner-held key' if account.encryption == 'owner' else 'app-held key'}")
    print(f"  created     {account.created_at}")


def cmd_add(args, ctx) -> int:
    from core.app import accounts

    account = accounts.add_account(ctx, accounts.AddAccount(
        args.username, args.home_dir, email=args.email, units=tuple(args.unit), excludes=tuple(args.exclude),
        encryption=args.encryption))
    if args.json:
        print_json(account.as_dict())
    else:
        print(f"Added account {account.username} ({account.id}).")
    return 0


def cmd_list(args, ctx) -> int:
    from core.app import accounts

    items = accounts.list_accounts(ctx, accounts.ListAccounts(include_deleted=args.all))
    if args.json:
        print_json([a.as_dict() for a in items])
    elif not items:
        print("No accounts yet. Add one with: unitvault account add USERNAME --home-dir PATH")
    else:
        print_table(["USERNAME", "STATUS", "UNITS", "ENCRYPTION", "HOME", "UUID"],
                    [[a.username, a.status, ",".join(a.units) or "-", a.encryption, a.home_dir, a.id] for a in items])
    return 0


def cmd_show(args, ctx) -> int:
    from core.app import accounts

    account = accounts.show_account(ctx, accounts.AccountRef(args.username))
    if args.json:
        print_json(account.as_dict())
    else:
        show_account(account)
    return 0


def _opt(values) -> tuple | None:
    return None if values is None else tuple(values)


def cmd_edit(args, ctx) -> int:
    from core.app import accounts

    account = accounts.edit_account(ctx, accounts.EditAccount(
        args.username, rename=args.rename, email=args.email, home_dir=args.home_dir, units=_opt(args.unit),
        add_units=tuple(args.add_unit), remove_units=tuple(args.remove_unit), excludes=_opt(args.exclude),
        add_excludes=tuple(args.add_exclude), remove_excludes=tuple(args.remove_exclude),
        clear_excludes=args.no_excludes))
    if args.json:
        print_json(account.as_dict())
    else:
        print(f"Updated account {account.username}.")
    return 0


def cmd_status(args, ctx) -> int:
    from core.app import accounts

    account = accounts.set_account_status(ctx, accounts.SetAccountStatus(args.username, args.status == "suspended"))
    print(f"Account {account.username} is {account.status}.")
    return 0


def cmd_delete(args, ctx) -> int:
    from core.app import accounts

    account = accounts.delete_account(ctx, accounts.DeleteAccount(args.username, confirmed=args.yes))
    print(f"Deleted account {account.username}; its backups stay at the destinations.", file=sys.stderr)
    return 0
