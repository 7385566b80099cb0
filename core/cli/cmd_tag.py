"""``unitvault tag ...`` and ``unitvault priority ...``: tags on accounts, and priority groups."""

from __future__ import annotations

from core.cli.output import print_json, print_table

COMMANDS = ("tag", "priority")


def register(sub) -> None:
    p = sub.add_parser("tag", help="tags on accounts (name, colour, priority group)",
                       description="Tags group accounts: every account list filters by them, a job can cover the "
                                   "accounts with a tag, and a tag can carry a priority group for the queue.")
    s = p.add_subparsers(dest="tag_command", metavar="ACTION", required=True)
    q = s.add_parser("add", help="add a tag")
    q.add_argument("name")
    colour = q.add_mutually_exclusive_group()
    colour.add_argument("--color", metavar="#RRGGBB")
    colour.add_argument("--random-color", action="store_true", help="a random readable colour (the default)")
    q.add_argument("--priority", metavar="GROUP", help="priority group of the queued work of its accounts")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_add)
    q = s.add_parser("list", help="list tags")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)
    q = s.add_parser("edit", help="change a tag")
    q.add_argument("name")
    q.add_argument("--rename", metavar="NEW")
    colour = q.add_mutually_exclusive_group()
    colour.add_argument("--color", metavar="#RRGGBB")
    colour.add_argument("--random-color", action="store_true")
    prio = q.add_mutually_exclusive_group()
    prio.add_argument("--priority", metavar="GROUP")
    prio.add_argument("--no-priority", action="store_true", help="the tag carries no priority group")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_edit)
    q = s.add_parser("remove", help="remove a tag (from every account)")
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)
    for verb in ("assign", "unassign"):
        q = s.add_parser(verb, help=f"{verb} a tag {'to' if verb == 'assign' else 'from'} accounts")
        q.add_argument("name")
        q.add_argument("usernames", nargs="+", metavar="USERNAME")
        q.set_defaults(func=cmd_assign, assign=verb == "assign")

    p = sub.add_parser("priority", help="priority groups of the queue (lower runs first)",
                       description="Queued work runs by priority value (lower first), first come first served within "
                                   "a value. An item's group: the account's own, else the best of its tags', else "
                                   "its kind's (restore, backup, download).")
    s = p.add_subparsers(dest="priority_command", metavar="ACTION", required=True)
    q = s.add_parser("list", help="list priority groups and each kind's group")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_priority_list)
    q = s.add_parser("set", help="add a group or change its value")
    q.add_argument("name")
    q.add_argument("value", type=int, help="0 runs first, 1000 last")
    q.set_defaults(func=cmd_priority_set)
    q = s.add_parser("remove", help="remove a group that nothing uses")
    q.add_argument("name")
    q.set_defaults(func=cmd_priority_remove)
    q = s.add_parser("kind", help="the group a kind of work runs in")
    q.add_argument("kind", choices=("backup", "restore", "download"))
    q.add_argument("group")
    q.set_defaults(func=cmd_priority_kind)


def _show(tag) -> None:
    prio = f", priority {tag.priority_group}" if tag.priority_group else ""
    print(f"Tag {tag.name} ({tag.color}{prio}), {tag.accounts} account{'s' if tag.accounts != 1 else ''}.")


def cmd_add(args, ctx) -> int:
    from core.app import tags

    tag = tags.add_tag(ctx, tags.AddTag(args.name, args.color, args.priority))
    if args.json:
        print_json(tag.as_dict())
    else:
        _show(tag)
    return 0


def cmd_list(args, ctx) -> int:
    from core.app import tags

    items = tags.list_tags(ctx)
    if args.json:
        print_json([t.as_dict() for t in items])
    elif not items:
        print("No tags yet. Add one with: unitvault tag add NAME")
    else:
        print_table(["NAME", "COLOR", "PRIORITY", "ACCOUNTS"],
                    [[t.name, t.color, t.priority_group or "-", t.accounts] for t in items])
    return 0


def cmd_edit(args, ctx) -> int:
    from core.app import tags

    group = None if args.no_priority else (args.priority if args.priority else tags.UNCHANGED)
    tag = tags.edit_tag(ctx, tags.EditTag(args.name, rename=args.rename, color=args.color,
                                          random_color=args.random_color, priority_group=group))
    if args.json:
        print_json(tag.as_dict())
    else:
        _show(tag)
    return 0


def cmd_remove(args, ctx) -> int:
    from core.app import tags

    tags.remove_tag(ctx, tags.TagRef(args.name))
    print(f"Removed tag {args.name}.")
    return 0


def cmd_assign(args, ctx) -> int:
    from core.app import tags

    for name in args.usernames:
        changed = tags.assign_tag(ctx, tags.TagAccount(args.name, name, assign=args.assign))
        verb = ("Tagged" if args.assign else "Untagged") if changed else "Unchanged:"
        print(f"{verb} {name} {'with' if args.assign else 'from'} {args.name}.")
    return 0


def cmd_priority_list(args, ctx) -> int:
    from core.app import tags

    data = tags.list_priorities(ctx)
    if args.json:
        print_json({"groups": [g.as_dict() for g in data["groups"]], "kinds": data["kinds"]})
        return 0
    print_table(["GROUP", "VALUE", "KINDS"], [[g.name, g.value, ",".join(sorted(k for k, v in data["kinds"].items()
                                                                                if v == g.name)) or "-"]
                                              for g in data["groups"]])
    return 0


def cmd_priority_set(args, ctx) -> int:
    from core.app import tags

    g = tags.set_priority(ctx, tags.SetPriority(args.name, args.value))
    print(f"Priority group {g.name}: {g.value}.")
    return 0


def cmd_priority_remove(args, ctx) -> int:
    from core.app import tags

    tags.set_priority(ctx, tags.SetPriority(args.name, remove=True))
    print(f"Removed priority group {args.name}.")
    return 0


def cmd_priority_kind(args, ctx) -> int:
    from core.app import tags

    tags.set_kind_priority(ctx, tags.SetKindPriority(args.kind, args.group))
    print(f"{args.kind.title()} work runs in {args.group}.")
    return 0
