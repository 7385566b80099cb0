"""``unitvault backup ...`` (now, list, ls, verify, restore, download) and ``unitvault downloads list``."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table, progress, write_keys, write_lines
from core.support.sizes import format_size
from core.support.text import printable

COMMANDS = ("backup", "retention", "prune", "condition", "downloads")


def register(sub) -> None:
    from core.cli.passwords import add_password_options, add_token_options

    p = sub.add_parser("backup", help="back up accounts; list, verify, restore and download backups",
                       description="Account backups. Backup ids are unique, so commands take the id alone. "
                                   "Owner-held keys ask for the owner's passphrase (never on the command line).")
    s = p.add_subparsers(dest="backup_command", metavar="ACTION", required=True)

    q = s.add_parser("now", help="back up an account now",
                     description="Back up an account. An owner-held key needs the owner's passphrase (or key "
                                 "file) the first time at this installation; later backups run unattended.")
    q.add_argument("account")
    q.add_argument("--destination", required=True, metavar="D")
    q.add_argument("--items", default="account,units,files", metavar="ITEMS",
                   help="comma-separated: account, units, files (default: all three)")
    q.add_argument("--queue", action="store_true",
                   help="put it in the queue (priority groups, one lane per destination) instead of running it "
                        "here and now; workers (the desktop app, the timer, or 'unitvault queue run') take it")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q)
    _add_key_files(q, recovery=True)
    add_token_options(q)
    q.set_defaults(func=cmd_now)

    q = s.add_parser("list", help="list an account's backups, oldest first")
    q.add_argument("account", help="username or UUID")
    q.add_argument("--destination", metavar="D", help="only this destination")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("ls", help="list what a backup holds under a path of the home directory",
                     description="The entries of a backup's files under PATH (default: the home directory "
                                 "itself): type, mode, size (a folder: everything below it), time and name. Names "
                                 "are shown escaped (docs/file-names.md); PATH is given as the shell gives it, "
                                 "as for restore --path.")
    q.add_argument("id")
    q.add_argument("path", nargs="?", default="", metavar="PATH")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q, recovery=True)
    _add_key_files(q, recovery=False)
    q.set_defaults(func=cmd_ls)

    q = s.add_parser("verify", help="check a backup (exit 0 when every check passes)")
    q.add_argument("id")
    q.add_argument("--read-data", action="store_true", help="download and authenticate every blob")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q, recovery=True)
    _add_key_files(q, recovery=False)
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
    q.add_argument("--list-changes", metavar="UNIT:SECTION:KIND",
                   help="print every key of one kind of change the restore would make in one section of a unit, "
                        "one per line (with --json: a JSON array), and change nothing; KIND: added, removed, "
                        "changed, kept (e.g. demo:config_keys:added)")
    q.add_argument("--yes", action="store_true", help="confirm a terminate restore")
    q.add_argument("--accept-conditions", action="store_true",
                   help="accept the restore conditions the admin defined (listed by 'unitvault condition list')")
    q.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(q, recovery=True)
    _add_key_files(q, recovery=False)
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
    _add_key_files(q, recovery=True)
    add_token_options(q)
    q.set_defaults(func=cmd_download)

    q = s.add_parser("forget", help="delete one backup (its data goes with the next prune)")
    q.add_argument("id")
    q.add_argument("--yes", action="store_true", help="confirm")
    q.set_defaults(func=cmd_forget)

    q = s.add_parser("lock", help="keep a backup from rotation, TTL, forget and prune")
    q.add_argument("id")
    q.add_argument("--until", metavar="DATE", help="YYYY-MM-DD, an ISO time, or 30d / 12h from now "
                                                    "(default: until unlocked)")
    q.add_argument("--reason", metavar="TEXT")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_lock, locked=True)
    q = s.add_parser("unlock", help="let rotation and forget remove a backup again")
    q.add_argument("id")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_lock, locked=False)

    r = sub.add_parser("retention", help="apply every job's rotation and the on-demand rules")
    rs = r.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    q = rs.add_parser("run", help="forget the backups retention removes (each decision with its reason)")
    q.add_argument("--dry-run", action="store_true", help="show every decision, remove nothing")
    q.add_argument("--destination", metavar="D", help="only this destination")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_retention)

    q = sub.add_parser("prune", help="remove data no backup at a destination uses any more",
                       description="Unused packs are marked first and deleted by a later prune once a grace (one "
                                   "hour) is over, so a backup running meanwhile, here or on another machine, never "
                                   "loses data. --dry-run shows every decision.")
    q.add_argument("destination")
    q.add_argument("--dry-run", action="store_true", help="show every decision, delete nothing")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_prune)

    c = sub.add_parser("condition", help="restore conditions: texts whoever restores must accept")
    cs = c.add_subparsers(dest="condition_command", metavar="ACTION", required=True)
    q = cs.add_parser("add", help="add a condition")
    q.add_argument("text")
    q.set_defaults(func=cmd_condition_add)
    q = cs.add_parser("list", help="list the conditions")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_condition_list)
    q = cs.add_parser("remove", help="remove a condition")
    q.add_argument("id", type=int)
    q.set_defaults(func=cmd_condition_remove)

    d = sub.add_parser("downloads", help="list downloads (they expire after a TTL, 7 days by default)")
    ds = d.add_subparsers(dest="downloads_command", metavar="ACTION", required=True)
    q = ds.add_parser("list", help="list downloads not yet expired")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_downloads_list)


def _add_key_files(q, *, recovery: bool, account_key: bool = True) -> None:
    g = q.add_argument_group("keys given as files (never stored)")
    if recovery:
        g.add_argument("--recovery-key", metavar="FILE",
                       help="the organisation's recovery key (app-held accounts, e.g. on a new installation)")
    if account_key:
        g.add_argument("--account-key", metavar="FILE", help="the account's exported key (its printed kit, typed in)")
    g.add_argument("--owner-key-file", metavar="FILE", help="the owner's key file, for an owner who uses one instead "
                                                             "of a passphrase")


def _key_files(args):
    from core.app.backups import KeyFiles
    from core.support.secretfiles import readable_by_others

    for what, path in (("recovery key", getattr(args, "recovery_key", None)),
                       ("account key", getattr(args, "account_key", None)),
                       ("owner key", getattr(args, "owner_key_file", None))):
        if path and readable_by_others(path):
            sys.stderr.write(f"unitvault: warning: the {what} file {path} can be read by other users; "
                             "make it private (chmod 600).\n")
    return KeyFiles(recovery_key_file=getattr(args, "recovery_key", None),
                    account_key_file=getattr(args, "account_key", None),
                    owner_key_file=getattr(args, "owner_key_file", None))


def _needs_owner_key(ctx, backup_id: str, args=None) -> bool:
    from core.app import backups

    if args is not None and getattr(args, "owner_key_file", None):
        return False
    return backups.show_backup(ctx, backups.BackupRef(backup_id)).encryption == "owner"


def cmd_now(args, ctx) -> int:
    from core.app import accounts, backups
    from core.cli.passwords import has_password_source, owner_passphrase, use_token

    use_token(args, ctx)
    account = accounts.show_account(ctx, accounts.AccountRef(args.account))
    if args.queue:
        from core.app import queue

        item = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow(args.account, args.destination, args.items)))
        if args.json:
            print_json(item.as_dict())
        else:
            print(f"Queued item {item.id}: a backup of {account.username} to {args.destination} "
                  f"({item.priority_group}). Workers take it (the desktop app, the timer, or "
                  "'unitvault queue run --until-empty').")
        return 0
    needed = False
    if account.encryption == "owner" and not args.owner_key_file:   # asked only when this backup needs it
        needed = has_password_source(args) or backups.owner_key_needed(
            ctx, backups.BackupTarget(args.account, args.destination))
    passphrase = owner_passphrase(args, needed)
    with progress() as reporter:
        r = backups.backup_now(ctx, backups.BackupNow(args.account, args.destination, args.items, passphrase,
                                                      keys=_key_files(args)), reporter=reporter)
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
        print(f"No backups of {listing.name} yet.")
    else:
        if listing.account is None:
            print(f"{listing.name or args.account} is an orphan: its account is not in the catalog "
                  "(adopt it with 'unitvault orphans adopt').", file=sys.stderr)
        print_table(["ID", "TIME", "KIND", "ITEMS", "SIZE", "NEW DATA", "ENCRYPTION", "DESTINATION", "STATUS", "LOCK"],
                    [[b.id, b.created_at, b.kind + (f" ({b.job})" if b.job else ""), ",".join(b.items),
                      format_size(b.size), format_size(b.new_data), b.encryption, b.destination, b.status,
                      _lock_text(b)] for b in items])
    return 0


def cmd_ls(args, ctx) -> int:
    from core.app import backups
    from core.cli.passwords import owner_passphrase

    passphrase = owner_passphrase(args, _needs_owner_key(ctx, args.id, args))
    listing = backups.list_backup_entries(ctx, backups.ListBackupEntries(args.id, args.path, passphrase,
                                                                         keys=_key_files(args)))
    if args.json:
        print_json(listing.to_json())
        return 0
    if not listing.entries:
        print(f"Nothing under {printable(listing.path) or 'the home directory'} in backup {listing.backup_id}.")
        return 0
    print_table(["TYPE", "MODE", "SIZE", "TIME", "NAME"],
                [[_KIND_LETTER.get(n.kind, n.kind), f"{n.mode:04o}", format_size(n.size), n.mtime,
                  printable(n.name + ("/" if n.is_dir else "") + (f" -> {n.target}" if n.target else ""), limit=400)]
                 for n in listing.entries])
    return 0


_KIND_LETTER = {"d": "dir", "f": "file", "l": "link", "p": "fifo", "c": "chardev", "b": "blockdev"}


def cmd_verify(args, ctx) -> int:
    from core.app import backups
    from core.cli.passwords import has_password_source, owner_passphrase
    from core.errors import PassphraseRequired

    # The structure of an owner-held backup is checked with what the app holds; reading needs the owner
    # (so does any check of a key of repository format 1: then the passphrase is asked after all).
    owner = _needs_owner_key(ctx, args.id, args)
    passphrase = owner_passphrase(args, owner and (args.read_data or has_password_source(args)))

    def run(passphrase):
        with progress() as reporter:
            return backups.verify_backup(ctx, backups.VerifyBackup(args.id, args.read_data, passphrase,
                                                                   keys=_key_files(args)), reporter=reporter)

    try:
        r = run(passphrase)
    except PassphraseRequired:
        if not owner or passphrase is not None or not sys.stdin.isatty():
            raise
        r = run(owner_passphrase(args, True))
    if args.json:
        print_json({"id": r.backup_id, "ok": r.ok, "read_data": r.read_data, "blobs": r.blobs, "packs": r.packs,
                    "problems": list(r.problems), "lost": list(r.lost)})
    else:
        if r.ok:
            what = "structure and data" if r.read_data else "structure"
            print(f"Backup {r.backup_id}: {what} OK ({r.blobs:,} blobs in {r.packs:,} packs).")
        else:
            print(f"Backup {r.backup_id}: {len(r.problems)} problem(s):")
            for p in r.problems:
                print(f"  {p}")
        for lost in r.lost:
            print(f"  lost: backup {lost} is indexed here but gone from the destination (marked missing)")
    return 0 if r.ok else 1


def cmd_restore(args, ctx) -> int:
    from dataclasses import replace

    from core.app import backups
    from core.cli.passwords import owner_passphrase

    listing = _restore_listing(args)
    request = backups.RestoreBackup(args.id, args.items, args.mode, paths=tuple(args.path), to=args.to,
                                    suspend=args.suspend, dry_run=args.dry_run or listing is not None,
                                    confirmed=args.yes, accept_conditions=args.accept_conditions)
    backups.check_restore(request)        # refuse a bad request before asking for a passphrase
    passphrase = owner_passphrase(args, _needs_owner_key(ctx, args.id, args))
    request = replace(request.with_passphrase(passphrase), keys=_key_files(args))
    with progress() as reporter:
        outcome = backups.restore_backup(ctx, request, reporter=reporter)
    plan, r = outcome.plan, outcome.result
    if listing is not None:
        name, section, kind = listing
        unit = next((u for u in plan.units if u.name == name), None)
        if unit is None:
            from core.errors import NotFoundError

            raise NotFoundError(f"The restore plans no unit named {name!r}.",
                                hint="Choose units with the items (units or units:NAME).")
        return write_keys(backups.list_restore_changes(ctx, backups.RestoreUnitChanges(request, unit, section, kind)),
                          args.json)
    if args.json:
        data = {"plan": plan.to_json(), "applied": r is not None,
                "conditions": [c.text for c in outcome.conditions]}
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
    for i, cond in enumerate(outcome.conditions, 1):
        print(f"  condition ({i}): {cond.text}" + ("" if r is None else "  [accepted]"))
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
            print(f"  failed: {printable(p, limit=400)}: {printable(why, limit=400)}", file=sys.stderr)
    if r.suspended:
        print(f"Account {r.account} is suspended.")
    return 0 if r.ok else 1


def _restore_listing(args) -> tuple[str, str, str] | None:
    """``--list-changes UNIT:SECTION:KIND``, checked before any passphrase or plan."""
    from core.app import imports
    from core.errors import InvalidInputError

    if args.list_changes is None:
        return None
    parts = args.list_changes.split(":")
    if len(parts) != 3 or not parts[0]:
        raise InvalidInputError("--list-changes takes a unit, a section and a kind of change, as UNIT:SECTION:KIND "
                                "(e.g. demo:config_keys:added).")
    imports.check_change_kind(parts[1], parts[2])
    return parts[0], parts[1], parts[2]


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
                print(f"    {title}: {printable(p, limit=400)}")       # names from the backup, escaped
            if len(paths) > limit:
                print(f"    … and {len(paths) - limit:,} more {title}")
    if plan.suspend:
        print(f"  then suspend the account {plan.account}")


def cmd_download(args, ctx) -> int:
    from core.app import backups
    from core.cli.passwords import get_password, secret_from_file, use_token

    use_token(args, ctx)
    passphrase = None
    if _needs_owner_key(ctx, args.id, args):
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
            bundle_password=password, passphrase=passphrase, keys=_key_files(args)), reporter=reporter)
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


def _lock_text(b) -> str:
    if not b.locked:
        return "-"
    return "locked" + (f" until {b.locked_until[:10]}" if b.locked_until else "")


def cmd_forget(args, ctx) -> int:
    from core.app import backups

    entry = backups.forget_backup(ctx, backups.ForgetBackup(args.id, confirmed=args.yes))
    print(f"Forgot backup {entry.id}; its data goes with the next prune of {entry.destination}.", file=sys.stderr)
    return 0


def cmd_lock(args, ctx) -> int:
    from core.app import backups

    entry = backups.lock_backup(ctx, backups.LockBackup(args.id, args.locked, getattr(args, "until", None),
                                                        getattr(args, "reason", None)))
    if args.json:
        print_json(entry.as_dict())
    elif entry.locked:
        print(f"Backup {entry.id} is locked" + (f" until {entry.locked_until}" if entry.locked_until else "")
              + (f" ({entry.lock_reason})" if entry.lock_reason else "") + ".")
    else:
        print(f"Backup {entry.id} is unlocked.")
    return 0


def cmd_retention(args, ctx) -> int:
    from core.app import backups

    with progress() as reporter:
        run = backups.run_retention(ctx, backups.RunRetention(args.dry_run, args.destination), reporter=reporter)
    if args.json:
        print_json(run.to_json())
        return 1 if run.failed else 0
    decided = run.decisions                          # columns (core.jobs.retention.Decisions)
    texts = {r: "; ".join(r) for r in set(decided.reasons)}
    write_lines(map("{:<6} {}  {}".format, decided.actions, decided.ids, map(texts.__getitem__, decided.reasons)))
    n = len(run.to_remove)
    if run.dry_run:
        print(f"Dry run: {n} backup{'s' if n != 1 else ''} would be removed; nothing was changed.")
    else:
        print(f"Removed {len(run.removed)} backup{'s' if len(run.removed) != 1 else ''}; their data goes with the "
              "next prune.")
    for i, why in run.failed:
        print(f"unitvault: error: {i}: {why}", file=sys.stderr)
    return 1 if run.failed else 0


def cmd_condition_add(args, ctx) -> int:
    from core.app import backups

    c = backups.add_condition(ctx, backups.AddCondition(args.text))
    print(f"Added restore condition {c.id}.")
    return 0


def cmd_condition_list(args, ctx) -> int:
    from core.app import backups

    items = backups.list_conditions(ctx)
    if args.json:
        print_json([c.as_dict() for c in items])
    elif not items:
        print("No restore conditions.")
    else:
        for c in items:
            print(f"{c.id}. {c.text}")
    return 0


def cmd_condition_remove(args, ctx) -> int:
    from core.app import backups

    backups.remove_condition(ctx, backups.RemoveCondition(args.id))
    print(f"Removed restore condition {args.id}.")
    return 0


def cmd_prune(args, ctx) -> int:
    from core.app import backups

    with progress() as reporter:
        r = backups.prune_destination(ctx, backups.PruneDestination(args.destination, args.dry_run), reporter=reporter)
    if args.json:
        print_json(r.as_dict())
        return 0
    for p in r.plans:
        if p.skipped:
            print(f"account {p.account_id}: not pruned: {p.skipped}")
            continue
        for d in p.decisions:
            if d.action != "keep" or args.dry_run:
                print(f"{d.action:<8} {d.pack_id}  {format_size(d.size):>10}  {d.reason}")
        print(f"account {p.account_id}: {p.count('keep')} packs kept, {p.count('condemn')} newly marked, "
              f"{p.count('wait')} waiting for the grace, {p.count('delete')} "
              f"{'to delete' if args.dry_run else 'deleted'} ({format_size(p.bytes('delete'))})")
    if args.dry_run:
        print("Dry run: nothing was changed.")
    return 0
