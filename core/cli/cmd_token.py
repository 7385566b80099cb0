"""``unitvault token ...``: your backup token (needed to export units and to start backups and downloads)."""

from __future__ import annotations

import sys

from core.cli.output import print_json

COMMANDS = ("token",)


def register(sub) -> None:
    p = sub.add_parser("token", help="your backup token (exports, backups and downloads need it)",
                       description="A backup token is shown once when made; keep it (a password manager, a 0600 file) "
                                   "and give it with --token-file F, --token-stdin or UNITVAULT_BACKUP_TOKEN. Making "
                                   "or resetting one needs your password and emails every admin.")
    s = p.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    for name, text in (("create", "make your backup token (printed once)"),
                       ("reset", "replace your backup token (the old one stops working; printed once)")):
        q = s.add_parser(name, help=text)
        q.add_argument("--json", action="store_true", help="print JSON")
        q.set_defaults(func=cmd_make, reset=name == "reset")
    q = s.add_parser("show", help="whether you have a valid token (never the token)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_show)
    q = s.add_parser("allow-now", help="make a password-less user's waiting token valid now (admins)")
    q.add_argument("username")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_allow_now)


def _when(text: str | None) -> str:
    return text[:16].replace("T", " ") + " UTC" if text else "-"


def cmd_make(args, ctx) -> int:
    from core.app import tokens, users
    from core.cli.passwords import user_password

    me = users.whoami(ctx)
    password = None if me.password_less else user_password(args, prompt="Your password: ")
    make = tokens.reset_token if args.reset else tokens.create_token
    made = make(ctx, tokens.MakeToken(password))
    if args.json:
        print_json(made.to_json())
        return 0
    sys.stdout.write(made.token + "\n")
    st = made.status
    notes = ["This is the only time the token is shown."]
    if st.state == "pending":
        notes.append(f"It becomes valid at {_when(st.valid_from)} (made without a password), unless an admin runs "
                     f"'unitvault token allow-now {st.username}'.")
    if made.notified.recipients:
        notes.append(f"Admins told: {', '.join(made.notified.recipients)}.")
    elif made.notified.problem:
        notes.append(f"Admins could not be emailed: {made.notified.problem}")
    sys.stderr.write("\n".join(notes) + "\n")
    return 0


def _print_status(st) -> None:
    if st.state == "none":
        print(f"{st.username} has no backup token.")
    elif st.state == "pending":
        print(f"{st.username}'s backup token becomes valid at {_when(st.valid_from)}.")
    else:
        print(f"{st.username}'s backup token is valid (made {_when(st.created_at)}).")


def cmd_show(args, ctx) -> int:
    from core.app import tokens

    st = tokens.token_status(ctx)
    print_json(st.to_json()) if args.json else _print_status(st)
    return 0


def cmd_allow_now(args, ctx) -> int:
    from core.app import tokens

    st = tokens.allow_now(ctx, tokens.AllowNow(args.username))
    print_json(st.to_json()) if args.json else _print_status(st)
    return 0
