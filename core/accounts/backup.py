"""``backup now``: one snapshot of an account (settings, units, home files) at one destination.

Incremental: a file whose size, mtime_ns and inode match the previous snapshot (same account, same
destination) reuses its chunks without being read; other files are chunked and only blobs the
repository lacks are uploaded. Packs and their indexes are written first, the snapshot manifest
last, so an interrupted run leaves no snapshot and the next run reuses what was uploaded.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import msgpack

import core
from core.accounts.chunking import MAX_CHUNK, StreamChunker, chunk_file
from core.accounts.opened import use_destination
from core.accounts.packs import Packer, new_id, prepare_blob, refresh_index
from core.accounts.repository import BackupHeader, Repository
from core.accounts.tree import INODE, MTIME, SIZE, walk
from core.catalog import BackupEntry
from core.errors import BackupError, InvalidInputError, UnitvaultError
from core.progress import Reporter
from core.support.clock import now_iso
from core.unit.records import SECTIONS

ITEMS = ("account", "units", "files")
WORKERS = min(4, os.cpu_count() or 2)
WINDOW_FILES = 256      # small files in flight (each at most one 4 MiB chunk)
WINDOW_BYTES = 48 << 20  # and at most this many bytes of them
WINDOW_CHUNKS = 6       # chunks of a big file in flight
MANIFEST_FORMAT = 1


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
            entries, fsize, reused = _backup_files(home, account.excludes, previous, packer, reporter, skipped)
            files_count = len(entries)
            size += fsize
            manifest["files"] = {"root": os.fsencode(home), "entries": entries, "skipped": skipped}
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
                        new_data, packer.new_blobs, tuple(os.fsdecode(s) for s in skipped))


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


def _read_small(broot: bytes, rel: bytes, keys, known):
    """Worker: read one file no larger than a chunk and prepare its blob. Returns (fstat, blobs) or None."""
    try:
        fd = os.open(broot + b"/" + rel, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):
            return None
        blobs = [prepare_blob(keys, part, known) for part in chunk_file(fd, fst.st_size)]
    except OSError:
        return None
    finally:
        os.close(fd)
    return fst, blobs


def _backup_files(home: str, excludes, previous: dict, packer: Packer, reporter: Reporter,
                  skipped: list) -> tuple[list, int, int]:
    reporter.stage("scanning files")
    listing = []
    total = 0
    for rel, kind, st in walk(home, excludes, skipped):
        listing.append((rel, kind, st))
        if kind == "f":
            total += st.st_size
        if len(listing) % 1000 == 0:
            reporter.advance(1000)
    reporter.stage("backing up files", total, "bytes")
    entries: list = []
    size = reused = 0
    broot = os.fsencode(home)
    keys, known = packer.keys, packer.known
    window: deque = deque()   # (rel, size, future) of small files being read and sealed by workers, in order
    in_flight = 0

    def consume(rel, fut):
        nonlocal size
        got = fut.result()
        if got is None:
            skipped.append(rel)
            return
        fst, blobs = got
        n = 0
        for bid, sealed, raw in blobs:
            if sealed is None:
                if not packer.has(bid):  # known when prepared; the known set only grows within a run
                    raise BackupError("Internal error: a blob vanished during the backup.")
            else:
                packer.add_sealed(bid, sealed, raw)
            n += raw
        reporter.advance(n)
        entries.append([rel, "f", stat.S_IMODE(fst.st_mode), fst.st_mtime_ns, n, fst.st_ino, None,
                        [b for b, _s, _r in blobs]])
        size += n

    def drain(limit: int) -> None:
        nonlocal in_flight
        while len(window) > limit or (window and in_flight > WINDOW_BYTES):
            rel, n, fut = window.popleft()
            in_flight -= n
            consume(rel, fut)

    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="uv-seal") as pool:
        for rel, kind, st in listing:
            mode = stat.S_IMODE(st.st_mode)
            if kind == "d":
                drain(0)
                entries.append([rel, "d", mode, st.st_mtime_ns, 0, st.st_ino, None, []])
                continue
            if kind == "l":
                drain(0)
                try:
                    target = os.readlink(broot + b"/" + rel)
                except OSError:
                    skipped.append(rel)
                    continue
                entries.append([rel, "l", mode, st.st_mtime_ns, 0, st.st_ino, target, []])
                continue
            prev = previous.get(rel)
            if (prev is not None and prev[1] == "f" and prev[SIZE] == st.st_size and prev[MTIME] == st.st_mtime_ns
                    and prev[INODE] == st.st_ino and all(packer.has(c) for c in prev[7])):
                drain(0)
                entries.append([rel, "f", mode, st.st_mtime_ns, st.st_size, st.st_ino, None, list(prev[7])])
                size += st.st_size
                reused += 1
                reporter.advance(st.st_size)
                continue
            if st.st_size <= MAX_CHUNK:
                window.append((rel, st.st_size, pool.submit(_read_small, broot, rel, keys, known)))
                in_flight += st.st_size
                drain(WINDOW_FILES)
                continue
            drain(0)
            got = _backup_big(broot, rel, packer, pool, reporter)
            if got is None:
                skipped.append(rel)
                continue
            fst, chunks, n = got
            entries.append([rel, "f", stat.S_IMODE(fst.st_mode), fst.st_mtime_ns, n, fst.st_ino, None, chunks])
            size += n
        drain(0)
    return entries, size, reused


def _backup_big(broot: bytes, rel: bytes, packer: Packer, pool, reporter: Reporter):
    """A file larger than one chunk: this thread reads and cuts, workers hash and seal."""
    try:
        fd = os.open(broot + b"/" + rel, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    chunks: list[str] = []
    pending: deque = deque()
    n = 0

    def take():
        nonlocal n
        bid, sealed, raw = pending.popleft().result()
        if sealed is None:
            if not packer.has(bid):   # known when submitted but gone since: cannot happen within a run
                raise BackupError("Internal error: a blob vanished during the backup.")
        else:
            packer.add_sealed(bid, sealed, raw)
        chunks.append(bid)
        n += raw
        reporter.advance(raw)

    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):
            return None
        for part in chunk_file(fd, fst.st_size):
            pending.append(pool.submit(prepare_blob, packer.keys, part, packer.known))
            while len(pending) > WINDOW_CHUNKS:
                take()
        while pending:
            take()
    except OSError:
        return None
    finally:
        os.close(fd)
    return fst, chunks, n
