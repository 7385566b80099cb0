"""``unitvault account ...``: add, list, show, edit, suspend, unsuspend, delete."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table

COMMANDS = ("account", "accounts")


def register(sub) -> None:
    p = sub.add_parser("account", aliases=["accounts"], help="manage the accounts whose backups Unitvault makes",
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
                   help="who holds the key: the app (default) or the owner (the owner's passphrase is needed for the "
                        "first backup and for every restore; backups then run unattended, and only the owner reads them)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_add)

    q = s.add_parser("list", help="list accounts")
    q.add_argument("--all", action="store_true", help="include deleted accounts")
    q.add_argument("--tag", metavar="TAG", help="only accounts with this tag")
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
    q.add_argument("--max-on-demand", metavar="N", help="maximum on-demand backups (1-99), or 'default'")
    q.add_argument("--priority", metavar="GROUP", help="priority group of its queued work, or 'default'")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_edit)

    for name, status in (("suspend", "suspended"), ("unsuspend", "active")):
        q = s.add_parser(name, help=f"{name} an account")
        q.add_argument("username")
        q.set_defaults(func=cmd_status, status=status)

    q = s.add_parser("assignable", help="usernames whose backups sit under several UUIDs")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_assignable)
    q = s.add_parser("reassign", help="the backups stored under UUID belong to USERNAME from now on")
    q.add_argument("uuid")
    q.add_argument("--to", required=True, metavar="USERNAME")
    q.set_defaults(func=cmd_reassign)

    q = s.add_parser("delete", help="delete an account (its backups stay at the destinations)")
    q.add_argument("username")
    q.add_argument("--yes", action="store_true", help="confirm the deletion")
    q.set_defaults(func=cmd_delete)

    k = s.add_parser("key", help="export or reset an account's key")
    ks = k.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    q = ks.add_parser("export", help="write a printable kit with an app-held account's key",
                      description="Write the account's key as a printable kit (HTML, the key as text and a QR code). "
                                  "With it any installation opens the account's backups (--account-key FILE). "
                                  "Keep it like the data itself.")
    q.add_argument("username")
    q.add_argument("--out", required=True, metavar="FILE", help="where to write the kit (private, 0600)")
    q.add_argument("--force", action="store_true", help="replace an existing file")
    q.set_defaults(func=cmd_key_export)
    q = ks.add_parser("reset", help="give an account a new key; DELETES every backup made with the old one",
                      description="Reset the account's key: every backup made with the old key is deleted at every "
                                  "destination, then the account gets a new key. Type the username to confirm.")
    q.add_argument("username")
    q.add_argument("--confirm", metavar="USERNAME", help="the account's username, when not typed at a prompt")
    q.add_argument("--owner-key-file", metavar="FILE", help="owner-held: the owner's new key file")
    q.add_argument("--reason", metavar="TEXT", help="why (kept in the audit log; needed once the installation has "
                                                     "users, asked at the prompt otherwise)")
    from core.cli.passwords import add_password_options

    add_password_options(q)
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_key_reset)


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

    items = accounts.list_accounts(ctx, accounts.ListAccounts(include_deleted=args.all, tag=args.tag))
    if args.json:
        print_json([a.as_dict() for a in items])
    elif not items:
        print("No accounts yet. Add one with: unitvault account add USERNAME --home-dir PATH")
    else:
        print_table(["USERNAME", "STATUS", "TAGS", "UNITS", "ENCRYPTION", "HOME", "UUID"],
                    [[a.username, a.status, ",".join(a.tags) or "-", ",".join(a.units) or "-", a.encryption,
                      a.home_dir, a.id] for a in items])
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
        clear_excludes=args.no_excludes, max_on_demand=_default_or(args.max_on_demand, int),
        priority_group=_default_or(args.priority, str)))
    if args.json:
        print_json(account.as_dict())
    else:
        print(f"Updated account {account.username}.")
    return 0


def _default_or(value, convert):
    from core.app.accounts import UNCHANGED
    from core.errors import InvalidInputError

    if value is None:
        return UNCHANGED
    if value == "default":
        return None
    try:
        return convert(value)
    except ValueError:
        raise InvalidInputError(f"{value!r} is not a number.") from None


def cmd_assignable(args, ctx) -> int:
    from core.app import accounts

    items = accounts.list_assignable(ctx)
    if args.json:
        print_json([a.to_json() for a in items])
    elif not items:
        print("No username has backups under more than one UUID.")
    else:
        print_table(["USERNAME", "ACCOUNT UUID", "OTHER UUIDS"],
                    [[a.username, a.account_id or "(none)", ", ".join(a.uuids)] for a in items])
    return 0


def cmd_reassign(args, ctx) -> int:
    from core.app import accounts

    account = accounts.reassign(ctx, accounts.Reassign(args.uuid, args.to))
    print(f"The backups under {args.uuid} now belong to {account.username}.")
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


def cmd_key_export(args, ctx) -> int:
    from core.app import accounts

    made = accounts.export_account_key(ctx, accounts.ExportAccountKey(args.username, args.out, args.force))
    print(f"Wrote the key kit of account {made.username} to {made.path}.")
    print("Print it, keep it safe, and delete the file where it is not needed: it opens every backup of the "
          "account.", file=sys.stderr)
    return 0


def cmd_key_reset(args, ctx) -> int:
    from core.app import accounts, backups
    from core.cli.passwords import get_password, has_password_source

    account = accounts.show_account(ctx, accounts.AccountRef(args.username))
    known = len(backups.list_backups(ctx, backups.ListBackups(account.id)).backups)
    confirm = args.confirm
    if confirm is None and sys.stdin.isatty():
        sys.stderr.write(f"Resetting the key of {account.username} DELETES every backup made with it ({known} known "
                         f"here), at every destination. Type the username ({account.username}) to go on: ")
        sys.stderr.flush()
        confirm = sys.stdin.readline().strip()
    passphrase = None
    if account.encryption == "owner" and has_password_source(args):
        passphrase = get_password(args, prompt="Owner's new passphrase: ", check_floor=False)
    from core.cli.reasons import with_reason

    r = with_reason(lambda reason: accounts.reset_account_key(ctx, accounts.ResetAccountKey(
        args.username, confirm or "", passphrase, args.owner_key_file, reason)), args.reason)
    if args.json:
        print_json({"account": r.account, "deleted_backups": r.deleted_backups, "destinations": list(r.destinations),
                    "new_key_ready": r.new_key_ready})
        return 0
    print(f"Deleted {r.deleted_backups} backup{'s' if r.deleted_backups != 1 else ''} of {r.account}"
          + (f" at {', '.join(r.destinations)}" if r.destinations else "") + "; the account has a new key.")
    if not r.new_key_ready:
        print("The next backup asks for the owner's new passphrase.", file=sys.stderr)
    return 0
