"""Typed rows of the catalog (frozen dataclasses); the catalog never returns raw rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

ACTIVE, SUSPENDED, DELETED = "active", "suspended", "deleted"
ENCRYPTION_MODES = ("app", "owner")


def dumps(value) -> str:
    """Lists and maps are stored as compact, sorted JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    email: str
    home_dir: str
    status: str
    excludes: tuple[str, ...]
    encryption: str
    units: tuple[str, ...]
    created_at: str
    updated_at: str
    max_on_demand: int | None = None      # None: the global maximum
    priority_group: str | None = None     # overrides the tags' and the job type's group
    tags: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"id": self.id, "username": self.username, "email": self.email, "home_dir": self.home_dir,
                "status": self.status, "units": list(self.units), "excludes": list(self.excludes),
                "encryption": self.encryption, "created_at": self.created_at, "updated_at": self.updated_at,
                "max_on_demand": self.max_on_demand, "priority_group": self.priority_group, "tags": list(self.tags)}


@dataclass(frozen=True)
class BackupEntry:
    """One backup as the catalog indexes it (the manifest itself lives at the destination)."""

    id: str
    account_id: str
    destination: str
    created_at: str
    kind: str = "manual"
    items: tuple[str, ...] = ()
    size: int = 0
    new_data: int = 0
    encrypted: bool = True
    encryption: str = "app"
    status: str = "complete"
    file_count: int = 0
    info: dict = field(default_factory=dict, compare=False, hash=False)
    job: str | None = None                 # the job that made it (None: on demand)
    locked: bool = False
    locked_until: str | None = None        # with ``locked``: None means until unlocked
    lock_reason: str | None = None
    expires_at: str | None = None          # on-demand backups' TTL

    def lock_active(self, now: str) -> bool:
        """Locked now: ``now`` and ``locked_until`` are ISO UTC texts of one format, so they compare."""
        return self.locked and (self.locked_until is None or self.locked_until > now)

    def as_dict(self) -> dict:
        return {"id": self.id, "account_id": self.account_id, "username": self.info.get("username", ""),
                "time": self.created_at, "kind": self.kind, "items": list(self.items), "size": self.size,
                "new_data": self.new_data, "encrypted": self.encrypted, "encryption": self.encryption,
                "destination": self.destination, "status": self.status, "files": self.file_count,
                "units": list(self.info.get("units", [])), "job": self.job, "locked": self.locked,
                "locked_until": self.locked_until, "lock_reason": self.lock_reason, "expires_at": self.expires_at}
