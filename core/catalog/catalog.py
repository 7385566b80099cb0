"""The catalog: accounts, destinations, the snapshot index and the known-blob cache, in one database.

SQLAlchemy Core over SQLite by default (same URL rules as the unit store); Alembic migrations under
``core/catalog/migrations`` run only when the stored revision is not the head. Every method that
changes something runs in one transaction of its own, or on the connection it is given.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from core.catalog import tables as t
from core.catalog.records import ACTIVE, DELETED, ENCRYPTION_MODES, SUSPENDED, Account, BackupEntry
from core.db import open_database, read_transaction, write_transaction
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

HEAD_REVISION = "c0001"
VERSION_TABLE = "catalog_alembic_version"
USERNAME_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
DESTINATION_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DESTINATION_TYPES = ("local", "sftp", "s3")


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class _FallbackDestinationConfig:
    """Used only while core.destinations is absent; same fields as its DestinationConfig."""

    name: str
    type: str
    params: dict


def _config_class():
    try:
        from core.destinations import DestinationConfig
    except ImportError:
        return _FallbackDestinationConfig
    return DestinationConfig


def check_username(name: str) -> str:
    if not isinstance(name, str) or not USERNAME_RE.match(name):
        raise InvalidInputError(f"Invalid username {name!r}.",
                                hint="Use 1-32 lowercase letters, digits, '_', '.' or '-', starting with a letter or '_'.")
    return name


def check_destination_name(name: str) -> str:
    if not isinstance(name, str) or not DESTINATION_NAME_RE.match(name):
        raise InvalidInputError(f"Invalid destination name {name!r}.",
                                hint="Use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.")
    return name


class Catalog:
    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Catalog:
        return cls(open_database(url, "the catalog", "core.catalog:migrations", HEAD_REVISION, VERSION_TABLE))

    def close(self) -> None:
        self.engine.dispose()

    # --- transactions ----------------------------------------------------------------------------
    def read(self) -> contextlib.AbstractContextManager[Connection]:
        return read_transaction(self.engine)

    def write(self) -> contextlib.AbstractContextManager[Connection]:
        """One write transaction; rolls back on any exception."""
        return write_transaction(self.engine, "The catalog")

    @contextlib.contextmanager
    def _conn(self, conn: Connection | None, write: bool = False):
        if conn is not None:
            yield conn
        else:
            with (self.write() if write else self.read()) as c:
                yield c

    # --- accounts --------------------------------------------------------------------------------
    def _account(self, c: Connection, row) -> Account:
        units = tuple(r.unit_name for r in c.execute(
            select(t.account_units.c.unit_name).where(t.account_units.c.account_id == row.id)
            .order_by(t.account_units.c.unit_name)))
        return Account(row.id, row.username, row.email, row.home_dir, row.status,
                       tuple(json.loads(row.excludes)), row.encryption, units, row.created_at, row.updated_at)

    def add_account(self, username: str, home_dir: str, *, email: str = "", units: Iterable[str] = (),
                    excludes: Iterable[str] = (), encryption: str = "app", account_id: str | None = None,
                    conn: Connection | None = None) -> Account:
        check_username(username)
        if encryption not in ENCRYPTION_MODES:
            raise InvalidInputError(f"Unknown encryption mode {encryption!r}.", hint="Use 'app' or 'owner'.")
        excludes = _check_excludes(excludes)
        with self._conn(conn, write=True) as c:
            if self._find_active(c, username):
                raise AlreadyExistsError(f"An account named {username!r} already exists.")
            if account_id:
                account_id = str(uuid.UUID(account_id))
                if c.execute(select(t.accounts.c.id).where(t.accounts.c.id == account_id)).first():
                    raise AlreadyExistsError(f"The account UUID {account_id} is already in use.")
            stamp = now_iso()
            new_id = account_id or str(uuid.uuid4())
            c.execute(insert(t.accounts).values(
                id=new_id, username=username, email=email or "", home_dir=str(home_dir), status=ACTIVE,
                excludes=_dumps(list(excludes)), encryption=encryption, created_at=stamp, updated_at=stamp))
            for unit in sorted(set(units)):
                c.execute(insert(t.account_units).values(account_id=new_id, unit_name=unit))
            return self._account(c, c.execute(select(t.accounts).where(t.accounts.c.id == new_id)).one())

    def _find_active(self, c: Connection, username: str):
        return c.execute(select(t.accounts).where(t.accounts.c.username == username,
                                                  t.accounts.c.status != DELETED)).first()

    def list_accounts(self, *, include_deleted: bool = False, conn: Connection | None = None) -> list[Account]:
        with self._conn(conn) as c:
            q = select(t.accounts).order_by(t.accounts.c.username, t.accounts.c.created_at)
            if not include_deleted:
                q = q.where(t.accounts.c.status != DELETED)
            return [self._account(c, r) for r in c.execute(q).all()]

    def find_account(self, name_or_id: str, conn: Connection | None = None) -> Account | None:
        """An account by username (active or suspended) or by UUID (any status)."""
        with self._conn(conn) as c:
            row = self._find_active(c, name_or_id)
            if row is None:
                row = c.execute(select(t.accounts).where(t.accounts.c.id == name_or_id)).first()
            return self._account(c, row) if row else None

    def get_account(self, name_or_id: str, conn: Connection | None = None) -> Account:
        account = self.find_account(name_or_id, conn)
        if account is None:
            raise NotFoundError(f"No account named {name_or_id!r}.",
                                hint="List accounts with 'unitvault account list'.")
        return account

    def edit_account(self, name_or_id: str, *, username: str | None = None, email: str | None = None,
                     home_dir: str | None = None, units: Iterable[str] | None = None,
                     excludes: Iterable[str] | None = None, encryption: str | None = None,
                     conn: Connection | None = None) -> Account:
        with self._conn(conn, write=True) as c:
            account = self.get_account(name_or_id, c)
            values: dict = {}
            if username is not None and username != account.username:
                check_username(username)
                if self._find_active(c, username):
                    raise AlreadyExistsError(f"An account named {username!r} already exists.")
                values["username"] = username
            if email is not None:
                values["email"] = email
            if home_dir is not None:
                values["home_dir"] = str(home_dir)
            if excludes is not None:
                values["excludes"] = _dumps(list(_check_excludes(excludes)))
            if encryption is not None:
                if encryption not in ENCRYPTION_MODES:
                    raise InvalidInputError(f"Unknown encryption mode {encryption!r}.", hint="Use 'app' or 'owner'.")
                values["encryption"] = encryption
            values["updated_at"] = now_iso()
            c.execute(update(t.accounts).where(t.accounts.c.id == account.id).values(**values))
            if units is not None:
                c.execute(delete(t.account_units).where(t.account_units.c.account_id == account.id))
                for unit in sorted(set(units)):
                    c.execute(insert(t.account_units).values(account_id=account.id, unit_name=unit))
            return self._account(c, c.execute(select(t.accounts).where(t.accounts.c.id == account.id)).one())

    def set_account_status(self, name_or_id: str, status: str, conn: Connection | None = None) -> Account:
        if status not in (ACTIVE, SUSPENDED):
            raise InvalidInputError(f"Unknown account status {status!r}.")
        with self._conn(conn, write=True) as c:
            account = self.get_account(name_or_id, c)
            if account.status == DELETED:
                raise NotFoundError(f"The account {account.username!r} was deleted.")
            c.execute(update(t.accounts).where(t.accounts.c.id == account.id)
                      .values(status=status, updated_at=now_iso()))
            return self._account(c, c.execute(select(t.accounts).where(t.accounts.c.id == account.id)).one())

    def delete_account(self, name_or_id: str, conn: Connection | None = None) -> Account:
        """Mark the account deleted: the row stays (its UUID is never reused), the username is free again,
        and its snapshots stay in the index and at the destinations."""
        with self._conn(conn, write=True) as c:
            account = self.get_account(name_or_id, c)
            stamp = now_iso()
            c.execute(update(t.accounts).where(t.accounts.c.id == account.id)
                      .values(status=DELETED, deleted_at=stamp, updated_at=stamp))
            return self._account(c, c.execute(select(t.accounts).where(t.accounts.c.id == account.id)).one())

    # --- destinations ------------------------------------------------------------------------------
    def add_destination(self, config, conn: Connection | None = None):
        """Store a destination's config (name, type, params; never secrets)."""
        check_destination_name(config.name)
        if config.type not in DESTINATION_TYPES:
            raise InvalidInputError(f"Unknown destination type {config.type!r}.", hint="Use local, sftp or s3.")
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.destinations.c.name).where(t.destinations.c.name == config.name)).first():
                raise AlreadyExistsError(f"A destination named {config.name!r} already exists.")
            c.execute(insert(t.destinations).values(name=config.name, type=config.type,
                                                    params=_dumps(dict(config.params or {})), created_at=now_iso()))
        return config

    def list_destinations(self, conn: Connection | None = None) -> list:
        cls = _config_class()
        with self._conn(conn) as c:
            return [cls(name=r.name, type=r.type, params=json.loads(r.params))
                    for r in c.execute(select(t.destinations).order_by(t.destinations.c.name))]

    def find_destination(self, name: str, conn: Connection | None = None):
        with self._conn(conn) as c:
            r = c.execute(select(t.destinations).where(t.destinations.c.name == name)).first()
        return _config_class()(name=r.name, type=r.type, params=json.loads(r.params)) if r else None

    def get_destination(self, name: str, conn: Connection | None = None):
        config = self.find_destination(name, conn)
        if config is None:
            raise NotFoundError(f"No destination named {name!r}.",
                                hint="List destinations with 'unitvault destination list'.")
        return config

    def remove_destination(self, name: str, conn: Connection | None = None) -> None:
        """Forget a destination (its data stays there); its snapshots leave the index."""
        with self._conn(conn, write=True) as c:
            self.get_destination(name, c)
            c.execute(delete(t.destinations).where(t.destinations.c.name == name))
            c.execute(delete(t.snapshots).where(t.snapshots.c.destination == name))
            c.execute(delete(t.known_blobs).where(t.known_blobs.c.destination == name))
            c.execute(delete(t.known_packs).where(t.known_packs.c.destination == name))

    # --- snapshots ---------------------------------------------------------------------------------
    @staticmethod
    def _snapshot(r) -> BackupEntry:
        return BackupEntry(r.id, r.account_id, r.destination, r.created_at, r.kind, tuple(json.loads(r.items)),
                             int(r.size), int(r.new_data), bool(r.encrypted), r.encryption, r.status,
                             int(r.file_count), json.loads(r.info))

    def add_backup(self, entry: BackupEntry, conn: Connection | None = None) -> bool:
        """Index a snapshot; returns False when it was already indexed (left unchanged)."""
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.snapshots.c.id).where(t.snapshots.c.id == entry.id)).first():
                return False
            c.execute(insert(t.snapshots).values(
                id=entry.id, account_id=entry.account_id, destination=entry.destination,
                created_at=entry.created_at, kind=entry.kind, items=_dumps(list(entry.items)), size=entry.size,
                new_data=entry.new_data, encrypted=entry.encrypted, encryption=entry.encryption,
                status=entry.status, file_count=entry.file_count, info=_dumps(entry.info)))
            return True

    def list_backups(self, account_id: str | None = None, destination: str | None = None,
                       conn: Connection | None = None) -> list[BackupEntry]:
        """Oldest first."""
        q = select(t.snapshots).order_by(t.snapshots.c.created_at, t.snapshots.c.id)
        if account_id is not None:
            q = q.where(t.snapshots.c.account_id == account_id)
        if destination is not None:
            q = q.where(t.snapshots.c.destination == destination)
        with self._conn(conn) as c:
            return [self._snapshot(r) for r in c.execute(q)]

    def find_backup(self, backup_id: str, conn: Connection | None = None) -> BackupEntry | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.snapshots).where(t.snapshots.c.id == backup_id)).first()
        return self._snapshot(r) if r else None

    def get_backup(self, backup_id: str, conn: Connection | None = None) -> BackupEntry:
        entry = self.find_backup(backup_id, conn)
        if entry is None:
            raise NotFoundError(f"No backup with id {backup_id!r}.",
                                hint="List backups with 'unitvault backup list ACCOUNT'.")
        return entry

    def set_backup_status(self, backup_id: str, status: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(update(t.snapshots).where(t.snapshots.c.id == backup_id).values(status=status))

    def remove_backup(self, backup_id: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.snapshots).where(t.snapshots.c.id == backup_id))

    # --- pack index cache (the destination's listing is the truth) -------------------------------
    def known_packs(self, destination: str, account_id: str, conn: Connection | None = None) -> set[str]:
        kp = t.known_packs
        with self._conn(conn) as c:
            return {r.pack_id for r in c.execute(
                select(kp.c.pack_id).where(kp.c.destination == destination, kp.c.account_id == account_id))}

    def known_blobs(self, destination: str, account_id: str,
                    conn: Connection | None = None) -> dict[str, tuple[str, int, int, int]]:
        """blob id -> (pack id, offset, length, raw size)."""
        kb = t.known_blobs
        with self._conn(conn) as c:
            return {r.blob_id: (r.pack_id, int(r.offset), int(r.length), int(r.raw_size)) for r in c.execute(
                select(kb).where(kb.c.destination == destination, kb.c.account_id == account_id))}

    def add_pack(self, destination: str, account_id: str, pack_id: str,
                 blobs: dict[str, tuple[int, int, int]], conn: Connection | None = None) -> None:
        """Record one pack and its blobs (blob id -> (offset, length, raw size)); idempotent."""
        kp, kb = t.known_packs, t.known_blobs
        with self._conn(conn, write=True) as c:
            if c.execute(select(kp.c.pack_id).where(kp.c.destination == destination, kp.c.account_id == account_id,
                                                    kp.c.pack_id == pack_id)).first():
                return
            c.execute(insert(kp).values(destination=destination, account_id=account_id, pack_id=pack_id))
            ids = list(blobs)
            have: set[str] = set()
            for i in range(0, len(ids), 500):
                have.update(r.blob_id for r in c.execute(select(kb.c.blob_id).where(
                    kb.c.destination == destination, kb.c.account_id == account_id,
                    kb.c.blob_id.in_(ids[i:i + 500]))))
            rows = [{"destination": destination, "account_id": account_id, "blob_id": b, "pack_id": pack_id,
                     "offset": o, "length": n, "raw_size": r} for b, (o, n, r) in blobs.items() if b not in have]
            if rows:
                c.execute(insert(kb), rows)

    def forget_packs(self, destination: str, account_id: str, pack_ids: Iterable[str] | None = None,
                     conn: Connection | None = None) -> None:
        """Drop packs (all of the account's when ``pack_ids`` is None) and the blobs located in them."""
        kp, kb = t.known_packs, t.known_blobs
        with self._conn(conn, write=True) as c:
            qp = delete(kp).where(kp.c.destination == destination, kp.c.account_id == account_id)
            qb = delete(kb).where(kb.c.destination == destination, kb.c.account_id == account_id)
            if pack_ids is None:
                c.execute(qp)
                c.execute(qb)
                return
            ids = list(pack_ids)
            for i in range(0, len(ids), 500):
                c.execute(qp.where(kp.c.pack_id.in_(ids[i:i + 500])))
                c.execute(qb.where(kb.c.pack_id.in_(ids[i:i + 500])))


def _check_excludes(patterns: Iterable[str]) -> tuple[str, ...]:
    out = []
    for p in patterns:
        if not isinstance(p, str) or not p.strip() or "\n" in p or "\x00" in p:
            raise InvalidInputError("An exclude pattern is empty or contains a line break.")
        out.append(p)
    try:
        import pathspec

        pathspec.PathSpec.from_lines("gitignore", out)
    except Exception:
        raise InvalidInputError("An exclude pattern is not a valid gitignore-style glob.") from None
    return tuple(out)
