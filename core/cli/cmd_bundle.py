"""``unitvault export``, ``inspect``, ``kdf`` and ``recovery-key``: the bundle commands."""

from __future__ import annotations

import sys

from core.cli.output import print_json, progress
from core.cli.passwords import add_password_options, add_token_options

COMMANDS = ("export", "inspect", "kdf", "recovery-key")


def register(sub) -> None:
    p = sub.add_parser(
        "export", help="export units into encrypted bundles (.uvault)",
        description="Export one unit to --out FILE, or several units to --out-dir DIR (one bundle each, "
                    "each with its own salt and key). A failing unit does not stop the others; the exit "
                    "code is then 1. The password is asked twice unless a password option is given.")
    p.add_argument("units", nargs="+", metavar="UNIT")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE", help="the bundle to write (one unit)")
    where.add_argument("--out-dir", metavar="DIR", help="write one bundle per unit into DIR")
    p.add_argument("--name-template", metavar="T", default=None,
                   help="file names in --out-dir (default {unit}-{date}-{time}.uvault)")
    p.add_argument("--force", action="store_true", help="replace existing files")
    p.add_argument("--no-recovery", action="store_true", help="do not add the configured recovery key's slot")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(p)
    add_token_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "inspect", help="check a bundle and show what it holds",
        description="Without a password source, read the header only (never prompts). With one, "
                    "authenticate every chunk, check the manifest against the data and validate every record.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_password_options(p, recovery=True)
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("kdf", help="key-derivation settings for new bundles")
    s = p.add_subparsers(dest="kdf_command", metavar="ACTION", required=True)
    q = s.add_parser("calibrate", help="measure this machine and store Argon2id parameters (about 0.5-1 s)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_kdf_calibrate)
    q = s.add_parser("show", help="show the parameters exports use")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_kdf_show)
    q = s.add_parser("reset", help="forget calibrated parameters (back to the spec default)")
    q.set_defaults(func=cmd_kdf_reset)

    p = sub.add_parser("recovery-key", help="the organisation's recovery key for lost bundle passwords")
    s = p.add_subparsers(dest="recovery_command", metavar="ACTION", required=True)
    q = s.add_parser("create", help="write recovery.key, recovery.pub and a printable recovery-kit.html",
                     description="Create a recovery key pair in DIR. The private key is never stored by the app: "
                                 "print the kit, keep it safe, and delete recovery.key where it is not needed.")
    q.add_argument("--out", metavar="DIR", required=True)
    q.add_argument("--force", action="store_true", help="replace existing files in DIR")
    q.add_argument("--use", action="store_true", help="also configure the new public key for exports")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_recovery_create)
    q = s.add_parser("use", help="configure exports to add a recovery slot for PUBLIC_KEY_FILE")
    q.add_argument("public_key_file", metavar="PUBLIC_KEY_FILE")
    q.set_defaults(func=cmd_recovery_use)
    q = s.add_parser("show", help="show the configured recovery public key")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_recovery_show)
    q = s.add_parser("clear", help="stop adding a recovery slot to new exports")
    q.set_defaults(func=cmd_recovery_clear)


def _warn(text: str) -> None:
    sys.stderr.write(f"unitvault: warning: {text}\n")


def cmd_export(args, ctx) -> int:
    from pathlib import Path

    from core.app import bundles
    from core.cli.passwords import get_password, use_token

    use_token(args, ctx)
    target = bundles.ExportTarget(tuple(args.units), Path(args.out or args.out_dir), folder=bool(args.out_dir),
                                  name_template=args.name_template, overwrite=args.force)
    bundles.check_export(ctx, target)            # refuse before asking for a password
    password = get_password(args, confirm=True)
    feedback = bundles.password_feedback(password)
    if feedback.weak:
        _warn(f"weak password. {feedback.advice}")
    with progress() as reporter:
        result = bundles.export_units(ctx, bundles.ExportUnits(target, password, recovery=not args.no_recovery),
                                      reporter=reporter)
    if args.json:
        print_json(result.to_json())
    else:
        for w in result.written:
            records = sum(v for k, v in w.counts.items() if k != "applications")
            print(f"Wrote {w.path} ({w.size:,} bytes, {records:,} records).")
    from core.cli.hints import cli_hint

    for name, exc in result.failed:
        hint = cli_hint(exc)
        sys.stderr.write(f"unitvault: error: {name}: {exc.message}{' ' + hint if hint else ''}\n")
    return 0 if result.ok else 1


def cmd_inspect(args, ctx) -> int:
    from core.app import bundles
    from core.cli.passwords import get_password, has_password_source

    if getattr(args, "recovery_key", None):
        key = bundles.BundleKey(recovery_key_file=args.recovery_key)
    elif has_password_source(args):
        key = bundles.BundleKey(get_password(args, check_floor=False))
    else:
        key = bundles.BundleKey()
    with progress() as reporter:
        found = bundles.inspect_bundle(ctx, bundles.InspectBundle(args.file, key), reporter=reporter)
    if args.json:
        print_json(found.to_json())
        return 0
    _print_header(found.header)
    if found.manifest is None:
        print("Give a password (--password-file, --password-stdin) or --recovery-key to check the content.")
        return 0
    manifest = found.manifest
    print(f"unit            {manifest.unit_name} ({manifest.unit_id})")
    print(f"created         {manifest.created} by Unitvault {manifest.app_version}")
    for k, v in manifest.as_json()["counts"].items():
        print(f"  {k:<14}{v:>9,}")
    print("OK: every chunk authenticates, the manifest matches the data and every record is valid.")
    return 0


def _print_header(header) -> None:
    print(f"format version  {header.format_version}")
    if header.kdf:
        k = header.kdf
        print(f"key derivation  Argon2id, {k.m_kib // 1024} MiB, {k.t} passes, {k.p} lanes")
    print(f"key slots       {', '.join(header.slots)}")
    print(f"file size       {header.file_size:,} bytes")


def _print_kdf(kdf) -> None:
    print(f"Argon2id {kdf.m_kib // 1024} MiB, {kdf.t} passes, {kdf.p} lanes "
          f"({'calibrated' if kdf.calibrated else 'spec default'}).")


def cmd_kdf_calibrate(args, ctx) -> int:
    from core.app import settings

    sys.stderr.write("Measuring Argon2id on this machine (a few seconds)...\n")
    kdf = settings.calibrate_kdf(ctx)
    if args.json:
        print_json(kdf.to_json())
    else:
        print(f"Stored: Argon2id {kdf.m_kib // 1024} MiB, {kdf.t} passes, {kdf.p} lanes.")
    return 0


def cmd_kdf_show(args, ctx) -> int:
    from core.app import settings

    kdf = settings.show_kdf(ctx)
    if args.json:
        print_json(kdf.to_json())
    else:
        _print_kdf(kdf)
    return 0


def cmd_kdf_reset(args, ctx) -> int:
    from core.app import settings

    settings.reset_kdf(ctx)
    print("Exports use the spec's default key-derivation parameters.")
    return 0


def cmd_recovery_create(args, ctx) -> int:
    from core.app import settings

    made = settings.create_recovery_key(ctx, settings.CreateRecoveryKey(args.out, overwrite=args.force, use=args.use))
    if args.json:
        print_json(made.to_json())
    else:
        print(f"Wrote {made.private_key_file}, {made.public_key_file} and {made.kit_file}.")
        print("Print the kit and keep it safe; remove recovery.key from this computer if it does not need it.")
        if not made.configured:
            print(f"Configure exports with: unitvault recovery-key use {made.public_key_file}")
    return 0


def cmd_recovery_use(args, ctx) -> int:
    from core.app import settings

    status = settings.use_recovery_key(ctx, settings.UseRecoveryKey(args.public_key_file))
    print(f"Exports now add a recovery slot for {status.public_key}.")
    return 0


def cmd_recovery_show(args, ctx) -> int:
    from core.app import settings

    status = settings.recovery_key_status(ctx)
    if args.json:
        print_json({"public_key": status.public_key})
    else:
        print(status.public_key or status.problem or "No recovery key is configured.")
    return 0


def cmd_recovery_clear(args, ctx) -> int:
    from core.app import settings

    settings.clear_recovery_key(ctx)
    print("New exports will have no recovery slot.")
    return 0
