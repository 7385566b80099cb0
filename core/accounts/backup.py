"""``backup now``: one snapshot of an account (settings, units, home files) at one destination.

Incremental: a file whose size, mtime_ns and inode match the previous snapshot (same account, same
destination) reuses its chunks without being read; other files are chunked and only blobs the
repository lacks are uploaded. Packs and their indexes are written first, the snapshot manifest
last, so an interrupted run leaves no snapshot and the next run reuses what was uploaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import msgpack

import core
from core.accounts.backup_files import backup_files
from core.accounts.chunking import StreamChunker
from core.accounts.opened import use_destination
from core.accounts.packs import Packer, new_id, refresh_index
from core.accounts.repository import BackupHeader, Repository
from core.catalog import BackupEntry
from core.errors import BackupError, InvalidInputError, UnitvaultError
from core.progress import Reporter
from core.support.clock import now_iso
from core.support.names import escape_name
from core.unit.records import SECTIONS

ITEMS = ("account", "units", "files")
MANIFEST_FORMAT = 2      # 2: file entries carry meta (owners, xattrs, links, holes, devices)


@dataclass(frozen=True)
class BackupResult:
    backup_id: str
    account: str
    destination: str
    created: str
    items: tuple[str, ...]
    files: int
    reused_files: int
    size: int
    new_data: int          # bytes uploaded (packs) by this run
    new_blobs: int
    skipped: tuple[str, ...]


def parse_items(text) -> tuple[str, ...]:
    if text is None or text == "" or text == "all":
        return ITEMS
    parts = [p.strip() for p in (text.split(",") if isinstance(text, str) else text) if p.strip()]
    bad = [p for p in parts if p not in ITEMS]
    if bad or not parts:
        raise InvalidInputError(f"Unknown backup item {bad[0] if bad else ''!r}.", hint="Use account, units, files.")
    return tuple(i for i in ITEMS if i in parts)


def account_meta(account) -> dict:
    return {"id": account.id, "username": account.username, "email": account.email, "home_dir": account.home_dir,
            "units": list(account.units), "excludes": list(account.excludes), "status": account.status,
            "encryption": account.encryption, "created_at": account.created_at}


def _previous_files(repo, keys, catalog, account_id: str, destination: str) -> dict:
    """path -> entry of the newest complete snapshot with files at this destination (or {})."""
    for entry in reversed(catalog.backups.list(account_id, destination)):
        if "files" in entry.items and entry.status == "complete":
            try:
                _h, manifest = repo.read_backup(keys, entry.id)
            except UnitvaultError:
                continue
            return {e[0]: e for e in manifest.get("files", {}).get("entries", [])}
    return {}


def backup_account(ctx, account_name: str, destination_name: str, *, items=None, passphrase: str | None = None,
                   reporter: Reporter | None = None, destination=None, kind: str = "manual") -> BackupResult:
    reporter = reporter or Reporter()
    items = parse_items(items)
    catalog = ctx.catalog
    account = catalog.accounts.get(account_name)
    if account.status == "deleted":
        raise BackupError(f"The account {account_name!r} was deleted.")
    catalog.destinations.get(destination_name)
    with use_destination(ctx, destination_name, destination) as dest:
        return _backup(ctx, account, destination_name, dest, items, passphrase, reporter, kind)


def _backup(ctx, account, destination_name: str, dest, items, passphrase, reporter: Reporter, kind: str) -> BackupResult:
    catalog = ctx.catalog
    repo = Repository(dest, destination_name)
    reporter.stage("preparing")
    repo.ensure_initialised()
    keys = repo.open_or_create_keys(account.id, account.encryption, ctx.secrets, passphrase)
    known = refresh_index(repo, keys, catalog, destination_name, reporter)
    created = now_iso(ctx.clock)
    sid = new_id()[:16]
    while catalog.backups.find(sid):
        sid = new_id()[:16]
    manifest: dict = {"format": MANIFEST_FORMAT, "id": sid, "account": account.id, "created": created,
                      "app_version": core.__version__, "items": list(items)}
    packer = Packer(repo, keys, catalog, destination_name, known)
    size = files_count = reused = 0
    skipped: list[bytes] = []
    try:
        if "account" in items:
            manifest["account_settings"] = account_meta(account)
        if "units" in items:
            manifest["units"] = [_backup_unit(ctx.units, name, packer, reporter) for name in account.units]
            size += sum(u["bytes"] for u in manifest["units"])
        if "files" in items:
            home = account.home_dir
            if not os.path.isdir(home):
                raise BackupError(f"The home directory of {account.username} ({home}) does not exist.")
            previous = _previous_files(repo, keys, catalog, account.id, destination_name)
            got = backup_files(home, account.excludes, previous, packer, reporter, skipped)
            files_count, reused = len(got.entries), got.reused
            size += got.size
            manifest["files"] = {"root": os.fsencode(home), "root_entry": got.root_entry, "entries": got.entries,
                                 "skipped": skipped}
        reporter.stage("uploading")
        packer.finish()
    except BaseException:
        packer.abort()
        raise
    reporter.check()
    new_data = packer.uploaded_bytes
    header = BackupHeader(sid, account.id, created, items, account.encryption, size, new_data, files_count, kind)
    repo.write_meta(keys, account_meta(account))
    repo.write_backup(keys, header, manifest)   # last: the snapshot exists only when complete
    catalog.backups.add(BackupEntry(
        sid, account.id, destination_name, created, kind, items, size, new_data, True, account.encryption,
        "complete", files_count, {"username": account.username, "units": list(account.units)}))
    reporter.finish()
    return BackupResult(sid, account.username, destination_name, created, items, files_count, reused, size,
                        new_data, packer.new_blobs, tuple(escape_name(s) for s in skipped))


def _backup_unit(store, name: str, packer: Packer, reporter: Reporter) -> dict:
    from core.unit.digest import unit_digest

    unit = store.get_unit(name)
    reporter.stage(f"unit {name}")
    out = {"name": unit.name, "unit_id": unit.id, "display_name": unit.display_name, "sections": {}, "bytes": 0}
    with store.read() as conn:
        for section in SECTIONS:
            chunker = StreamChunker()
            chunks: list[str] = []
            buf = bytearray()
            count = 0
            packb = msgpack.Packer(use_bin_type=True).pack

            def emit(parts, chunks=chunks):
                for part in parts:
                    bid = packer.keys.blob_id(part)
                    packer.add(bid, part)
                    chunks.append(bid)

            for wire in store.iter_wire(unit.id, section, conn=conn):
                buf += packb(wire)
                count += 1
                if len(buf) >= 1 << 20:
                    out["bytes"] += len(buf)
                    emit(chunker.feed(bytes(buf)))
                    buf.clear()
                    reporter.advance(1)
            out["bytes"] += len(buf)
            emit(chunker.feed(bytes(buf)))
            emit(chunker.finish())
            out["sections"][section] = {"count": count, "chunks": chunks}
    out["digest"] = unit_digest(store, unit.id)
    return out
