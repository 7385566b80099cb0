"""``unitvault notify ...``: the SMTP server for emails, a test message, and each account's choice."""

from __future__ import annotations

from core.cli.output import print_json

COMMANDS = ("notify",)


def register(sub) -> None:
    p = sub.add_parser("notify", help="email notifications: the SMTP server, a test, each account's choice",
                       description="Admins are emailed whenever a backup token is made or reset; an account's address "
                                   "gets its backup and restore outcomes (all, failures or none).")
    s = p.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    q = s.add_parser("smtp", help="show or change the SMTP settings",
                     description="With no option, show them. The login's password comes from --password-file F or "
                                 "--password-stdin and goes to the secrets store.")
    q.add_argument("--host", metavar="H", help="the server ('' clears it: no mail is sent)")
    q.add_argument("--port", type=int, metavar="N", help="default 587 (starttls), 465 (tls), 25 (none)")
    q.add_argument("--security", choices=("starttls", "tls", "none"))
    q.add_argument("--username", metavar="U", help="log in as U ('' for no login)")
    q.add_argument("--sender", metavar="ADDR", help="the From address")
    q.add_argument("--ca-file", metavar="F", help="trust the CAs in F for this server ('' clears it)")
    src = q.add_mutually_exclusive_group()
    src.add_argument("--password-file", metavar="F", help="the login's password, from file F")
    src.add_argument("--password-stdin", action="store_true", help="the login's password, from standard input")
    src.add_argument("--clear-password", action="store_true", help="forget the login's password")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_smtp)
    q = s.add_parser("test", help="send a test message now (default: to every admin with an address)")
    q.add_argument("--to", action="append", default=[], metavar="ADDR")
    q.set_defaults(func=cmd_test)
    q = s.add_parser("account", help="which backup and restore outcomes an account's address gets")
    q.add_argument("account")
    q.add_argument("choice", choices=("all", "failures", "none"))
    q.set_defaults(func=cmd_account)


def cmd_smtp(args, ctx) -> int:
    from core.app import notify
    from core.cli.passwords import read_stdin_secret, secret_from_file

    changes = [args.host, args.port, args.security, args.username, args.sender, args.ca_file]
    password = None
    if args.password_file:
        password = secret_from_file(args.password_file, "SMTP password")
    elif args.password_stdin:
        password = read_stdin_secret()
    if any(v is not None for v in changes) or password or args.clear_password:
        shown = notify.set_smtp(ctx, notify.SetSmtp(args.host, args.port, args.security, args.username, args.sender,
                                                    args.ca_file, password, args.clear_password))
    else:
        shown = notify.show_smtp(ctx)
    if args.json:
        print_json(shown)
    elif not shown["configured"]:
        print("No mail server: nothing is emailed.")
    else:
        print(f"{shown['host']}:{shown['port']} ({shown['security']}), from {shown['sender']}"
              + (f", login {shown['username']} (password {'set' if shown['password_set'] else 'missing'})"
                 if shown["username"] else ", no login"))
    return 0


def cmd_test(args, ctx) -> int:
    from core.app import notify

    sent = notify.test_mail(ctx, notify.TestMail(tuple(args.to)))
    print(f"Sent to {', '.join(sent.recipients)}.")
    return 0


def cmd_account(args, ctx) -> int:
    from core.app import modes

    got = modes.set_account_notify(ctx, modes.AccountNotify(args.account, args.choice))
    print(f"{args.account}: emails {got.notify}.")
    return 0
