"""``destination scan``: rediscover every account and backup stored at a destination into the catalog's
index (a fresh installation, or backups made by another one).

Only a capped header of each backup object is read. A clear header is a hint: where this
installation holds the account's key (or the caller gives the recovery key), the header is
authenticated before the backup is filed ("complete"); otherwise the backup is filed "unverified"
and becomes "complete" the first time it opens. A header can never take over an id: an id the
catalog already files elsewhere, or one claimed under two accounts without proof, is reported and
left out. Backups the catalog knows at the destination that are gone from it are reported "lost" and
marked "missing".
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.keys import Credentials
from core.accounts.opened import use_destination
from core.accounts.repository import HEX_RE, Repository
from core.catalog import BackupEntry
from core.errors import DestinationError, UnitvaultError
from core.support.text import printable


@dataclass(frozen=True)
class ScanResult:
    destination: str
    accounts: tuple[str, ...]          # account UUIDs found
    unknown_accounts: tuple[str, ...]  # found but not in the catalog (orphans)
    backups_found: int
    backups_added: int
    problems: tuple[str, ...]
    unverified: int = 0                # filed from their clear header only (no key here to check them)
    lost: tuple[str, ...] = ()         # ids the catalog knows at this destination that it no longer holds


@dataclass
class _Claim:
    account: str
    header: object
    authenticated: bool
    lock: tuple | None = None          # (until, reason) from the destination's lock object, a hint


def _keys(repo, acc: str, ctx, credentials):
    """The account's keys where this installation (or the caller) has them; None otherwise."""
    try:
        return repo.unlock(acc, ctx.secrets, credentials=credentials)
    except DestinationError:
        raise
    except UnitvaultError:
        return None


def _authenticate(repo, keys, acc: str, sid: str):
    """(header read, authenticated?) for one backup object; raises IntegrityError if it fails a check."""
    got = repo.read_backup_header(acc, sid, keys)
    if keys is None or got.authenticated:
        return got, got.authenticated
    if keys.can_read_content:        # format 1: only the manifest authenticates the header
        repo.read_backup(keys, sid)
        return got, True
    return got, False


def _meta_names(repo, keys) -> tuple[str, list]:
    from core.catalog.accounts import USERNAME_RE
    from core.unit.records import UNIT_NAME_RE

    meta = repo.read_meta(keys)
    username = meta.get("username")
    units = meta.get("units")
    name = username if isinstance(username, str) and USERNAME_RE.match(username) else printable(username or "")
    ok_units = [u for u in units if isinstance(u, str) and UNIT_NAME_RE.match(u)] if isinstance(units, list) else []
    return name, ok_units


def scan_destination(ctx, name: str, *, destination=None, reporter=None,
                     credentials: Credentials | None = None) -> ScanResult:
    """Rediscover every account and backup stored at ``name`` into the catalog's index."""
    catalog = ctx.catalog
    catalog.destinations.get(name)
    credentials = credentials or Credentials()
    problems: list[str] = []
    found = added = unverified = 0
    unknown: list[str] = []
    claims: dict[str, list[_Claim]] = {}
    names: dict[str, tuple[str, list]] = {}
    with use_destination(ctx, name, destination) as dest:
        repo = Repository(dest, name)
        if not repo.check():
            return ScanResult(name, (), (), 0, 0, (), 0, _mark_lost(catalog, name, set()))
        accounts = repo.list_accounts()
        listed_ids: set[str] = set()
        for acc in accounts:
            known = catalog.accounts.find(acc)
            keys = _keys(repo, acc, ctx, credentials)
            username, units = (known.username, list(known.units)) if known else ("", [])
            if known is None:
                unknown.append(acc)
                if keys is not None and keys.can_read_content:   # the account's own (sealed) metadata names it
                    try:
                        username, units = _meta_names(repo, keys)
                    except UnitvaultError as exc:
                        if isinstance(exc, DestinationError):
                            raise
            names[acc] = (username, units)
            ids = repo.list_backup_ids(acc)
            locked = repo.list_lock_ids(acc)
            for sid in ids:
                found += 1
                listed_ids.add(sid)
                try:
                    got, ok = _authenticate(repo, keys, acc, sid)
                except DestinationError:
                    raise
                except UnitvaultError as exc:
                    problems.append(printable(exc.message))
                    continue
                lock = repo.read_lock(acc, sid) if sid in locked else None
                claims.setdefault(sid, []).append(_Claim(acc, got.header, ok, lock))
                if reporter is not None:
                    reporter.advance()
            if known is None or known.status == "deleted":
                catalog.orphans.upsert(acc, username or (known.username if known else ""), has_backups=bool(ids))
        for sid, these in sorted(claims.items()):
            proven = [c for c in these if c.authenticated]
            if len(proven) == 1:
                claim = proven[0]
            elif len(these) == 1 and not proven:
                claim = these[0]
            else:
                problems.append(f"backup {sid} is claimed under {len(these)} accounts; none of the claims could be "
                                "checked with a key here, so it was not filed")
                continue
            lock = claim.lock
            existing = catalog.backups.find(sid)
            if existing is not None:
                if existing.account_id != claim.account or existing.destination != name:
                    problems.append(f"backup {sid} at accounts/{claim.account}/ uses an id the catalog already files "
                                    f"under another account or destination; it was not filed")
                    continue
                if existing.status in ("unverified", "missing") and claim.authenticated:
                    catalog.backups.set_status(sid, "complete")
                elif existing.status == "missing":
                    catalog.backups.set_status(sid, "unverified")
                if lock is not None and not existing.locked:      # the destination remembers it
                    catalog.backups.set_lock(sid, True, until=lock[0], reason=lock[1])
                continue
            h = claim.header
            username, units = names[claim.account]
            status = "complete" if claim.authenticated else "unverified"
            entry = BackupEntry(h.id, claim.account, name, h.created, h.kind, h.items, h.size, h.new_data, True,
                                h.encryption, status, h.files, {"username": username, "units": units},
                                job=h.job, expires_at=h.expires_at, locked=lock is not None,
                                locked_until=lock[0] if lock else None, lock_reason=lock[1] if lock else None)
            if catalog.backups.add(entry):
                added += 1
                unverified += status == "unverified"
        lost = _mark_lost(catalog, name, listed_ids)
    return ScanResult(name, tuple(accounts), tuple(unknown), found, added, tuple(problems), unverified, lost)


def _mark_lost(catalog, name: str, listed_ids: set[str]) -> tuple[str, ...]:
    lost = []
    for entry in catalog.backups.list(destination=name):
        if entry.id not in listed_ids and HEX_RE.match(entry.id):
            lost.append(entry.id)
            if entry.status != "missing":
                catalog.backups.set_status(entry.id, "missing")
    return tuple(lost)
