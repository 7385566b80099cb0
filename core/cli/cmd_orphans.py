"""``unitvault orphans ...``: backups whose account is not (or no longer) in the catalog."""

from __future__ import annotations

from core.cli.output import print_json, print_table

COMMANDS = ("orphans",)


def register(sub) -> None:
    p = sub.add_parser("orphans", help="backups whose account no longer exists",
                       description="Orphans are accounts with backups in the index (after 'destination scan') that "
                                   "the catalog does not know or that were deleted. Adopt one to restore into a new "
                                   "account; an orphan with no backups left goes after 14 days.")
    s = p.add_subparsers(dest="orphans_command", metavar="ACTION", required=True)
    q = s.add_parser("list", help="list orphan accounts")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)
    q = s.add_parser("adopt", help="make an orphan's backups an account's again")
    q.add_argument("uuid")
    q.add_argument("--username", required=True, metavar="U")
    q.add_argument("--home-dir", required=True, metavar="P")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_adopt)


def cmd_list(args, ctx) -> int:
    from core.app import accounts

    items = accounts.list_orphans(ctx)
    if args.json:
        print_json([o.to_json() for o in items])
    elif not items:
        print("No orphan accounts.")
    else:
        print_table(["UUID", "FORMER USERNAME", "BACKUPS", "LATEST", "DESTINATIONS"],
                    [[o.account_id, o.username or "?", o.backups, o.latest or "-", ",".join(o.destinations)]
                     for o in items])
    return 0


def cmd_adopt(args, ctx) -> int:
    from core.app import accounts

    account = accounts.adopt_orphan(ctx, accounts.AdoptOrphan(args.uuid, args.username, args.home_dir))
    if args.json:
        print_json(account.as_dict())
    else:
        print(f"Adopted {args.uuid} as account {account.username}; its backups are listed under it.")
    return 0
