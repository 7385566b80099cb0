"""``unitvault user ...`` and ``unitvault session ...``: users and roles, one's own password, CLI sessions."""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table

COMMANDS = ("user", "session")


def register(sub) -> None:
    p = sub.add_parser("user", help="users and their roles (admin, helpdesk, user)",
                       description="Users of this installation. Once one exists, everyone signs in (global --user). "
                                   "The first user must be an admin. Passwords are never given on the command line.")
    s = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    q = s.add_parser("add", help="add a user")
    q.add_argument("username")
    q.add_argument("--role", required=True, choices=("admin", "helpdesk", "user"))
    src = q.add_mutually_exclusive_group()
    src.add_argument("--password-file", metavar="F", help="the new user's password, from file F (default: asked twice)")
    src.add_argument("--password-less", action="store_true",
                     help="no password: signed in by the operating system's login of the same name")
    q.add_argument("--email", metavar="ADDR", default="", help="where the user's notifications go (admins: token mails)")
    q.add_argument("--account", action="append", default=[], metavar="USERNAME",
                   help="an account the user owns (role user; repeatable)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_add)

    q = s.add_parser("list", help="list users")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("edit", help="change a user's role, email, accounts or password")
    q.add_argument("username")
    q.add_argument("--role", choices=("admin", "helpdesk", "user"))
    q.add_argument("--email", metavar="ADDR")
    acc = q.add_mutually_exclusive_group()
    acc.add_argument("--account", action="append", metavar="USERNAME", help="the accounts the user owns (replaces them)")
    acc.add_argument("--no-accounts", action="store_true", help="the user owns no account")
    src = q.add_mutually_exclusive_group()
    src.add_argument("--password-file", metavar="F", help="set a new password from file F")
    src.add_argument("--new-password", action="store_true", help="set a new password, asked twice")
    src.add_argument("--password-less", action="store_true", help="remove the password (OS login)")
    q.add_argument("--reason", metavar="TEXT", help="why (a new password discards the user's own backup settings)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_edit)

    q = s.add_parser("remove", help="remove a user")
    q.add_argument("username")
    q.add_argument("--yes", action="store_true", help="confirm")
    q.set_defaults(func=cmd_remove)

    q = s.add_parser("whoami", help="who this command runs as")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_whoami)

    q = s.add_parser("password", help="change your own password (the current one from --user-password-file, "
                                      "UNITVAULT_USER_PASSWORD or a prompt)")
    q.add_argument("--new-password-file", metavar="F", help="the new password, from file F (default: asked twice)")
    q.set_defaults(func=cmd_password)

    p = sub.add_parser("session", help="sign in once for later commands in this home",
                       description="'unitvault --user USERNAME session start' keeps you signed in (a private file in "
                                   "the home) until 'session end' or the session's end. A session never holds your "
                                   "password: your own backups still ask for it.")
    s = p.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    q = s.add_parser("start", help="start a session for the signed-in user")
    q.set_defaults(func=cmd_session_start)
    q = s.add_parser("end", help="end this home's session")
    q.set_defaults(func=cmd_session_end)
    q = s.add_parser("show", help="who is signed in here, and how")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_session_show)


def _user_json(u, names=None) -> dict:
    return u.as_dict(names)


def _accounts_text(u, names) -> str:
    return ",".join(names.get(a, a) for a in u.accounts) or "-"


def cmd_add(args, ctx) -> int:
    from core.app import users
    from core.cli.passwords import new_password

    password = None if args.password_less else new_password(args, "password_file", "the new user's password")
    user = users.add_user(ctx, users.AddUser(args.username, args.role, password, args.password_less, args.email,
                                             tuple(args.account)))
    if args.json:
        print_json(_user_json(user))
    else:
        print(f"Added {user.role} {user.username}" + (" (password-less)." if user.password_less else "."))
    return 0


def cmd_list(args, ctx) -> int:
    from core.app import users

    listing = users.list_users(ctx)
    if args.json:
        print_json(listing.to_json())
        return 0
    rows = [[u.username, u.role, "OS login" if u.password_less else "password", u.email or "-",
             _accounts_text(u, listing.account_names), listing.tokens.get(u.id, "none")] for u in listing.users]
    print_table(["USER", "ROLE", "SIGN-IN", "EMAIL", "ACCOUNTS", "TOKEN"], rows)
    return 0


def cmd_edit(args, ctx) -> int:
    from core.app import users
    from core.cli.passwords import new_password

    password = None
    if args.password_file or args.new_password:
        password = new_password(args, "password_file", f"{args.username}'s new password")
    accounts = () if args.no_accounts else (tuple(args.account) if args.account else None)
    reason = args.reason
    req = users.EditUser(args.username, role=args.role, email=args.email, accounts=accounts, password=password,
                         password_less=True if args.password_less else None, reason=reason)
    from core.cli.reasons import with_reason

    done = with_reason(lambda r: users.edit_user(ctx, _replace(req, reason=r)), reason)
    if args.json:
        print_json({**_user_json(done.user), "vault_discarded": done.vault_discarded})
    else:
        print(f"Changed {done.user.username} ({done.user.role}).")
        if done.vault_discarded:
            print(f"{done.user.username}'s own backup settings and backup key were discarded (sealed with the old "
                  "password); their own backups can no longer be read.")
    return 0


def _replace(req, **kw):
    import dataclasses

    return dataclasses.replace(req, **kw)


def cmd_remove(args, ctx) -> int:
    from core.app import users

    user = users.remove_user(ctx, users.RemoveUser(args.username, args.yes))
    print(f"Removed {user.role} {user.username}.")
    return 0


def cmd_whoami(args, ctx) -> int:
    from core.app import users

    me = users.whoami(ctx)
    if args.json:
        print_json({"username": me.name, "role": me.role, "accounts": sorted(me.accounts),
                    "backups_module": sorted(me.module_accounts)})
    else:
        print(f"{me.name} ({me.role})")
    return 0


def cmd_password(args, ctx) -> int:
    from core.app import users
    from core.cli.passwords import new_password, user_password

    old = user_password(args, prompt="Current password: ")
    new = new_password(args, "new_password_file", "new password")
    users.change_password(ctx, users.ChangePassword(old, new))
    print("Password changed; your sessions ended.")
    return 0


def cmd_session_start(args, ctx) -> int:
    from core.app import users

    started = users.start_session(ctx)
    print(f"Signed in as {started.username} until {started.expires_at[:16].replace('T', ' ')} UTC.")
    return 0


def cmd_session_end(args, ctx) -> int:
    from core.app import users

    print("Session ended." if users.end_session(ctx) else "There was no session.")
    return 0


def cmd_session_show(args, ctx) -> int:
    from core.app import users

    status = users.access_status(ctx)
    if args.json:
        print_json({**status.to_json(), "signed_in": ctx.actor.name if status.governed else None})
        return 0
    if not status.governed:
        print("No users: this installation runs single-user (everyone here is the admin).")
        return 0
    if status.session_user:
        print(f"Session: {status.session_user}.")
    elif status.os_user:
        print(f"Signed in by the OS login: {status.os_user}.")
    else:
        sys.stdout.write("No session. Sign in with --user USERNAME.\n")
    return 0
