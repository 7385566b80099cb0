"""``unitvault export``, ``inspect``, ``kdf`` and ``recovery-key``: the bundle commands."""

from __future__ import annotations

import sys

from core.cli.passwords import add_password_options


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


def _reporter():
    from core.cli.output import TerminalProgress
    from core.progress import Reporter

    bar = TerminalProgress()
    return bar, Reporter(bar)


def cmd_export(args, ctx) -> int:
    from pathlib import Path

    from core.bundle import (
        DEFAULT_TEMPLATE,
        configured_recovery_public_key,
        default_kdf,
        export_unit,
        export_units,
        password_strength,
    )
    from core.bundle.export import check_template
    from core.bundle.writer import check_out_path
    from core.cli.output import print_json
    from core.cli.passwords import get_password
    from core.errors import InvalidInputError

    if args.out and len(args.units) > 1:
        raise InvalidInputError("--out takes one unit; use --out-dir for several.")
    if args.out and args.name_template:
        raise InvalidInputError("--name-template goes with --out-dir.")
    template = args.name_template or DEFAULT_TEMPLATE
    if args.out_dir:
        check_template(template)
        if not Path(args.out_dir).is_dir():
            raise InvalidInputError(f"The folder {args.out_dir} does not exist.")
    else:
        check_out_path(args.out, args.force)          # refuse before asking for a password
        ctx.units.get_unit(args.units[0])
    recovery = None if args.no_recovery else configured_recovery_public_key(ctx.settings)
    password = get_password(args, confirm=True)
    score, advice = password_strength(password)
    if score < 2:
        _warn(f"weak password. {advice}")
    kdf = default_kdf(ctx.settings)
    bar, reporter = _reporter()
    try:
        if args.out:
            written = [export_unit(ctx.units, args.units[0], args.out, password=password,
                                   recovery_public_key=recovery, kdf=kdf, overwrite=args.force, reporter=reporter)]
            failed = []
        else:
            batch = export_units(ctx.units, args.units, args.out_dir, name_template=template, password=password,
                                 recovery_public_key=recovery, kdf=kdf, overwrite=args.force, reporter=reporter)
            written, failed = batch.written, batch.failed
    finally:
        bar.close()
    if args.json:
        print_json({"written": [{"unit": w.unit_name, "path": str(w.path), "size": w.size,
                                 "counts": w.counts} for w in written],
                    "failed": [{"unit": n, "error": e.message} for n, e in failed]})
    else:
        for w in written:
            print(f"Wrote {w.path} ({w.size:,} bytes, {sum(v for k, v in w.counts.items() if k != 'applications'):,} records).")
    for name, exc in failed:
        line = exc.message + (f" {exc.hint}" if exc.hint else "")
        sys.stderr.write(f"unitvault: error: {name}: {line}\n")
    return 1 if failed else 0


def cmd_inspect(args, ctx) -> int:
    from core.bundle import load_recovery_identity, open_bundle, read_header
    from core.cli.output import print_json
    from core.cli.passwords import get_password, has_password_source

    if getattr(args, "recovery_key", None):
        identity = load_recovery_identity(args.recovery_key)
        bundle = open_bundle(args.file, recovery_identity=identity)
    elif has_password_source(args):
        bundle = open_bundle(args.file, password=get_password(args, check_floor=False))
    else:
        header = read_header(args.file)
        if args.json:
            print_json(header.as_json())
        else:
            _print_header(header)
            print("Give a password (--password-file, --password-stdin) or --recovery-key to check the content.")
        return 0
    bar, reporter = _reporter()
    try:
        manifest = bundle.scan(reporter)
    finally:
        bar.close()
    if args.json:
        print_json({**bundle.header.as_json(), "manifest": manifest.as_json()})
    else:
        _print_header(bundle.header)
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


def cmd_kdf_calibrate(args, ctx) -> int:
    from core.bundle import calibrate_kdf
    from core.cli.output import print_json

    sys.stderr.write("Measuring Argon2id on this machine (a few seconds)...\n")
    kdf = calibrate_kdf()
    ctx.settings.set("kdf/m_kib", kdf.m_kib)
    ctx.settings.set("kdf/t", kdf.t)
    ctx.settings.set("kdf/p", kdf.p)
    if args.json:
        print_json(kdf.as_json())
    else:
        print(f"Stored: Argon2id {kdf.m_kib // 1024} MiB, {kdf.t} passes, {kdf.p} lanes.")
    return 0


def cmd_kdf_show(args, ctx) -> int:
    from core.bundle import default_kdf
    from core.cli.output import print_json

    kdf = default_kdf(ctx.settings)
    calibrated = ctx.settings.get("kdf/m_kib") is not None
    if args.json:
        print_json({**kdf.as_json(), "calibrated": calibrated})
    else:
        print(f"Argon2id {kdf.m_kib // 1024} MiB, {kdf.t} passes, {kdf.p} lanes "
              f"({'calibrated' if calibrated else 'spec default'}).")
    return 0


def cmd_kdf_reset(args, ctx) -> int:
    for key in ("kdf/m_kib", "kdf/t", "kdf/p"):
        ctx.settings.set(key, None)
    print("Exports use the spec's default key-derivation parameters.")
    return 0


def cmd_recovery_create(args, ctx) -> int:
    from pathlib import Path

    from core.bundle import format_private_key, format_public_key, generate_recovery_key
    from core.bundle.kit import recovery_kit_html
    from core.cli.output import print_json
    from core.errors import AlreadyExistsError, InvalidInputError
    from core.fsutil import atomic_write_bytes

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"{out} is not a folder.")
    out.mkdir(parents=True, exist_ok=True)
    files = {"recovery.key": out / "recovery.key", "recovery.pub": out / "recovery.pub",
             "recovery-kit.html": out / "recovery-kit.html"}
    if not args.force:
        taken = [str(p) for p in files.values() if p.exists()]
        if taken:
            raise AlreadyExistsError(f"The file {taken[0]} already exists.", hint="Use --force to replace it.")
    private, public = generate_recovery_key()
    sec, pub = format_private_key(private), format_public_key(public)
    from core.logsetup import register_secret

    register_secret(sec)
    atomic_write_bytes(files["recovery.key"], (
        "# Unitvault recovery key. Keep it offline; it opens every bundle exported with its public key.\n"
        f"# public key: {pub}\n{sec}\n").encode())
    atomic_write_bytes(files["recovery.pub"], f"{pub}\n".encode(), mode=0o644)
    atomic_write_bytes(files["recovery-kit.html"], recovery_kit_html(private, public).encode("utf-8"))
    if args.use:
        ctx.settings.set("recovery/public_key", pub)
    if args.json:
        print_json({"public_key": pub, "files": {k: str(v) for k, v in files.items()}, "configured": args.use})
    else:
        print(f"Wrote {files['recovery.key']}, {files['recovery.pub']} and {files['recovery-kit.html']}.")
        print("Print the kit and keep it safe; remove recovery.key from this computer if it does not need it.")
        if not args.use:
            print(f"Configure exports with: unitvault recovery-key use {files['recovery.pub']}")
    return 0


def cmd_recovery_use(args, ctx) -> int:
    from core.bundle import format_public_key, parse_public_key
    from core.cli.passwords import read_secret_file

    text = read_secret_file(args.public_key_file, "public key")
    if "UVSEC1-" in "".join(text.split()).upper():
        from core.errors import InvalidInputError

        raise InvalidInputError("That file holds the private recovery key; give the public key (recovery.pub).")
    pub = format_public_key(parse_public_key(text))
    ctx.settings.set("recovery/public_key", pub)
    print(f"Exports now add a recovery slot for {pub}.")
    return 0


def cmd_recovery_show(args, ctx) -> int:
    from core.cli.output import print_json

    pub = ctx.settings.get("recovery/public_key")
    if args.json:
        print_json({"public_key": pub})
    else:
        print(pub or "No recovery key is configured.")
    return 0


def cmd_recovery_clear(args, ctx) -> int:
    ctx.settings.set("recovery/public_key", None)
    print("New exports will have no recovery slot.")
    return 0
