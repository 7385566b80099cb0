"""``unitvault mode ...`` (admin- or user-configured backups, backups.env) and ``unitvault plan ...``."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table

COMMANDS = ("mode", "plan")


def register(sub) -> None:
    p = sub.add_parser("mode", help="who configures backups: the admin (backups.env) or each user",
                       description="admin-configured: the admin's backups.env in the home is the backup "
                                   "configuration; users cannot configure, start or restore backups. "
                                   "user-configured: the users of accounts whose plan enables the Backups module "
                                   "choose their own destination, schedule, items and limits.")
    s = p.add_subparsers(dest="mode_command", metavar="ACTION", required=True)
    q = s.add_parser("show", help="the mode, backups.env's state, and the plans")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)
    q = s.add_parser("set", help="switch the mode")
    q.add_argument("mode", choices=("admin-configured", "user-configured"))
    q.add_argument("--reason", metavar="TEXT", help="why (kept in the audit log)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_set)
    q = s.add_parser("env", help="check backups.env (every problem with its line number)")
    q.add_argument("--template", action="store_true", help="print a commented backups.env to start from")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_env)
    q = s.add_parser("apply", help="put backups.env in use now (the scheduler also does at each run)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_apply)

    p = sub.add_parser("plan", help="plans: named feature sets assigned to accounts (the Backups module)")
    s = p.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    q = s.add_parser("list", help="list plans")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_plan_list)
    for name, text in (("add", "add a plan"), ("edit", "change a plan")):
        q = s.add_parser(name, help=text)
        q.add_argument("name")
        g = q.add_mutually_exclusive_group()
        g.add_argument("--backups", action="store_true", help="enable the Backups module (user-configured mode)")
        g.add_argument("--no-backups", action="store_true", help="disable it")
        q.set_defaults(func=cmd_plan_add if name == "add" else cmd_plan_edit)
    q = s.add_parser("remove", help="remove a plan (its accounts keep no plan)")
    q.add_argument("name")
    q.set_defaults(func=cmd_plan_remove)
    q = s.add_parser("assign", help="give an account a plan")
    q.add_argument("account")
    q.add_argument("plan", nargs="?", help="the plan (omit with --none)")
    q.add_argument("--none", action="store_true", help="the account has no plan")
    q.set_defaults(func=cmd_plan_assign)


def _print_env(check) -> None:
    if not check.exists:
        print(f"backups.env: none ({check.path}).")
        return
    if check.problems:
        print(f"backups.env: {len(check.problems)} problem{'s' if len(check.problems) != 1 else ''} ({check.path}):")
        for problem in check.problems:
            print(f"  {problem}")
        return
    c = check.config
    keep = ", ".join(f"{k} {v}" for k, v in (("last", c.keep_last), ("daily", c.keep_daily), ("weekly", c.keep_weekly),
                                             ("monthly", c.keep_monthly)) if v)
    print(f"backups.env: {'enabled' if c.enabled else 'disabled'}, {c.schedule}"
          f"{' (' + c.timezone + ')' if c.timezone else ''} to {c.destination}: {','.join(c.items)} of accounts "
          f"{c.accounts}; keep {keep}")


def cmd_show(args, ctx) -> int:
    from core.app import modes

    info = modes.show_mode(ctx)
    if args.json:
        print_json(info.to_json())
        return 0
    print(f"mode: {info.mode}" + ("" if info.backups_enabled else " (backups are disabled by a setting)"))
    _print_env(info.env)
    if info.plans:
        print("plans: " + ", ".join(f"{p.name} ({'backups' if p.backups else 'no backups'}, {p.accounts} accounts)"
                                    for p in info.plans))
    return 0


def cmd_set(args, ctx) -> int:
    from core.app import modes

    info = modes.set_mode(ctx, modes.SetMode(args.mode, args.reason))
    if args.json:
        print_json(info.to_json())
    else:
        print(f"mode: {info.mode}")
        if info.mode == "admin-configured":
            _print_env(info.env)
    return 0


def cmd_env(args, ctx) -> int:
    from core.app import modes

    if args.template:
        from core.app.modes import env_template

        sys.stdout.write(env_template())
        return 0
    check = modes.show_env(ctx)
    if args.json:
        print_json(check.to_json())
    else:
        _print_env(check)
    return 0 if check.ok or not check.exists else 1


def cmd_apply(args, ctx) -> int:
    from core.app import modes

    applied = modes.apply_env(ctx)
    if args.json:
        print_json(applied.to_json())
    else:
        _print_env(applied.check)
        print("The job backups.env was " + ("updated." if applied.changed else "already up to date."))
    return 0


def cmd_plan_list(args, ctx) -> int:
    from core.app import modes

    plans = modes.list_plans(ctx)
    if args.json:
        print_json([p.as_dict() for p in plans])
    else:
        print_table(["PLAN", "BACKUPS MODULE", "ACCOUNTS"], [[p.name, "on" if p.backups else "off", p.accounts]
                                                             for p in plans])
    return 0


def cmd_plan_add(args, ctx) -> int:
    from core.app import modes

    plan = modes.add_plan(ctx, modes.PlanSpec(args.name, args.backups))
    print(f"Added plan {plan.name} (Backups module {'on' if plan.backups else 'off'}).")
    return 0


def cmd_plan_edit(args, ctx) -> int:
    from core.app import modes

    plan = modes.edit_plan(ctx, modes.PlanSpec(args.name, args.backups and not args.no_backups))
    print(f"Plan {plan.name}: Backups module {'on' if plan.backups else 'off'}.")
    return 0


def cmd_plan_remove(args, ctx) -> int:
    from core.app import modes

    modes.remove_plan(ctx, modes.PlanRef(args.name))
    print(f"Removed plan {args.name}.")
    return 0


def cmd_plan_assign(args, ctx) -> int:
    from core.app import modes
    from core.errors import InvalidInputError

    if bool(args.plan) == bool(args.none):
        raise InvalidInputError("Give a plan, or --none.")
    modes.assign_plan(ctx, modes.AssignPlan(args.account, None if args.none else args.plan))
    print(f"{args.account}: plan {args.plan or '(none)'}.")
    return 0
