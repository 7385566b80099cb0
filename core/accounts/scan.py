"""``destination scan``: rediscover every account and backup stored at a destination into the catalog's
index (a fresh installation, or backups made by another one)."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.opened import use_destination
from core.accounts.repository import Repository
from core.catalog import BackupEntry
from core.errors import UnitvaultError


@dataclass(frozen=True)
class ScanResult:
    destination: str
    accounts: tuple[str, ...]          # account UUIDs found
    unknown_accounts: tuple[str, ...]  # found but not in the catalog (orphans)
    backups_found: int
    backups_added: int
    problems: tuple[str, ...]


def scan_destination(ctx, name: str, *, destination=None, reporter=None) -> ScanResult:
    """Rediscover every account and backup stored at ``name`` into the catalog's index."""
    catalog = ctx.catalog
    catalog.destinations.get(name)
    problems: list[str] = []
    found = added = 0
    unknown: list[str] = []
    with use_destination(ctx, name, destination) as dest:
        repo = Repository(dest, name)
        if not repo.check():
            return ScanResult(name, (), (), 0, 0, ())
        accounts = repo.list_accounts()
        for acc in accounts:
            known = catalog.accounts.find(acc)
            username = known.username if known else ""
            units: list = list(known.units) if known else []
            if known is None:
                unknown.append(acc)
                try:   # an app-held key this installation holds can name the account
                    keys = repo.unlock(acc, ctx.secrets)
                    meta = repo.read_meta(keys)
                    username, units = str(meta.get("username", "")), list(meta.get("units", []))
                except UnitvaultError:
                    pass
            for sid in repo.list_backup_ids(acc):
                found += 1
                try:
                    h, _head, _body = repo.read_backup_header(acc, sid)
                except UnitvaultError as exc:
                    problems.append(exc.message)
                    continue
                entry = BackupEntry(h.id, acc, name, h.created, h.kind, h.items, h.size, h.new_data, True,
                                      h.encryption, "complete", h.files, {"username": username, "units": units})
                if catalog.backups.add(entry):
                    added += 1
                if reporter is not None:
                    reporter.advance()
    return ScanResult(name, tuple(accounts), tuple(unknown), found, added, tuple(problems))
