"""``unitvault audit ...``: the audit log (who did what and when), its hash chain, and a CSV export."""

from __future__ import annotations

from core.cli.output import print_json, print_table

COMMANDS = ("audit",)


def register(sub) -> None:
    p = sub.add_parser("audit", help="the audit log: who did what and when (admins)",
                       description="Every change, export, import, restore, download, token and key operation, role "
                                   "and mode change and setting is recorded with who did it, when, and the outcome. "
                                   "Each entry is chained to the previous one by a hash: 'audit verify' names the "
                                   "first entry that was changed, removed or reordered.")
    s = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    q = s.add_parser("list", help="the latest entries, newest first")
    q.add_argument("--limit", type=int, default=50, metavar="N", help="how many (default 50)")
    q.add_argument("--before", type=int, metavar="SEQ", help="entries older than entry SEQ")
    q.add_argument("--actor", metavar="USER", help="only this user's")
    q.add_argument("--action", metavar="A", help="only this action or area (token, user, bundle.export...)")
    q.add_argument("--since", metavar="TIME", help="only entries at or after this ISO time")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)
    q = s.add_parser("verify", help="check the hash chain (exit 1 and the entry's number when it is broken)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_verify)
    q = s.add_parser("export", help="write every entry to a CSV file")
    q.add_argument("--out", required=True, metavar="FILE")
    q.add_argument("--force", action="store_true", help="replace FILE")
    q.set_defaults(func=cmd_export)


def _detail(e) -> str:
    d = e.details
    parts = []
    if d.get("reason"):
        parts.append(f"reason: {d['reason']}")
    for key in ("error", "refused"):
        if d.get(key):
            parts.append(d[key])
    return "; ".join(parts)


def cmd_list(args, ctx) -> int:
    from core.app import audit
    from core.support.text import printable

    entries = audit.list_audit(ctx, audit.ListAudit(args.limit, args.before, args.actor, args.action, args.since))
    if args.json:
        print_json([e.as_dict() for e in entries])
        return 0
    print_table(["#", "TIME (UTC)", "WHO", "ACTION", "TARGET", "OUTCOME", "DETAIL"],
                [[e.seq, e.at[:19].replace("T", " "), f"{e.actor} ({e.role})", e.action, printable(e.target)[:60],
                  e.outcome, printable(_detail(e))[:80]] for e in entries])
    return 0


def cmd_verify(args, ctx) -> int:
    from core.app import audit

    check = audit.verify_audit(ctx)
    if args.json:
        print_json(check.as_dict())
    elif check.ok:
        print(f"The audit log is intact ({check.entries:,} entries).")
    else:
        print(f"The audit log was tampered with: {check.problem}")
    return 0 if check.ok else 1


def cmd_export(args, ctx) -> int:
    from pathlib import Path

    from core.app import audit

    done = audit.export_audit(ctx, audit.ExportAudit(Path(args.out), args.force))
    print(f"Wrote {done.entries:,} entries to {done.path}.")
    return 0
