"""``unitvault import``, ``snapshots list|restore`` and ``undo``: validate-then-import.

Every command that changes a unit prints its preview and plan first. ``--dry-run`` stops there.
On a terminal without ``--yes`` the user types the unit's name to confirm; without a terminal and
without ``--yes`` the command refuses (exit 1) and changes nothing.
"""

from __future__ import annotations

import json
import sys

from core.cli.output import print_json, print_table, progress, write_keys
from core.cli.passwords import add_password_options

COMMANDS = ("import", "snapshots", "undo")


def register(sub) -> None:
    p = sub.add_parser(
        "import", help="import a bundle into a unit (preview, confirm, apply; undoable)",
        description="Validate FILE, show what would change in UNIT, then apply exactly that in one transaction. "
                    "Replace (default) wipes the chosen sections and restores them from the bundle; merge adds "
                    "only what UNIT lacks and keeps every live record. A safety snapshot of what is overwritten "
                    "is taken first, so 'unitvault undo UNIT' can revert the import. A new UNIT name creates "
                    "the unit with a fresh id.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--into", metavar="UNIT", required=True, help="the unit to import into (created if missing)")
    p.add_argument("--mode", choices=("replace", "merge"), default="replace")
    p.add_argument("--sections", metavar="LIST",
                   help="comma-separated: plugins,workspaces,profiles,config_keys (default: all)")
    _common(p)
    p.add_argument("--no-safety-snapshot", action="store_true",
                   help="do not save what is overwritten first (the import cannot be undone)")
    p.add_argument("--reason", metavar="TEXT", help="why (kept in the audit log; a replace import needs one once the "
                                                     "installation has users, asked at the prompt otherwise)")
    add_password_options(p, recovery=True)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("snapshots", help="list or restore the safety snapshots taken before imports")
    s = p.add_subparsers(dest="snapshots_command", metavar="ACTION", required=True)
    q = s.add_parser("list", help="list snapshots, newest first")
    q.add_argument("unit", nargs="?", metavar="UNIT")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_snapshots_list)
    q = s.add_parser("restore", help="restore a snapshot's sections into its unit (replace mode)")
    q.add_argument("id", metavar="ID")
    _common(q)
    q.set_defaults(func=cmd_snapshots_restore)

    p = sub.add_parser("undo", help="revert the latest import (or restore) into a unit",
                       description="Restore the latest safety snapshot of UNIT that no undo has used yet. "
                                   "Repeated undos walk further back.")
    p.add_argument("unit", metavar="UNIT")
    _common(p)
    p.set_defaults(func=cmd_undo)


def _common(p) -> None:
    p.add_argument("--dry-run", action="store_true", help="show the preview and plan, change nothing")
    p.add_argument("--yes", action="store_true", help="apply without asking (needed without a terminal)")
    p.add_argument("--allow-other-unit", action="store_true",
                   help="accept a bundle taken from another unit than the target (needed with --yes)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--list-changes", metavar="SECTION:KIND",
                   help="print every key of one kind of change in one section, one per line (with --json: a JSON "
                        "array), and change nothing; KIND: added, removed, changed, kept (e.g. config_keys:removed)")


def _listing(args) -> tuple[str, str] | None:
    """``--list-changes SECTION:KIND``, checked before any password or preview."""
    from core.app import imports

    if args.list_changes is None:
        return None
    if ":" not in args.list_changes:
        from core.errors import InvalidInputError

        raise InvalidInputError("--list-changes takes a section and a kind of change, as SECTION:KIND "
                                "(e.g. config_keys:removed).")
    section, _, kind = args.list_changes.partition(":")
    imports.check_change_kind(section, kind)
    return section, kind


# --- commands --------------------------------------------------------------------------------------
def cmd_import(args, ctx) -> int:
    from core.app import imports
    from core.app.bundles import BundleKey
    from core.cli.passwords import get_password

    listing = _listing(args)
    if getattr(args, "recovery_key", None):
        key = BundleKey(recovery_key_file=args.recovery_key)
    else:
        key = BundleKey(get_password(args, check_floor=False))
    request = imports.PreviewImport(args.file, key, into=args.into, mode=args.mode, sections=args.sections)
    with progress() as reporter:
        plan = imports.preview_import(ctx, request, reporter=reporter)
    if listing is not None:
        return _list_changes(args, ctx, plan, *listing)

    def apply(reporter, typed: bool):
        from core.cli.reasons import with_reason

        return with_reason(lambda reason: imports.apply_import(
            ctx, imports.ApplyImport(plan, safety_snapshot=not args.no_safety_snapshot,
                                     other_unit_confirmed=args.allow_other_unit or typed, reason=reason),
            reporter=reporter), args.reason)

    return _confirm_and_apply(args, plan.preview, apply, verb="import")


def _list_changes(args, ctx, plan, section: str, kind: str) -> int:
    """The keys stream out as they are found (a million of them in flat memory). ``plan``: an
    import's (core.app.imports.ImportPlan)."""
    from core.app import imports

    return write_keys(imports.list_import_changes(ctx, imports.ListChanges(plan, section, kind)), args.json)


def cmd_snapshots_list(args, ctx) -> int:
    from core.app import imports

    items = imports.list_safety_snapshots(ctx, imports.ListSafetySnapshots(args.unit))
    if args.json:
        print_json([i.to_json() for i in items])
    elif not items:
        print("No safety snapshots yet." if args.unit is None else f"No safety snapshots of unit {args.unit}.")
    else:
        print_table(["ID", "UNIT", "CREATED", "SECTIONS", "SIZE", "REASON"],
                    [[i.id, i.unit_name, i.created[:19].replace("T", " "), ",".join(i.sections), f"{i.size:,}",
                      i.reason + (" (undone)" if i.undone else "")] for i in items])
    return 0


def cmd_snapshots_restore(args, ctx) -> int:
    from core.app import imports

    listing = _listing(args)
    with progress() as reporter:
        plan = imports.preview_safety_snapshot(ctx, imports.PreviewSafetySnapshot(snapshot_id=args.id, undo=False),
                                               reporter=reporter)
    return _apply_snapshot(args, ctx, plan, verb="restore", label=f"safety snapshot {plan.info.id}", listing=listing)


def cmd_undo(args, ctx) -> int:
    from core.app import imports

    listing = _listing(args)
    with progress() as reporter:
        plan = imports.preview_safety_snapshot(ctx, imports.PreviewSafetySnapshot(unit=args.unit), reporter=reporter)
    return _apply_snapshot(args, ctx, plan, verb="undo", label=f"safety snapshot {plan.info.id} ({plan.info.reason})",
                           listing=listing)


def _apply_snapshot(args, ctx, plan, *, verb: str, label: str, listing: tuple[str, str] | None) -> int:
    from core.app import imports

    if listing is not None:  # what restoring the snapshot would change, and nothing else
        return _list_changes(args, ctx, imports.ImportPlan(None, plan.source, plan.preview), *listing)
    if not plan.preview.plan.has_changes and not args.dry_run:
        # The unit already holds it (an undo cut short before it was recorded): the use case records
        # it, so the next undo walks further back instead of stopping here.
        imports.restore_safety_snapshot(ctx, imports.RestoreSafetySnapshot(plan))

    def apply(reporter, typed: bool):
        done = imports.restore_safety_snapshot(
            ctx, imports.RestoreSafetySnapshot(plan, other_unit_confirmed=args.allow_other_unit or typed),
            reporter=reporter)
        return done.result

    return _confirm_and_apply(args, plan.preview, apply, verb=verb, label=label)


# --- shared flow -----------------------------------------------------------------------------------
def _confirm_and_apply(args, preview, apply, *, verb: str, label: str | None = None) -> int:
    """Show the plan; stop for a dry run or when nothing changes; without --yes, a terminal user types
    the unit's name (which also confirms a source from another unit); then apply."""
    from core.app.imports import confirmation_needed

    out = {"preview": preview.to_json()}
    if not args.json:
        print_preview(preview, label=label)
    elif not args.yes and not args.dry_run and preview.plan.has_changes and sys.stdin.isatty():
        print_preview(preview, label=label, stream=sys.stderr)  # what the typed name confirms
    if args.dry_run or not preview.plan.has_changes:
        if args.json:
            print_json(out | {"applied": False})
        elif not preview.plan.has_changes:
            print("Nothing to change: the unit already holds this content.")
        else:
            print("Dry run: nothing was changed.")
        return 0
    typed = False
    if not args.yes:
        if not sys.stdin.isatty():
            raise confirmation_needed(verb, preview.target_name)
        sys.stderr.write(f"Type the unit name ({preview.target_name}) to {verb}, or anything else to stop: ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip()
        if answer != preview.target_name:
            from core.errors import ConfirmationRequired

            raise ConfirmationRequired("The name did not match; nothing was changed.")
        typed = True
    with progress() as reporter:
        result = apply(reporter, typed)
    if args.json:
        print_json(out | {"applied": True, "result": result.to_json()})
    else:
        t = result.plan.totals
        print(f"Done: unit {result.unit.name} now has digest {result.digest_after[:16]}… "
              f"({t['added']:,} added, {t['removed']:,} removed, {t['changed']:,} changed).")
        if result.snapshot_id:
            print(f"Safety snapshot {result.snapshot_id}: 'unitvault undo {result.unit.name}' reverts this.")
    return 0


def _short(value, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[:width - 1] + "…"


def print_preview(preview, *, label: str | None = None, limit: int = 10, stream=None) -> None:
    w = (stream or sys.stdout).write
    v, plan = preview.validation, preview.plan
    c = v.counts
    w(f"Source:  {label + ' of ' if label else ''}unit {v.source_unit_name!r} ({v.source_unit_id}), "
      f"created {v.created}, Unitvault {v.app_version}\n")
    w(f"         {c.plugins:,} plugins, {c.workspaces:,} workspaces ({c.applications:,} applications), "
      f"{c.profiles:,} profiles, {c.config_keys:,} config keys\n")
    if preview.target is None:
        w(f"Target:  new unit {preview.target_name!r} (created with a fresh id)\n")
    else:
        w(f"Target:  unit {preview.target.name!r} ({preview.target.id})\n")
    if preview.other_unit:
        w(f"NOTE:    the source comes from ANOTHER unit ({v.source_unit_name!r}, {v.source_unit_id}), "
          f"not from {preview.target_name!r}.\n")
    w(f"Plan:    {plan.mode}, sections {', '.join(plan.sections)}\n")
    rows = [["SECTION", "ACTION", "ADDED", "REMOVED", "CHANGED", "KEPT LIVE", "UNCHANGED"]]
    for sp in plan.per_section:
        rows.append([sp.section, sp.action if sp.action != "keep" else "untouched", f"{sp.added:,}",
                     f"{sp.removed:,}", f"{sp.changed:,}", f"{sp.kept:,}", f"{sp.unchanged:,}"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        w("  " + "  ".join(cell.ljust(wd) for cell, wd in zip(r, widths, strict=True)).rstrip() + "\n")
    for sp in plan.per_section:
        if not sp.diffs:
            continue
        what = "changed" if sp.action == "replace" else "differ (live kept)"
        n = sp.changed + sp.kept
        w(f"  {sp.section}: {n:,} record{'s' if n != 1 else ''} {what}"
          f"{f', first {limit} shown' if n > limit else ''}:\n")
        for rc in sp.diffs[:limit]:
            w(f"    {rc.key}\n")
            for f in rc.fields[:8]:
                if f.kind == "changed":
                    w(f"      {f.path}: {_short(f.old)} -> {_short(f.new)}\n")
                elif f.kind == "added":
                    w(f"      {f.path}: added {_short(f.new)}\n")
                else:
                    w(f"      {f.path}: removed {_short(f.old)}\n")
            if len(rc.fields) > 8:
                w(f"      … {len(rc.fields) - 8} more fields\n")
    if plan.digest_before:
        w(f"Digest:  {plan.digest_before[:16]}… now, {plan.digest_after[:16]}… after\n")
