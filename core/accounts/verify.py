"""``backup verify``: structure (manifest, indexes, every referenced blob located in a listed pack),
and with ``read_data`` every referenced blob downloaded and authenticated. Problems name each object."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.opened import use_destination
from core.accounts.packs import refresh_index
from core.accounts.repository import Repository
from core.errors import IntegrityError, ObjectNotFoundError, UnitvaultError
from core.progress import Reporter


@dataclass(frozen=True)
class VerifyResult:
    backup_id: str
    read_data: bool
    blobs: int
    packs: int
    problems: tuple[str, ...]

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
                    destination=None, reporter: Reporter | None = None) -> VerifyResult:
    reporter = reporter or Reporter()
    entry = ctx.catalog.backups.get(backup_id)
    with use_destination(ctx, entry.destination, destination) as dest:
        repo = Repository(dest, entry.destination)
        acc = entry.account_id
        problems: list[str] = []
        repo.check()
        keys = repo.unlock(acc, ctx.secrets, passphrase)
        try:
            _header, manifest = repo.read_backup(keys, backup_id)
        except IntegrityError as exc:
            return _done(ctx, entry, read_data, 0, 0, [exc.message])
        reporter.stage("checking structure")
        # Re-read every index from the destination: the catalog's cache is not evidence.
        ctx.catalog.blobs.forget_packs(entry.destination, acc)
        try:
            locations = refresh_index(repo, keys, ctx.catalog, entry.destination, reporter)
        except IntegrityError as exc:
            problems.append(exc.message)
            locations = _readable_locations(repo, keys, problems)
        packs_listed = repo.list_pack_ids(acc)
        blobs = referenced_blobs(manifest)
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
                path = repo.pack_path(acc, pid)
                try:
                    data = dest.get(path)
                except ObjectNotFoundError:
                    problems.append(f"object {path} is missing")
                    continue
                for b in ids:
                    _p, off, n, raw = locations[b]
                    if off + n > len(data):
                        problems.append(f"object {path} is truncated (blob {b})")
                        continue
                    try:
                        plain = keys.open("blob", b, memoryview(data)[off:off + n], name=f"{path} (blob {b})",
                                          max_size=raw)
                        if len(plain) != raw or keys.blob_id(plain) != b:
                            problems.append(f"object {path} (blob {b}) does not match its id")
                    except IntegrityError as exc:
                        problems.append(exc.message)
                reporter.advance()
        return _done(ctx, entry, read_data, len(blobs), len(by_pack), problems)


def _readable_locations(repo, keys, problems: list[str]) -> dict:
    locations: dict = {}
    for pid in sorted(repo.list_index_ids(keys.account_id)):
        try:
            for b, (o, n, r) in repo.read_index(keys, pid).items():
                locations.setdefault(b, (pid, o, n, r))
        except IntegrityError as exc:
            if exc.message not in problems:
                problems.append(exc.message)
    return locations


def _done(ctx, entry, read_data, blobs, packs, problems) -> VerifyResult:
    status = "complete" if not problems else "damaged"
    if entry.status != status:
        try:
            ctx.catalog.backups.set_status(entry.id, status)
        except UnitvaultError:
            pass
    return VerifyResult(entry.id, read_data, blobs, packs, tuple(problems))
