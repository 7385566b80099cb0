"""``unitvault destination ...``: add, list, test, remove, scan.

Configs live in the catalog; the one secret a destination may have (the S3 secret access key, or
the passphrase of an SFTP key) lives in the secrets store and is read from a file, stdin or a
prompt, never from the command line.
"""

from __future__ import annotations

import os
import re
import sys

from core.errors import ConfirmationRequired, InvalidInputError

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)(?:i?B)?(?:/s)?\s*$")


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

    q = s.add_parser("scan", help="rediscover every account and backup stored at a destination")
    q.add_argument("name")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_scan)


# --- helpers -----------------------------------------------------------------------------------------
def parse_rate(text: str) -> int:
    m = _RATE.match(text or "")
    if not m:
        raise InvalidInputError(f"Invalid bandwidth limit {text!r}.", hint="Use bytes per second, e.g. 500K or 10M.")
    value = float(m.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[m.group(2).lower()]
    if value < 1:
        raise InvalidInputError("The bandwidth limit must be at least 1 byte per second.")
    return int(value)


_OPTIONS = {
    "local": {"path"},
    "sftp": {"path", "host", "port", "user", "key_file", "known_hosts", "host_key"},
    "s3": {"endpoint", "bucket", "prefix", "region", "access_key_id"},
}


def _read_secret(args, *, required: bool, prompt: str) -> bytes | None:
    from core.cli.passwords import read_secret_file, strip_one_newline
    from core.logsetup import register_secret

    if args.secret_file:
        value = read_secret_file(args.secret_file, what="secret")
    elif args.secret_stdin:
        value = strip_one_newline(sys.stdin.readline())
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


def _existing_file(path: str, what: str) -> str:
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(full):
        raise InvalidInputError(f"The {what} {full} does not exist.")
    return full


def build_params(args) -> dict:
    """The destination's params from the options (validated, paths made absolute), without I/O."""
    given = {k for k in ("path", "host", "port", "user", "key_file", "known_hosts", "host_key", "endpoint",
                         "bucket", "prefix", "region", "access_key_id") if getattr(args, k) not in (None, "")}
    stray = sorted(given - _OPTIONS[args.type])
    if stray:
        names = ", ".join("--" + s.replace("_", "-") for s in stray)
        raise InvalidInputError(f"{names} cannot be used with --type {args.type}.")
    params: dict = {}
    if args.type == "local":
        if not args.path:
            raise InvalidInputError("A local destination needs --path.")
        params["path"] = os.path.abspath(os.path.expanduser(args.path))
    elif args.type == "sftp":
        for opt in ("host", "user", "key_file"):
            if not getattr(args, opt):
                raise InvalidInputError(f"An sftp destination needs --{opt.replace('_', '-')}.")
        if args.known_hosts and args.host_key:
            raise InvalidInputError("Give either --known-hosts or --host-key, not both.")
        params.update(host=args.host, port=args.port or 22, user=args.user,
                      key_file=_existing_file(args.key_file, "key file"))
        if args.host_key:
            params["host_key"] = " ".join(args.host_key.split()[:2])
        else:
            params["known_hosts"] = _existing_file(args.known_hosts or "~/.ssh/known_hosts", "known_hosts file")
        if args.path:
            params["path"] = args.path
    else:
        for opt in ("bucket", "access_key_id"):
            if not getattr(args, opt):
                raise InvalidInputError(f"An s3 destination needs --{opt.replace('_', '-')}.")
        params.update(bucket=args.bucket, access_key_id=args.access_key_id, prefix=(args.prefix or "").strip("/"),
                      region=args.region or "us-east-1")
        if args.endpoint:
            params["endpoint"] = args.endpoint
    if args.bandwidth_limit:
        params["bandwidth_limit"] = parse_rate(args.bandwidth_limit)
    return params


def config_json(config, secrets=None) -> dict:
    from core.destinations import describe, secret_name

    data = {"name": config.name, "type": config.type, "location": describe(config), "params": dict(config.params)}
    if secrets is not None:
        data["has_secret"] = secrets.get(secret_name(config.name)) is not None
    return data


# --- commands ----------------------------------------------------------------------------------------
def cmd_add(args, ctx) -> int:
    from core.catalog import check_destination_name
    from core.cli.output import print_json
    from core.destinations import DestinationConfig, check_config, describe, secret_name
    from core.errors import AlreadyExistsError

    check_destination_name(args.name)
    params = build_params(args)
    config = check_config(DestinationConfig(args.name, args.type, params))
    catalog = ctx.catalog
    if catalog.destinations.find(args.name) is not None:
        raise AlreadyExistsError(f"A destination named {args.name!r} already exists.",
                                 hint="Remove it first, or choose another name.")
    secret = None
    if args.type == "s3":
        secret = _read_secret(args, required=True, prompt="Secret access key: ")
    elif args.type == "sftp":
        secret = _read_secret(args, required=False, prompt="")
    elif args.secret_file or args.secret_stdin:
        raise InvalidInputError("A local destination has no secret.")
    if args.type == "local":
        try:
            os.makedirs(params["path"], mode=0o700, exist_ok=True)
        except FileExistsError:
            raise InvalidInputError(f"{params['path']} exists and is not a folder.") from None
        except OSError as exc:
            raise InvalidInputError(f"Cannot create the folder {params['path']}: {exc.strerror}.") from None
    name = secret_name(args.name)
    if secret:
        ctx.secrets.set(name, secret)
    try:
        catalog.destinations.add(config)
    except BaseException:
        if secret:
            ctx.secrets.delete(name)
        raise
    if args.json:
        print_json(config_json(config, ctx.secrets))
    else:
        print(f"Added destination {args.name} ({args.type}, {describe(config)}).")
        print(f"Check it with: unitvault destination test {args.name}", file=sys.stderr)
    return 0


def cmd_list(args, ctx) -> int:
    from core.cli.output import print_json, print_table
    from core.destinations import describe

    configs = ctx.catalog.destinations.list()
    if args.json:
        print_json([config_json(c, ctx.secrets) for c in configs])
    elif not configs:
        print("No destinations yet. Add one with: unitvault destination add NAME --type local --path DIR")
    else:
        print_table(["NAME", "TYPE", "LOCATION"], [[c.name, c.type, describe(c)] for c in configs])
    return 0


def cmd_test(args, ctx) -> int:
    from core.cli.output import print_json
    from core.destinations import open_destination, test_destination

    if not 0 < args.size <= 1024:
        raise InvalidInputError("The probe size must be between 0 and 1024 MiB.")
    config = ctx.catalog.destinations.get(args.name)
    dest = open_destination(config, ctx.secrets, retries=2)
    try:
        result = test_destination(dest, size=max(1, int(args.size * 1024 * 1024)))
    finally:
        dest.close()
    if args.json:
        print_json({"name": config.name, "ok": True, "latency_ms": round(result.latency_s * 1000, 3),
                    "write_mib_s": round(result.write_mib_s, 2), "read_mib_s": round(result.read_mib_s, 2),
                    "probe_bytes": result.size})
    else:
        print(f"{config.name}: OK  latency {result.latency_s * 1000:.1f} ms  "
              f"write {result.write_mib_s:.1f} MiB/s  read {result.read_mib_s:.1f} MiB/s  "
              f"(probe {result.size / 1048576:g} MiB)")
    return 0


def cmd_remove(args, ctx) -> int:
    from core.destinations import secret_name

    config = ctx.catalog.destinations.get(args.name)
    if not args.yes:
        raise ConfirmationRequired(f"Removing destination {config.name!r} needs --yes.",
                                   hint="The backups stored there stay; only this installation forgets them.")
    with ctx.catalog.write() as c:
        ctx.catalog.destinations.remove(config.name, conn=c)
        ctx.catalog.backups.forget_destination(config.name, conn=c)
        ctx.catalog.blobs.forget_destination(config.name, conn=c)
    ctx.secrets.delete(secret_name(config.name))
    print(f"Removed destination {config.name}; the backups stored there were left in place.", file=sys.stderr)
    return 0


def cmd_scan(args, ctx) -> int:
    from core.cli.output import print_json

    ctx.catalog.destinations.get(args.name)
    from core.accounts.scan import scan_destination

    result = scan_destination(ctx, args.name)
    data = _plain(result)
    if args.json:
        print_json(data)
    elif isinstance(data, dict):
        print(f"Scanned destination {args.name}:")
        for key, value in data.items():
            key = key.replace("_", " ")
            if isinstance(value, list):
                print(f"  {key}: {len(value)}")
                for item in value[:50]:
                    print(f"    {_one_line(item)}")
                if len(value) > 50:
                    print(f"    ... and {len(value) - 50} more")
            else:
                print(f"  {key}: {_one_line(value)}")
    else:
        print(f"Scanned destination {args.name}: {_one_line(data)}")
    return 0


def _plain(value):
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "as_dict"):
            return _plain(value.as_dict())
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "as_dict") and callable(value.as_dict):
        return _plain(value.as_dict())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _one_line(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)
