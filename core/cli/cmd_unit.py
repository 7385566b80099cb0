"""``unitvault unit ...``: list, show, seed, delete, digest."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table, progress

COMMANDS = ("unit",)


def register(sub) -> None:
    p = sub.add_parser("unit", help="list, inspect, seed and delete units",
                       description="Work with the units in the unit store.")
    s = p.add_subparsers(dest="unit_command", metavar="ACTION", required=True)

    q = s.add_parser("list", help="list units with their counts")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("show", help="show one unit and its counts")
    q.add_argument("name")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)

    q = s.add_parser("seed", help="create a demo unit (content depends only on size and seed)")
    q.add_argument("name")
    q.add_argument("--size", choices=("small", "medium", "large", "huge"), default="small",
                   help="small, medium, large (~106,000 records) or huge (ten times large)")
    q.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    q.add_argument("--drift", type=int, default=0, metavar="N",
                   help="N small live edits on top (a unit that differs from its undrifted twin in a few fields)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_seed)

    q = s.add_parser("delete", help="delete a unit and everything in it")
    q.add_argument("name")
    q.add_argument("--yes", action="store_true", help="confirm the deletion")
    q.add_argument("--no-safety-snapshot", action="store_true",
                   help="do not keep what is deleted first (the deletion cannot be undone)")
    q.set_defaults(func=cmd_delete)

    q = s.add_parser("digest", help="print the SHA-256 of the unit's content (name, id and times excluded)")
    q.add_argument("name")
    q.set_defaults(func=cmd_digest)


def cmd_list(args, ctx) -> int:
    from core.app import units

    items = [u.to_json() for u in units.list_units(ctx)]
    if args.json:
        print_json(items)
    elif not items:
        print("No units yet. Create a demo one with: unitvault unit seed demo")
    else:
        print_table(["NAME", "PLUGINS", "WORKSPACES", "APPLICATIONS", "PROFILES", "CONFIG KEYS", "DISPLAY NAME"],
                    [[i["name"], *(f"{v:,}" for v in i["counts"].values()), i["display_name"]] for i in items])
    return 0


def cmd_show(args, ctx) -> int:
    from core.app import units

    summary = units.show_unit(ctx, units.UnitRef(args.name))
    data = summary.to_json()
    if args.json:
        print_json(data)
    else:
        u = summary.unit
        print(f"{u.name} ({u.display_name})")
        print(f"  id       {u.id}")
        print(f"  created  {u.created_at}   updated {u.updated_at}")
        for k, v in data["counts"].items():
            print(f"  {k:<13}{v:>9,}")
    return 0


def cmd_seed(args, ctx) -> int:
    from core.app import units

    with progress() as reporter:
        summary = units.seed_unit(ctx, units.SeedUnit(args.name, args.size, args.seed, drift=args.drift), reporter=reporter)
    if args.json:
        print_json(summary.to_json())
    else:
        print(f"Created unit {summary.unit.name} ({args.size}, seed {args.seed}).")
    return 0


def cmd_delete(args, ctx) -> int:
    from core.app import units

    done = units.delete_unit(ctx, units.DeleteUnit(args.name, confirmed=args.yes,
                                                   safety_snapshot=not args.no_safety_snapshot))
    print(f"Deleted unit {done.unit.name}." + (f" Safety snapshot {done.snapshot_id}: 'unitvault undo "
                                               f"{done.unit.name}' brings it back." if done.snapshot_id else ""),
          file=sys.stderr)
    return 0


def cmd_digest(args, ctx) -> int:
    from core.app import units

    sys.stdout.write(units.unit_digest(ctx, units.UnitRef(args.name)) + "\n")
    return 0
