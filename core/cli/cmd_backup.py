"""``unitvault backup ...`` (now, list, verify, restore, download) and ``unitvault downloads list``."""

from __future__ import annotations

import sys


def register(sub) -> None:
    from core.cli.passwords import add_password_options

    p = sub.add_parser("backup", help="back up accounts; list, verify, restore and download backups",
                       description="Account backups. Backup ids are unique, so commands take the id alone. "
                                   "Owner-held keys ask for the owner's passphrase (never on the command line).")
    s = p.add_subparsers(dest="backup_command", metavar="ACTION", required=True)

    q = s.add_parser("now", help="back up an account now")
    q.add_argument("account")
    q.add_argument("--destination", required=True, metavar="D")
    q.add_argument("--items", default="account,units,files", metavar="ITEMS",
                   help="comma-separated: account, units, files (default: all three)")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q)
    q.set_defaults(func=cmd_now)

    q = s.add_parser("list", help="list an account's backups, oldest first")
    q.add_argument("account", help="username or UUID")
    q.add_argument("--destination", metavar="D", help="only this destination")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("verify", help="check a backup (exit 0 when every check passes)")
    q.add_argument("id")
    q.add_argument("--read-data", action="store_true", help="download and authenticate every blob")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q)
    q.set_defaults(func=cmd_verify)

    q = s.add_parser("restore", help="restore account settings, units and files from a backup")
    q.add_argument("id")
    q.add_argument("--items", required=True, metavar="ITEMS", help="account,units[:UNIT[/SECTION]],files")
    q.add_argument("--path", action="append", default=[], metavar="P",
                   help="restore only this path of the home directory (repeatable; needs 'files')")
    q.add_argument("--mode", choices=("merge", "terminate"), required=True,
                   help="merge: live data wins where both exist; terminate: remove what is restored first (needs --yes)")
    q.add_argument("--suspend", action="store_true", help="suspend the account afterwards")
    q.add_argument("--to", metavar="DIR", help="restore files into DIR instead of the home directory")
    q.add_argument("--yes", action="store_true", help="confirm a terminate restore")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q)
    q.set_defaults(func=cmd_restore)

    q = s.add_parser("download", help="download units as .uvault bundles and files as .tar.zst")
    q.add_argument("id")
    q.add_argument("--items", required=True, metavar="ITEMS", help="units[:UNIT],files")
    q.add_argument("--path", action="append", default=[], metavar="P", help="only this path of the files (repeatable)")
    q.add_argument("--out", metavar="DIR", help="where to write (default: the home's downloads folder)")
    q.add_argument("--force", action="store_true", help="overwrite existing files")
    q.add_argument("--passphrase-file", metavar="F", help="the owner's passphrase (owner-held keys only)")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q)
    q.set_defaults(func=cmd_download)

    d = sub.add_parser("downloads", help="list downloads (they expire after a TTL, 7 days by default)")
    ds = d.add_subparsers(dest="downloads_command", metavar="ACTION", required=True)
    q = ds.add_parser("list", help="list downloads not yet expired")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_downloads_list)


def _expire(ctx) -> None:
    from core.accounts.download import expire_downloads

    expire_downloads(ctx)


def _owner_passphrase(args, ctx, encryption: str) -> str | None:
    if encryption != "owner":
        return None
    from core.cli.passwords import get_password

    return get_password(args, prompt="Owner's passphrase: ")


def _progress():
    from core.cli.output import TerminalProgress
    from core.progress import Reporter

    bar = TerminalProgress()
    return bar, Reporter(bar)


def _human(n: int) -> str:
    for suffix in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or suffix == "GiB":
            return f"{n:.0f} {suffix}" if suffix == "B" else f"{n:.1f} {suffix}"
        n /= 1024
    return str(n)


def cmd_now(args, ctx) -> int:
    from core.accounts.backup import backup_account, parse_items
    from core.cli.output import print_json

    _expire(ctx)
    items = parse_items(args.items)
    account = ctx.catalog.accounts.get(args.account)
    ctx.catalog.destinations.get(args.destination)
    passphrase = _owner_passphrase(args, ctx, account.encryption)
    bar, reporter = _progress()
    try:
        r = backup_account(ctx, account.id, args.destination, items=items, passphrase=passphrase, reporter=reporter)
    finally:
        bar.close()
    if args.json:
        print_json({"id": r.backup_id, "account": r.account, "destination": r.destination, "time": r.created,
                    "items": list(r.items), "files": r.files, "reused_files": r.reused_files, "size": r.size,
                    "new_data": r.new_data, "skipped": list(r.skipped)})
    else:
        print(f"Backup {r.backup_id} of {r.account} at {r.destination}: {r.files:,} entries, "
              f"{_human(r.size)}, {_human(r.new_data)} new.")
        if r.skipped:
            print(f"Skipped {len(r.skipped)} unreadable or special files.", file=sys.stderr)
    return 0


def cmd_list(args, ctx) -> int:
    from core.cli.output import print_json, print_table

    _expire(ctx)
    account = ctx.catalog.accounts.get(args.account)
    snaps = ctx.catalog.backups.list(account.id, args.destination)
    if args.json:
        print_json([s.as_dict() for s in snaps])
    elif not snaps:
        print(f"No backups of {account.username} yet.")
    else:
        print_table(["ID", "TIME", "KIND", "ITEMS", "SIZE", "NEW DATA", "ENCRYPTION", "DESTINATION", "STATUS"],
                    [[s.id, s.created_at, s.kind, ",".join(s.items), _human(s.size), _human(s.new_data),
                      s.encryption, s.destination, s.status] for s in snaps])
    return 0


def cmd_verify(args, ctx) -> int:
    from core.accounts.verify import verify_backup
    from core.cli.output import print_json

    entry = ctx.catalog.backups.get(args.id)
    passphrase = _owner_passphrase(args, ctx, entry.encryption)
    bar, reporter = _progress()
    try:
        r = verify_backup(ctx, args.id, read_data=args.read_data, passphrase=passphrase, reporter=reporter)
    finally:
        bar.close()
    if args.json:
        print_json({"id": r.backup_id, "ok": r.ok, "read_data": r.read_data, "blobs": r.blobs, "packs": r.packs,
                    "problems": list(r.problems)})
    elif r.ok:
        what = "structure and data" if r.read_data else "structure"
        print(f"Backup {r.backup_id}: {what} OK ({r.blobs:,} blobs in {r.packs:,} packs).")
    else:
        print(f"Backup {r.backup_id}: {len(r.problems)} problem(s):")
        for p in r.problems:
            print(f"  {p}")
    return 0 if r.ok else 1


def cmd_restore(args, ctx) -> int:
    from core.accounts.restore import parse_restore_items, restore_backup
    from core.cli.output import print_json
    from core.errors import ConfirmationRequired

    _expire(ctx)
    selection = parse_restore_items(args.items)
    if args.mode == "terminate" and not args.yes:
        raise ConfirmationRequired("A terminate restore removes what it restores first and needs --yes.")
    entry = ctx.catalog.backups.get(args.id)
    passphrase = _owner_passphrase(args, ctx, entry.encryption)
    bar, reporter = _progress()
    try:
        r = restore_backup(ctx, args.id, items=selection, mode=args.mode, paths=args.path or None, to=args.to,
                             suspend=args.suspend, passphrase=passphrase, reporter=reporter)
    finally:
        bar.close()
    f = r.files
    if args.json:
        print_json({"id": r.backup_id, "account": r.account, "account_restored": r.account_restored,
                    "units": [{"name": n, "result": w} for n, w in r.units], "suspended": r.suspended,
                    "files": None if f is None else {"target": f.target, "restored": len(f.restored),
                                                     "skipped": list(f.skipped),
                                                     "failed": [{"path": p, "reason": w} for p, w in f.failed]},
                    "ok": r.ok})
    else:
        if r.account_restored:
            print(f"Restored the settings of account {r.account}.")
        for name, what in r.units:
            print(f"Unit {name}: {what}.")
        if f is not None:
            print(f"Files into {f.target}: {len(f.restored):,} restored, {len(f.skipped):,} skipped (live data kept), "
                  f"{len(f.failed):,} failed.")
            for p, why in f.failed[:50]:
                print(f"  failed: {p}: {why}", file=sys.stderr)
        if r.suspended:
            print(f"Account {r.account} is suspended.")
    return 0 if r.ok else 1


def cmd_download(args, ctx) -> int:
    from core.accounts.download import download_backup
    from core.accounts.restore import parse_restore_items
    from core.cli.output import print_json
    from core.cli.passwords import get_password, read_secret_file

    _expire(ctx)
    selection = parse_restore_items(args.items)
    entry = ctx.catalog.backups.get(args.id)
    passphrase = None
    if entry.encryption == "owner":
        if args.passphrase_file:
            passphrase = read_secret_file(args.passphrase_file, "passphrase")
        else:
            import getpass

            from core.errors import InvalidInputError

            if not sys.stdin.isatty():
                raise InvalidInputError("This account's key is held by its owner; give the passphrase.",
                                        hint="Use --passphrase-file.")
            passphrase = getpass.getpass("Owner's passphrase: ")
        from core.logsetup import register_secret

        register_secret(passphrase)
    password = get_password(args, confirm=True, prompt="Password for the bundle: ") if selection.units else None
    bar, reporter = _progress()
    try:
        made = download_backup(ctx, args.id, items=args.items, out_dir=args.out, bundle_password=password,
                                 passphrase=passphrase, paths=args.path or None, overwrite=args.force,
                                 reporter=reporter)
    finally:
        bar.close()
    if args.json:
        print_json([d.as_dict() for d in made])
    else:
        for d in made:
            print(f"{d.path} ({_human(d.size)}, expires {d.as_dict()['expires']})")
    return 0


def cmd_downloads_list(args, ctx) -> int:
    from core.accounts.download import list_downloads
    from core.cli.output import print_json, print_table

    _expire(ctx)
    items = list_downloads(ctx)
    if args.json:
        print_json([d.as_dict() for d in items])
    elif not items:
        print("No downloads.")
    else:
        print_table(["PATH", "BACKUP", "KIND", "SIZE", "EXPIRES"],
                    [[d.path, d.backup_id, d.kind, _human(d.size), d.as_dict()["expires"]] for d in items])
    return 0
