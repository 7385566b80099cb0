"""``unitvault unit ...``: list, show, seed, delete, digest."""

from __future__ import annotations

import argparse
import sys

from core.errors import ConfirmationRequired


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
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_seed)

    q = s.add_parser("delete", help="delete a unit and everything in it")
    q.add_argument("name")
    q.add_argument("--yes", action="store_true", help="confirm the deletion")
    q.set_defaults(func=cmd_delete)

    q = s.add_parser("digest", help="print the SHA-256 of the unit's content (name, id and times excluded)")
    q.add_argument("name")
    q.set_defaults(func=cmd_digest)


def unit_json(unit, counts) -> dict:
    return {"id": unit.id, "name": unit.name, "display_name": unit.display_name, "counts": counts.as_dict()}


def cmd_list(args, ctx) -> int:
    from core.cli.output import print_json, print_table
    from core.unit.records import SectionCounts

    units = ctx.units.list_units()
    counts = ctx.units.all_counts()
    items = [unit_json(u, counts.get(u.id, SectionCounts())) for u in units]
    if args.json:
        print_json(items)
    elif not items:
        print("No units yet. Create a demo one with: unitvault unit seed demo")
    else:
        print_table(["NAME", "PLUGINS", "WORKSPACES", "APPLICATIONS", "PROFILES", "CONFIG KEYS", "DISPLAY NAME"],
                    [[i["name"], *i["counts"].values(), i["display_name"]] for i in items])
    return 0


def cmd_show(args, ctx) -> int:
    from core.cli.output import print_json

    unit = ctx.units.get_unit(args.name)
    data = unit_json(unit, ctx.units.counts(unit.id))
    if args.json:
        print_json(data)
    else:
        print(f"{unit.name} ({unit.display_name})")
        print(f"  id       {unit.id}")
        print(f"  created  {unit.created_at}   updated {unit.updated_at}")
        for k, v in data["counts"].items():
            print(f"  {k:<13}{v:>9,}")
    return 0


def cmd_seed(args, ctx) -> int:
    from core.cli.output import TerminalProgress, print_json
    from core.unit.seed import SIZES, seed_unit

    spec = SIZES[args.size]
    total = spec.plugins + spec.workspaces + spec.profiles + spec.config_keys
    bar = TerminalProgress()
    done = 0

    def on_batch(n):
        nonlocal done
        from core.progress import ProgressState

        done += n
        bar(ProgressState("seeding", done, total))

    try:
        unit = seed_unit(ctx.units, args.name, args.size, args.seed, on_batch=on_batch)
    finally:
        bar.close()
    data = unit_json(unit, ctx.units.counts(unit.id))
    if args.json:
        print_json(data)
    else:
        print(f"Created unit {unit.name} ({args.size}, seed {args.seed}).")
    return 0


def cmd_delete(args, ctx) -> int:
    unit = ctx.units.get_unit(args.name)
    if not args.yes:
        raise ConfirmationRequired(f"Deleting unit {unit.name!r} needs --yes.")
    with ctx.units.write() as conn:
        ctx.units.delete_unit(conn, unit.id)
    print(f"Deleted unit {unit.name}.", file=sys.stderr)
    return 0


def cmd_digest(args, ctx) -> int:
    from core.unit.digest import unit_digest

    unit = ctx.units.get_unit(args.name)
    sys.stdout.write(unit_digest(ctx.units, unit.id) + "\n")
    return 0


_ = argparse
