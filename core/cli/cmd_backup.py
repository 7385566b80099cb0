"""``unitvault backup ...`` (now, list, verify, restore, download) and ``unitvault downloads list``."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table, progress
from core.support.sizes import format_size


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
    q.add_argument("--dry-run", action="store_true", help="show the plan (what is restored, kept, skipped and "
                                                         "removed) and change nothing")
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


def _needs_owner_key(ctx, backup_id: str) -> bool:
    from core.app import backups

    return backups.show_backup(ctx, backups.BackupRef(backup_id)).encryption == "owner"


def cmd_now(args, ctx) -> int:
    from core.app import accounts, backups
    from core.cli.passwords import owner_passphrase

    account = accounts.show_account(ctx, accounts.AccountRef(args.account))
    passphrase = owner_passphrase(args, account.encryption == "owner")
    with progress() as reporter:
        r = backups.backup_now(ctx, backups.BackupNow(args.account, args.destination, args.items, passphrase),
                               reporter=reporter)
    if args.json:
        print_json({"id": r.backup_id, "account": r.account, "destination": r.destination, "time": r.created,
                    "items": list(r.items), "files": r.files, "reused_files": r.reused_files, "size": r.size,
                    "new_data": r.new_data, "skipped": list(r.skipped)})
    else:
        print(f"Backup {r.backup_id} of {r.account} at {r.destination}: {r.files:,} entries, "
              f"{format_size(r.size)}, {format_size(r.new_data)} new.")
        if r.skipped:
            print(f"Skipped {len(r.skipped)} unreadable or special files.", file=sys.stderr)
    return 0


def cmd_list(args, ctx) -> int:
    from core.app import backups

    listing = backups.list_backups(ctx, backups.ListBackups(args.account, args.destination))
    items = listing.backups
    if args.json:
        print_json([b.as_dict() for b in items])
    elif not items:
        print(f"No backups of {listing.account.username} yet.")
    else:
        print_table(["ID", "TIME", "KIND", "ITEMS", "SIZE", "NEW DATA", "ENCRYPTION", "DESTINATION", "STATUS"],
                    [[b.id, b.created_at, b.kind, ",".join(b.items), format_size(b.size), format_size(b.new_data),
                      b.encryption, b.destination, b.status] for b in items])
    return 0


def cmd_verify(args, ctx) -> int:
    from core.app import backups
    from core.cli.passwords import owner_passphrase

    passphrase = owner_passphrase(args, _needs_owner_key(ctx, args.id))
    with progress() as reporter:
        r = backups.verify_backup(ctx, backups.VerifyBackup(args.id, args.read_data, passphrase), reporter=reporter)
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
    from core.app import backups
    from core.cli.passwords import owner_passphrase

    request = backups.RestoreBackup(args.id, args.items, args.mode, paths=tuple(args.path), to=args.to,
                                    suspend=args.suspend, dry_run=args.dry_run, confirmed=args.yes)
    backups.check_restore(request)        # refuse a bad request before asking for a passphrase
    passphrase = owner_passphrase(args, _needs_owner_key(ctx, args.id))
    with progress() as reporter:
        outcome = backups.restore_backup(ctx, request.with_passphrase(passphrase), reporter=reporter)
    plan, r = outcome.plan, outcome.result
    if args.json:
        data = {"plan": plan.to_json(), "applied": r is not None}
        if r is not None:
            f = r.files
            data |= {"id": r.backup_id, "account": r.account, "account_restored": r.account_restored,
                     "units": [{"name": n, "result": w} for n, w in r.units], "suspended": r.suspended,
                     "files": None if f is None else {
                         "target": f.target, "restored": len(f.restored), "restored_paths": list(f.restored),
                         "skipped": list(f.skipped), "removed": list(f.removed),
                         "failed": [{"path": p, "reason": w} for p, w in f.failed]},
                     "ok": r.ok}
        print_json(data)
        return 0 if outcome.ok else 1
    print_restore_plan(plan)
    if r is None:
        print("Dry run: nothing was changed.")
        return 0
    if r.account_restored:
        print(f"Restored the settings of account {r.account}.")
    for name, what in r.units:
        print(f"Unit {name}: {what}.")
    f = r.files
    if f is not None:
        print(f"Files into {f.target}: {len(f.restored):,} restored, {len(f.skipped):,} skipped (live data kept), "
              f"{len(f.removed):,} removed first, {len(f.failed):,} failed.")
        for p, why in f.failed[:50]:
            print(f"  failed: {p}: {why}", file=sys.stderr)
    if r.suspended:
        print(f"Account {r.account} is suspended.")
    return 0 if r.ok else 1


def print_restore_plan(plan, limit: int = 20) -> None:
    print(f"Plan:    restore backup {plan.backup_id} of {plan.account} ({plan.mode})")
    s = plan.settings
    if s is not None:
        if s.action == "create":
            print("  account settings: the account is added again with its saved id")
        elif not s.changes:
            print("  account settings: unchanged")
        for field, old, new in s.changes:
            print(f"  account {field}: {old!r} -> {new!r}")
    for u in plan.units:
        t = u.preview.plan.totals
        verb = "replace" if u.preview.plan.mode == "replace" else "merge"
        new = " (a new unit)" if u.preview.target is None else ""
        print(f"  unit {u.name}{new}: {verb} {', '.join(u.sections)}: {t['added']:,} added, {t['removed']:,} removed, "
              f"{t['changed']:,} changed")
    f = plan.files
    if f is not None:
        c = f.counts()
        print(f"  files into {f.target}: {c['restore']:,} restored ({format_size(f.bytes_to_write)}), "
              f"{c['keep']:,} folders kept, {c['skip']:,} skipped (live data kept), {len(f.remove):,} removed first, "
              f"{len(f.refused):,} refused")
        for title, paths in (("removed first", [p.decode("utf-8", "backslashreplace") for p in f.remove]),
                             ("skipped", f.paths("skip")), ("refused", [f"{p}: {why}" for p, why in f.refused])):
            for p in paths[:limit]:
                print(f"    {title}: {p}")
            if len(paths) > limit:
                print(f"    … and {len(paths) - limit:,} more {title}")
    if plan.suspend:
        print(f"  then suspend the account {plan.account}")


def cmd_download(args, ctx) -> int:
    from core.app import backups
    from core.cli.passwords import get_password, secret_from_file

    passphrase = None
    if _needs_owner_key(ctx, args.id):
        if args.passphrase_file:
            passphrase = secret_from_file(args.passphrase_file, "passphrase")
        else:
            import getpass

            from core.errors import PassphraseRequired

            if not sys.stdin.isatty():
                raise PassphraseRequired("This account's key is held by its owner; give the passphrase.",
                                         hint="Use --passphrase-file.")
            passphrase = getpass.getpass("Owner's passphrase: ")
        from core.logsetup import register_secret

        register_secret(passphrase)
    password = None
    if backups.download_needs_password(args.items):
        password = get_password(args, confirm=True, prompt="Password for the bundle: ")
    with progress() as reporter:
        made = backups.download_backup(ctx, backups.DownloadBackup(
            args.id, args.items, paths=tuple(args.path), out_dir=args.out, overwrite=args.force,
            bundle_password=password, passphrase=passphrase), reporter=reporter)
    if args.json:
        print_json([d.as_dict() for d in made])
    else:
        for d in made:
            print(f"{d.path} ({format_size(d.size)}, expires {d.as_dict()['expires']})")
    return 0


def cmd_downloads_list(args, ctx) -> int:
    from core.app import backups

    items = backups.list_downloads(ctx)
    if args.json:
        print_json([d.as_dict() for d in items])
    elif not items:
        print("No downloads.")
    else:
        print_table(["PATH", "BACKUP", "KIND", "SIZE", "EXPIRES"],
                    [[d.path, d.backup_id, d.kind, format_size(d.size), d.as_dict()["expires"]] for d in items])
    return 0
