"""``unitvault db ...``: where the stores are, whether they are sound, migrating them, and moving a
SQLite home to PostgreSQL (team mode)."""

from __future__ import annotations

from core.cli.output import print_json, print_table, progress

COMMANDS = ("db",)


def register(sub) -> None:
    p = sub.add_parser("db", help="the unit store and the catalog: check, migrate, move to PostgreSQL",
                       description="The databases: SQLite files in the home, or one PostgreSQL database shared by "
                                   "every workstation (team mode, docs/team-mode.md).")
    s = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    q = s.add_parser("info", help="where the stores are (no connection is made)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_info)

    q = s.add_parser("check", help="reach both stores and check their schema and integrity (exit 1 on a problem)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_check)

    q = s.add_parser("migrate", help="bring both stores to this version's schema")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_migrate)

    q = s.add_parser("move-to", help="copy this home's SQLite stores into an empty PostgreSQL database, verify "
                                     "them by digests, then use it",
                     description="Copies the unit store, the catalog and the safety snapshots into an empty "
                                 "PostgreSQL database, compares every unit's digest and every catalog table's "
                                 "rows, and only then names the database in this home's settings. Keep the "
                                 "password out of the URL: libpq reads it from ~/.pgpass (or PGPASSFILE).")
    q.add_argument("url", metavar="URL", help="postgresql+psycopg://USER@HOST[:PORT]/DATABASE")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_move_to)


def cmd_info(args, ctx) -> int:
    from core.app import stores

    info = stores.stores_info(ctx)
    if args.json:
        print_json(info.to_json())
        return 0
    print(f"{info.summary}{' (team mode)' if info.team_mode else ''}")
    print_table(["STORE", "BACKEND", "WHERE"], [[s.store, s.backend, s.where] for s in info.stores])
    return 0


def cmd_check(args, ctx) -> int:
    from core.app import stores

    result = stores.check_stores(ctx)
    if args.json:
        print_json(result.to_json())
    else:
        for s in result.stores:
            print(f"{s.store}: {s.where} ({s.server or 'unreachable'}): schema {s.revision or '-'} "
                  f"(needs {s.head}), {s.state}" + (f", {sum(s.tables.values()):,} rows" if s.tables else ""))
            for problem in s.problems:
                print(f"  problem: {problem}")
        print("ok" if result.ok else "problems found")
    return 0 if result.ok else 1


def cmd_migrate(args, ctx) -> int:
    from core.app import stores

    done = stores.migrate_stores(ctx)
    if args.json:
        print_json([m.to_json() for m in done])
    else:
        for m in done:
            print(f"{m.store}: {m.before or 'empty'} -> {m.after}" + (" (already current)" if m.before == m.after
                                                                        else ""))
    return 0


def cmd_move_to(args, ctx) -> int:
    from core.app import stores

    with progress() as reporter:
        result = stores.move_to(ctx, stores.MoveTo(args.url), reporter=reporter)
    if args.json:
        print_json(result.to_json())
        return 0
    units = result.stores[0]
    catalog = result.stores[1]
    print(f"Moved to {result.where}: {len(units.digests)} unit(s) with equal digests, "
          f"{sum(catalog.tables.values()):,} catalog row(s) in {len(catalog.tables)} tables with equal digests, "
          f"{result.snapshots} safety snapshot(s).")
    if result.password_given:
        print("The password in the URL was not saved: put it in ~/.pgpass (or PGPASSFILE) for the next runs.")
    print("This home now uses the PostgreSQL database; its SQLite files were left as they were.")
    return 0
