"""Opening a snapshot by id alone: the catalog says where it is; the repository gives its manifest."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.packs import BlobReader, refresh_index
from core.accounts.repository import BackupHeader, Repository


@dataclass
class OpenBackup:
    entry: object           # core.catalog.BackupEntry
    repo: Repository
    keys: object            # AccountKeys
    header: BackupHeader
    manifest: dict
    locations: dict         # blob id -> (pack, offset, length, raw)
    destination: object

    def reader(self, prefetch=None) -> BlobReader:
        return BlobReader(self.repo, self.keys, self.locations, prefetch=prefetch)

    def close(self) -> None:
        close = getattr(self.destination, "close", None)
        if self._owns and close:
            close()

    _owns: bool = False


def open_backup(ctx, backup_id: str, *, passphrase: str | None = None, destination=None,
                  reporter=None) -> OpenBackup:
    from core.accounts.backup import open_destination_for

    entry = ctx.catalog.backups.get(backup_id)
    owns = destination is None
    dest = destination if destination is not None else open_destination_for(ctx, entry.destination)
    repo = Repository(dest, entry.destination)
    repo.check()
    keys = repo.unlock(entry.account_id, ctx.secrets, passphrase)
    header, manifest = repo.read_backup(keys, backup_id)
    locations = refresh_index(repo, keys, ctx.catalog, entry.destination, reporter)
    snap = OpenBackup(entry, repo, keys, header, manifest, locations, dest)
    snap._owns = owns
    return snap


def needs_passphrase(ctx, backup_id: str) -> bool:
    return ctx.catalog.backups.get(backup_id).encryption == "owner"
