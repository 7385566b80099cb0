"""``unitvault destination ...``: add, list, test, remove, scan.

Configs live in the catalog; the one secret a destination may have (the S3 secret access key, or
the passphrase of an SFTP key) lives in the secrets store and is read from a file, stdin or a
prompt, never from the command line.
"""

from __future__ import annotations

import sys

from core.cli.output import print_json, print_table, progress
from core.errors import InvalidInputError

COMMANDS = ("destination",)


def register(sub) -> None:
    p = sub.add_parser("destination", help="add, list, test and remove backup destinations",
                       description="Places where account backups are stored: a local folder, an SFTP server "
                                   "or an S3 bucket. Secrets are never given on the command line.")
    s = p.add_subparsers(dest="destination_command", metavar="ACTION", required=True)

    q = s.add_parser("add", help="add a destination",
                     description="Add a destination. local: --path; sftp: --host --user --key-file "
                                 "[--port] [--known-hosts F | --host-key KEY] [--path]; s3: --bucket "
                                 "--access-key-id [--endpoint] [--prefix] [--region], secret via "
                                 "--secret-file, --secret-stdin or a prompt.")
    q.add_argument("name")
    q.add_argument("--type", required=True, choices=("local", "sftp", "s3"))
    q.add_argument("--path", metavar="DIR", help="local: the folder (created if missing); sftp: the remote folder "
                                                  "(default: the login directory)")
    g = q.add_argument_group("sftp")
    g.add_argument("--host", metavar="H")
    g.add_argument("--port", metavar="N", type=int)
    g.add_argument("--user", metavar="U")
    g.add_argument("--key-file", metavar="F", help="private key used to log in")
    g.add_argument("--known-hosts", metavar="F", help="known_hosts file listing the server's key "
                                                      "(default: ~/.ssh/known_hosts)")
    g.add_argument("--host-key", metavar="KEY", help="pin the server's public key instead: 'TYPE BASE64'")
    g = q.add_argument_group("s3")
    g.add_argument("--endpoint", metavar="URL", help="S3-compatible endpoint (default: AWS)")
    g.add_argument("--bucket", metavar="B")
    g.add_argument("--prefix", metavar="P", help="folder inside the bucket")
    g.add_argument("--region", metavar="R")
    g.add_argument("--access-key-id", metavar="ID")
    g = q.add_argument_group("secret (S3 secret access key, or SFTP key passphrase; never on the command line)")
    src = g.add_mutually_exclusive_group()
    src.add_argument("--secret-file", metavar="F", help="read the secret from file F (one trailing newline stripped)")
    src.add_argument("--secret-stdin", action="store_true", help="read the secret from standard input")
    q.add_argument("--bandwidth-limit", metavar="RATE", help="average limit in bytes/s, e.g. 500K or 10M")
    q.add_argument("--no-check", action="store_true",
                   help="save it without connecting first (by default the host key, credentials and a small "
                        "write are checked before saving)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_add)

    q = s.add_parser("list", help="list destinations")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_list)

    q = s.add_parser("test", help="write, read back and delete a probe; print latency and throughput")
    q.add_argument("name")
    q.add_argument("--size", metavar="MIB", type=float, default=4.0, help="probe size in MiB (default 4)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_test)

    q = s.add_parser("remove", help="forget a destination (the backups stored there stay)")
    q.add_argument("name")
    q.add_argument("--yes", action="store_true", help="confirm")
    q.set_defaults(func=cmd_remove)

    q = s.add_parser("scan", help="rediscover every account and backup stored at a destination",
                     description="Rediscover every account and backup stored at a destination. A backup whose "
                                 "header no key here can check is listed as unverified until it first opens.")
    q.add_argument("name")
    q.add_argument("--recovery-key", metavar="FILE", help="the organisation's recovery key: check app-held backups "
                                                            "this installation holds no key for")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_scan)


def _read_secret(args, *, required: bool, prompt: str) -> bytes | None:
    from core.cli.passwords import read_stdin_secret, secret_from_file
    from core.logsetup import register_secret

    if args.secret_file:
        value = secret_from_file(args.secret_file, what="secret")
    elif args.secret_stdin:
        value = read_stdin_secret()
    elif required and sys.stdin.isatty():
        import getpass

        value = getpass.getpass(prompt)
    elif required:
        raise InvalidInputError("No secret given.", hint="Use --secret-file F or --secret-stdin.")
    else:
        return None
    if required and not value:
        raise InvalidInputError("The secret is empty.")
    register_secret(value)
    return value.encode() if value else None


# --- commands ----------------------------------------------------------------------------------------
def cmd_add(args, ctx) -> int:
    from core.app import destinations

    secret = None
    if args.type == "s3":
        secret = _read_secret(args, required=True, prompt="Secret access key: ")
    elif args.type == "sftp" or args.secret_file or args.secret_stdin:
        secret = _read_secret(args, required=False, prompt="")
    info = destinations.add_destination(ctx, destinations.AddDestination(
        args.name, args.type, path=args.path, host=args.host, port=args.port, user=args.user, key_file=args.key_file,
        known_hosts=args.known_hosts, host_key=args.host_key, endpoint=args.endpoint, bucket=args.bucket,
        prefix=args.prefix, region=args.region, access_key_id=args.access_key_id,
        bandwidth_limit=args.bandwidth_limit, secret=secret, check=not args.no_check))
    if args.json:
        print_json(info.to_json())
    else:
        print(f"Added destination {info.name} ({info.config.type}, {info.location}).")
        print(f"Check it with: unitvault destination test {info.name}", file=sys.stderr)
    return 0


def cmd_list(args, ctx) -> int:
    from core.app import destinations

    items = destinations.list_destinations(ctx)
    if args.json:
        print_json([d.to_json() for d in items])
    elif not items:
        print("No destinations yet. Add one with: unitvault destination add NAME --type local --path DIR")
    else:
        print_table(["NAME", "TYPE", "LOCATION"], [[d.name, d.config.type, d.location] for d in items])
    return 0


def cmd_test(args, ctx) -> int:
    from core.app import destinations

    r = destinations.probe_destination(ctx, destinations.ProbeDestination(args.name, args.size))
    if args.json:
        print_json(r.to_json())
    else:
        print(f"{r.name}: OK  latency {r.latency_s * 1000:.1f} ms  write {r.write_mib_s:.1f} MiB/s  "
              f"read {r.read_mib_s:.1f} MiB/s  (probe {r.probe_bytes / 1048576:g} MiB)")
    return 0


def cmd_remove(args, ctx) -> int:
    from core.app import destinations

    config = destinations.remove_destination(ctx, destinations.RemoveDestination(args.name, confirmed=args.yes))
    print(f"Removed destination {config.name}; the backups stored there were left in place.", file=sys.stderr)
    return 0


def cmd_scan(args, ctx) -> int:
    from core.app import destinations

    with progress() as reporter:
        r = destinations.scan_destination(ctx, destinations.ScanDestination(args.name, args.recovery_key),
                                          reporter=reporter)
    data = {"destination": r.destination, "accounts": list(r.accounts), "unknown_accounts": list(r.unknown_accounts),
            "backups_found": r.backups_found, "backups_added": r.backups_added, "unverified": r.unverified,
            "lost": list(r.lost), "problems": list(r.problems)}
    if args.json:
        print_json(data)
        return 0
    print(f"Scanned destination {r.destination}:")
    print(f"  accounts: {len(r.accounts)} ({len(r.unknown_accounts)} not in the catalog)")
    for acc in r.unknown_accounts[:50]:
        print(f"    unknown account {acc}")
    print(f"  backups found: {r.backups_found}")
    print(f"  backups added: {r.backups_added}" + (f" ({r.unverified} unverified: no key here checks their "
                                                   "header yet)" if r.unverified else ""))
    for lost in r.lost[:50]:
        print(f"  lost: backup {lost} is indexed here but gone from the destination (marked missing)")
    for p in r.problems[:50]:
        print(f"  problem: {p}")
    return 0
