"""``backup now``: one snapshot of an account (settings, units, home files) at one destination.

Incremental: a file whose size, mtime_ns and inode match the previous snapshot (same account, same
destination) reuses its chunks without being read; other files are chunked and only blobs the
repository lacks are uploaded. Packs and their indexes are written first, the snapshot manifest
last, so an interrupted run leaves no snapshot and the next run reuses what was uploaded.

Keys: a destination that holds backups of the account but lost its key object stops the backup (a
new key would not open the old backups). Write-only (owner-held) accounts run unattended: content is
sealed under this run's session key, and what the next run needs is kept in a cache object the app
can read (hashed paths, sizes, times, chunk ids; never names or content).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import msgpack

import core
from core.accounts.backup_files import backup_files
from core.accounts.chunking import StreamChunker
from core.accounts.crypto import WRITE_ONLY
from core.accounts.keys import Credentials
from core.accounts.opened import use_destination
from core.accounts.packs import Packer, new_id, refresh_index
from core.accounts.repository import BackupHeader, Repository
from core.accounts.tree import CHUNKS, INODE, MTIME, PATH, SIZE, TYPE
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


def _previous_files(repo, keys, catalog, account_id: str, destination: str):
    """path -> entry of the newest complete snapshot with files at this destination (or {}). A
    write-only account reads the snapshot's cache instead (the app cannot read the manifest)."""
    for entry in reversed(catalog.backups.list(account_id, destination)):
        if "files" in entry.items and entry.status == "complete":
            try:
                if keys.scheme == WRITE_ONLY:
                    return CachedFiles(keys, repo.read_cache(keys, entry.id))
                _h, manifest = repo.read_backup(keys, entry.id)
            except UnitvaultError:
                continue
            return {e[0]: e for e in manifest.get("files", {}).get("entries", [])}
    return {}


class CachedFiles:
    """The previous run's files as a write-only account's cache holds them, looked up by path."""

    def __init__(self, keys, cache: dict):
        self._keys = keys
        self._by_id: dict[str, list] = {}
        for row in cache.get("files", []) if isinstance(cache.get("files"), list) else []:
            if isinstance(row, list) and len(row) == 5 and isinstance(row[0], str) and isinstance(row[4], list):
                self._by_id[row[0]] = row

    def get(self, rel: bytes):
        row = self._by_id.get(self._keys.path_id(rel).hex())
        if row is None:
            return None
        entry = [rel, "f", 0, row[2], row[1], row[3], None, row[4]]
        return entry


def files_cache(keys, manifest: dict) -> dict:
    """What a write-only account's next run (and a structure check) needs from this backup: per file
    a keyed hash of its path, size, mtime_ns, inode and chunk ids; and every blob the backup uses."""
    from core.accounts.verify import referenced_blobs

    rows = [[keys.path_id(e[PATH]).hex(), e[SIZE], e[MTIME], e[INODE], list(e[CHUNKS])]
            for e in (manifest.get("files") or {}).get("entries", []) if e[TYPE] == "f"]
    return {"format": 1, "files": rows, "blobs": referenced_blobs(manifest)}


def keys_for_backup(ctx, repo: Repository, account, destination_name: str, credentials: Credentials):
    """The account's keys at this destination for writing. A destination that holds backups of the
    account (by the catalog or by its own listing) but has no key object for it stops the backup:
    a new key would make every older backup there unrestorable."""
    from core.bundle.keys import configured_recovery_public_key

    # A user-configured backup (core/app/mybackups.py): the key lives in the user's vault only (the
    # context's secrets), app-held by the user, with no recovery slot: nobody else can open it.
    sealed = getattr(ctx, "user_sealed", False)
    mode = "app" if sealed else account.encryption
    recovery_public = configured_recovery_public_key(ctx.settings) if mode == "app" and not sealed else None
    if not repo.has_key(account.id):
        known = [e.id for e in ctx.catalog.backups.list(account.id, destination_name)]
        listed = repo.list_backup_ids(account.id)
        held = len(set(known) | set(listed))
        if held:
            raise BackupError(
                f"The key of account {account.username} is missing from destination {destination_name}, which "
                f"holds {held} of its backup{'s' if held != 1 else ''}; a new key would leave "
                f"{'them' if held != 1 else 'it'} unrestorable, so nothing was backed up.",
                hint="Put the key object back at the destination (accounts/"
                     f"{account.id}/key), or reset the account's key, which deletes those backups.",
                kind="account_key_missing", data={"account": account.username, "backups": held})
        return repo.create_key(account.id, mode, ctx.secrets, credentials=credentials,
                               recovery_public=recovery_public)
    return repo.unlock(account.id, ctx.secrets, credentials=credentials, write=True, recovery_public=recovery_public)


def backup_needs_owner_secret(ctx, account_name: str, destination_name: str, *, destination=None) -> bool:
    """True when a backup of this account to this destination needs the owner's passphrase: an
    owner-held key this installation has not been given yet, or one of format 1."""
    from core.accounts.keys import OwnerWriter, is_write_only
    from core.accounts.repository import app_secret_name

    account = ctx.catalog.accounts.get(account_name)
    if account.encryption != "owner":
        return False
    stored = ctx.secrets.get(app_secret_name(account.id))
    if stored is None or OwnerWriter.from_secret(stored) is None:
        return True
    with use_destination(ctx, destination_name, destination) as dest:
        repo = Repository(dest, destination_name)
        if not repo.check() or not repo.has_key(account.id):
            return False
        return not is_write_only(repo.read_key_doc(account.id))


def backup_account(ctx, account_name: str, destination_name: str, *, items=None, passphrase: str | None = None,
                   reporter: Reporter | None = None, destination=None, kind: str = "on-demand",
                   job: str | None = None, expires_at: str | None = None,
                   credentials: Credentials | None = None, workers: int | None = None) -> BackupResult:
    """One backup of the account at the destination. ``kind`` is "scheduled" (with ``job``) or
    "on-demand" (with ``expires_at``, its TTL). ``credentials`` (or ``passphrase``): the owner's
    secret, needed once per installation for an owner-held key."""
    reporter = reporter or Reporter()
    items = parse_items(items)
    catalog = ctx.catalog
    account = catalog.accounts.get(account_name)
    if account.status == "deleted":
        raise BackupError(f"The account {account_name!r} was deleted.")
    catalog.destinations.get(destination_name)
    with use_destination(ctx, destination_name, destination) as dest:
        return _backup(ctx, account, destination_name, dest, items, Credentials.of(passphrase, credentials),
                       reporter, kind, job, expires_at, workers)


def _backup(ctx, account, destination_name: str, dest, items, credentials: Credentials, reporter: Reporter,
            kind: str, job: str | None, expires_at: str | None, workers: int | None = None) -> BackupResult:
    catalog = ctx.catalog
    repo = Repository(dest, destination_name)
    reporter.stage("preparing")
    repo.ensure_initialised()
    keys = keys_for_backup(ctx, repo, account, destination_name, credentials)
    known = refresh_index(repo, keys, catalog, destination_name, reporter)
    condemned = set(repo.read_condemned(account.id))
    if condemned:       # a prune is about to delete these packs: never refer to them (core/jobs/prune.py)
        known = {b: loc for b, loc in known.items() if loc[0] not in condemned}
    keys = repo.start_session(keys)
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
            got = backup_files(home, account.excludes, previous, packer, reporter, skipped, workers)
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
    encryption = "app" if getattr(ctx, "user_sealed", False) else account.encryption
    header = BackupHeader(sid, account.id, created, items, encryption, size, new_data, files_count, kind,
                          job, expires_at)
    _check_not_condemned(repo, account.id, manifest, packer.known)
    repo.write_meta(keys, account_meta(account))
    if keys.scheme == WRITE_ONLY:
        repo.write_cache(keys, sid, files_cache(keys, manifest))
    repo.write_backup(keys, header, manifest)   # last: the snapshot exists only when complete
    catalog.backups.add(BackupEntry(
        sid, account.id, destination_name, created, kind, items, size, new_data, True, encryption,
        "complete", files_count, {"username": account.username, "units": list(account.units)}, job=job,
        expires_at=expires_at))
    reporter.finish()
    return BackupResult(sid, account.username, destination_name, created, items, files_count, reused, size,
                        new_data, packer.new_blobs, tuple(escape_name(s) for s in skipped))


def _check_not_condemned(repo, acc: str, manifest: dict, located: dict) -> None:
    """Just before the backup object is written: if a prune condemned a pack this backup refers to
    while it ran, stop (the pack may be deleted after the grace; nothing refers to it yet)."""
    from core.accounts.verify import referenced_blobs

    late = set(repo.read_condemned(acc))
    if not late:
        return
    used = {located[b][0] for b in referenced_blobs(manifest) if b in located}
    if used & late:
        raise BackupError("A prune of this destination marked data this backup refers to while it ran; nothing "
                          "was written. Run the backup again.", kind="prune_during_backup")


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
