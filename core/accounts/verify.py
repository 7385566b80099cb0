"""``backup verify``: structure (manifest, indexes, every referenced blob located in a listed pack),
and with ``read_data`` every referenced blob read by byte range and authenticated, and every pack
checked against the size its index gives it. Problems name each object. Backups the catalog knows
at this destination but the destination lost are reported too (and marked "missing").

A write-only (owner-held) account's structure is checked with the keys the app holds (the backup's
header tag and its cache object); reading the data needs the owner's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.keys import Credentials
from core.accounts.opened import mark_authenticated, use_destination
from core.accounts.repository import HEX_RE, Repository
from core.errors import IntegrityError, ObjectNotFoundError, PassphraseRequired, UnitvaultError
from core.progress import Reporter


@dataclass(frozen=True)
class VerifyResult:
    backup_id: str
    read_data: bool
    blobs: int
    packs: int
    problems: tuple[str, ...]
    lost: tuple[str, ...] = ()      # other backups of the account the catalog knows here, gone from the destination

    @property
    def ok(self) -> bool:
        return not self.problems


def referenced_blobs(manifest: dict) -> list[str]:
    out: list[str] = []
    for unit in manifest.get("units", []) or []:
        for sec in unit.get("sections", {}).values():
            out.extend(sec.get("chunks", []))
    for e in (manifest.get("files") or {}).get("entries", []):
        out.extend(e[7])
    return list(dict.fromkeys(out))


def verify_backup(ctx, backup_id: str, *, read_data: bool = False, passphrase: str | None = None,
                  destination=None, reporter: Reporter | None = None,
                  credentials: Credentials | None = None) -> VerifyResult:
    reporter = reporter or Reporter()
    entry = ctx.catalog.backups.get(backup_id)
    with use_destination(ctx, entry.destination, destination) as dest:
        repo = Repository(dest, entry.destination)
        acc = entry.account_id
        problems: list[str] = []
        repo.check()
        keys = repo.unlock(acc, ctx.secrets, credentials=Credentials.of(passphrase, credentials))
        if read_data and not keys.can_read_content:
            raise PassphraseRequired("Reading this backup's data needs the owner's key; the app can only write it.")
        lost = _lost_backups(ctx, repo, entry)
        try:
            if keys.can_read_content:
                _header, manifest = repo.read_backup(keys, backup_id)
                blobs = referenced_blobs(manifest)
            else:
                repo.authenticate_backup(keys, backup_id)
                blobs = _cached_blobs(repo.read_cache(keys, backup_id))
        except IntegrityError as exc:
            return _done(ctx, entry, read_data, 0, 0, [exc.message], lost,
                         "missing" if exc.kind == "backup_object_missing" else "damaged")
        mark_authenticated(ctx, entry)
        reporter.stage("checking structure")
        locations, extents, packs_listed = _read_indexes(ctx, repo, keys, entry.destination, problems, reporter)
        by_pack: dict[str, list[str]] = {}
        for b in blobs:
            loc = locations.get(b)
            if loc is None:
                problems.append(f"blob {b} is not in any pack index")
                continue
            if loc[0] not in packs_listed:
                problems.append(f"object {repo.pack_path(acc, loc[0])} (holding blob {b}) is missing")
                continue
            by_pack.setdefault(loc[0], []).append(b)
        if read_data:
            reporter.stage("reading data", len(by_pack))
            for pid, ids in by_pack.items():
                _check_pack(repo, keys, pid, ids, locations, extents.get(pid, 0), problems)
                reporter.advance()
        return _done(ctx, entry, read_data, len(blobs), len(by_pack), problems, lost)


def _cached_blobs(cache: dict) -> list[str]:
    blobs = cache.get("blobs")
    if not isinstance(blobs, list) or not all(isinstance(b, str) for b in blobs):
        raise IntegrityError("The backup's cache object does not decode.")
    return blobs


def _read_indexes(ctx, repo, keys, destination: str, problems: list[str], reporter):
    """Every index re-read from the destination (the catalog's cache is not evidence) and the cache
    rebuilt from them. Returns (blob -> location, pack -> extent of its index, listed packs); a
    blob in several packs is located in one that exists."""
    acc = keys.account_id
    ctx.catalog.blobs.forget_packs(destination, acc)
    index_ids = repo.list_index_ids(acc)
    packs_listed = repo.list_pack_ids(acc)
    order = sorted(index_ids & packs_listed) + sorted(index_ids - packs_listed)
    reporter.stage("reading index", len(order))
    locations: dict = {}
    extents: dict[str, int] = {}
    for pid in order:
        try:
            entries = repo.read_index(keys, pid)
        except IntegrityError as exc:
            problems.append(exc.message)
            continue
        extents[pid] = max((o + n for o, n, _r in entries.values()), default=0)
        for b, (o, n, r) in entries.items():
            locations.setdefault(b, (pid, o, n, r))
        if pid in packs_listed:
            ctx.catalog.blobs.add_pack(destination, acc, pid, entries)
        reporter.advance()
    return locations, extents, packs_listed


def _check_pack(repo, keys, pid: str, ids: list[str], locations: dict, extent: int, problems: list[str]) -> None:
    """Read the span of one pack the backup uses (by range), authenticate each blob and check its
    id; a pack larger than its index says had data appended at the destination."""
    acc = keys.account_id
    path = repo.pack_path(acc, pid)
    try:
        size = repo.dest.stat(path).size
    except ObjectNotFoundError:
        problems.append(f"object {path} is missing")
        return
    if size > extent:
        problems.append(f"object {path} is {size - extent:,} bytes larger than its index says "
                        "(data was added at the destination)")
    start = min(locations[b][1] for b in ids)
    end = max(locations[b][1] + locations[b][2] for b in ids)
    try:
        data = repo.dest.get_range(path, start, min(end, size) - start) if size > start else b""
    except ObjectNotFoundError:
        problems.append(f"object {path} is missing")
        return
    for b in ids:
        _p, off, n, raw = locations[b]
        if off + n > start + len(data):
            problems.append(f"object {path} is truncated (blob {b})")
            continue
        try:
            plain = keys.open("blob", b, memoryview(data)[off - start:off - start + n], name=f"{path} (blob {b})",
                              max_size=raw)
            if len(plain) != raw or keys.blob_id(plain) != b:
                problems.append(f"object {path} (blob {b}) does not match its id")
        except IntegrityError as exc:
            problems.append(exc.message)


def _lost_backups(ctx, repo, entry) -> tuple[str, ...]:
    """Backups of the account the catalog indexes at this destination whose object is gone."""
    listed = set(repo.list_backup_ids(entry.account_id))
    lost = []
    for other in ctx.catalog.backups.list(entry.account_id, entry.destination):
        if other.id not in listed and HEX_RE.match(other.id):
            lost.append(other.id)
            if other.status != "missing":
                ctx.catalog.backups.set_status(other.id, "missing")
    return tuple(i for i in lost if i != entry.id)


def _done(ctx, entry, read_data, blobs, packs, problems, lost=(), bad: str = "damaged") -> VerifyResult:
    status = "complete" if not problems else bad
    if entry.status != status:
        try:
            ctx.catalog.backups.set_status(entry.id, status)
        except UnitvaultError:
            pass
    return VerifyResult(entry.id, read_data, blobs, packs, tuple(problems), tuple(lost))
