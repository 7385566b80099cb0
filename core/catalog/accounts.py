"""Accounts and the units they own. A deleted account keeps its row (its UUID is never reused) and
frees its username; its backups stay in the index and at the destinations."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.catalog.records import ACTIVE, DELETED, ENCRYPTION_MODES, SUSPENDED, Account, dumps
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

UNCHANGED = object()
USERNAME_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")


def check_username(name: str) -> str:
    if not isinstance(name, str) or not USERNAME_RE.match(name):
        raise InvalidInputError(f"Invalid username {name!r}.",
                                hint="Use 1-32 lowercase letters, digits, '_', '.' or '-', starting with a letter or '_'.")
    return name


def check_excludes(patterns: Iterable[str]) -> tuple[str, ...]:
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


def check_encryption(mode: str) -> str:
    if mode not in ENCRYPTION_MODES:
        raise InvalidInputError(f"Unknown encryption mode {mode!r}.", hint="Use 'app' or 'owner'.")
    return mode


class Accounts(Aggregate):
    def _account(self, c: Connection, row) -> Account:
        units = tuple(r.unit_name for r in c.execute(
            select(t.account_units.c.unit_name).where(t.account_units.c.account_id == row.id)
            .order_by(t.account_units.c.unit_name)))
        tags = tuple(r.tag for r in c.execute(
            select(t.account_tags.c.tag).where(t.account_tags.c.account_id == row.id).order_by(t.account_tags.c.tag)))
        return Account(row.id, row.username, row.email, row.home_dir, row.status,
                       tuple(json.loads(row.excludes)), row.encryption, units, row.created_at, row.updated_at,
                       row.max_on_demand, row.priority_group, tags)

    def _reload(self, c: Connection, account_id: str) -> Account:
        return self._account(c, c.execute(select(t.accounts).where(t.accounts.c.id == account_id)).one())

    def _find_active(self, c: Connection, username: str):
        return c.execute(select(t.accounts).where(t.accounts.c.username == username,
                                                  t.accounts.c.status != DELETED)).first()

    def add(self, username: str, home_dir: str, *, email: str = "", units: Iterable[str] = (),
            excludes: Iterable[str] = (), encryption: str = "app", account_id: str | None = None,
            conn: Connection | None = None) -> Account:
        check_username(username)
        check_encryption(encryption)
        excludes = check_excludes(excludes)
        with self._conn(conn, write=True) as c:
            if self._find_active(c, username):
                raise AlreadyExistsError(f"An account named {username!r} already exists.")
            if account_id:
                account_id = str(uuid.UUID(account_id))
                if c.execute(select(t.accounts.c.id).where(t.accounts.c.id == account_id)).first():
                    raise AlreadyExistsError(f"The account UUID {account_id} is already in use.")
            stamp = self.catalog.now()
            new_id = account_id or str(uuid.uuid4())
            c.execute(insert(t.accounts).values(
                id=new_id, username=username, email=email or "", home_dir=str(home_dir), status=ACTIVE,
                excludes=dumps(list(excludes)), encryption=encryption, created_at=stamp, updated_at=stamp))
            for unit in sorted(set(units)):
                c.execute(insert(t.account_units).values(account_id=new_id, unit_name=unit))
            return self._reload(c, new_id)

    def list(self, *, include_deleted: bool = False, conn: Connection | None = None) -> list[Account]:
        """Every account, by username. Three queries whatever the number of accounts (units and tags
        are read for all of them at once: one query per account cost a second at 1,000 accounts)."""
        with self._conn(conn) as c:
            q = select(t.accounts).order_by(t.accounts.c.username, t.accounts.c.created_at)
            if not include_deleted:
                q = q.where(t.accounts.c.status != DELETED)
            rows = c.execute(q).all()
            units: dict[str, list[str]] = {}
            for r in c.execute(select(t.account_units.c.account_id, t.account_units.c.unit_name)
                               .order_by(t.account_units.c.unit_name)):
                units.setdefault(r[0], []).append(r[1])
            tags: dict[str, list[str]] = {}
            for r in c.execute(select(t.account_tags.c.account_id, t.account_tags.c.tag).order_by(t.account_tags.c.tag)):
                tags.setdefault(r[0], []).append(r[1])
            return [Account(r.id, r.username, r.email, r.home_dir, r.status, tuple(json.loads(r.excludes)),
                            r.encryption, tuple(units.get(r.id, ())), r.created_at, r.updated_at, r.max_on_demand,
                            r.priority_group, tuple(tags.get(r.id, ()))) for r in rows]

    def find(self, name_or_id: str, conn: Connection | None = None) -> Account | None:
        """An account by username (active or suspended) or by UUID (any status)."""
        with self._conn(conn) as c:
            row = self._find_active(c, name_or_id)
            if row is None:
                row = c.execute(select(t.accounts).where(t.accounts.c.id == name_or_id)).first()
            return self._account(c, row) if row else None

    def units_of(self, account_ids: Iterable[str], conn: Connection | None = None) -> set[str]:
        """The units of those accounts (by UUID) that are not deleted, in one query."""
        ids = list(account_ids)
        if not ids:
            return set()
        with self._conn(conn) as c:
            return set(c.execute(
                select(t.account_units.c.unit_name)
                .join(t.accounts, t.accounts.c.id == t.account_units.c.account_id)
                .where(t.account_units.c.account_id.in_(ids), t.accounts.c.status != DELETED)).scalars())

    def get(self, name_or_id: str, conn: Connection | None = None) -> Account:
        account = self.find(name_or_id, conn)
        if account is None:
            raise NotFoundError(f"No account named {name_or_id!r}.", kind="account_not_found",
                                data={"name": name_or_id})
        return account

    def edit(self, name_or_id: str, *, username: str | None = None, email: str | None = None,
             home_dir: str | None = None, units: Iterable[str] | None = None,
             excludes: Iterable[str] | None = None, encryption: str | None = None,
             max_on_demand=UNCHANGED, priority_group=UNCHANGED, conn: Connection | None = None) -> Account:
        """``None`` leaves a field alone; ``max_on_demand`` and ``priority_group`` may be cleared, so for
        them ``UNCHANGED`` (the default) leaves them and ``None`` clears them."""
        with self._conn(conn, write=True) as c:
            account = self.get(name_or_id, c)
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
                values["excludes"] = dumps(list(check_excludes(excludes)))
            if encryption is not None:
                values["encryption"] = check_encryption(encryption)
            if max_on_demand is not UNCHANGED:
                values["max_on_demand"] = max_on_demand
            if priority_group is not UNCHANGED:
                values["priority_group"] = priority_group
            values["updated_at"] = self.catalog.now()
            c.execute(update(t.accounts).where(t.accounts.c.id == account.id).values(**values))
            if units is not None:
                c.execute(delete(t.account_units).where(t.account_units.c.account_id == account.id))
                for unit in sorted(set(units)):
                    c.execute(insert(t.account_units).values(account_id=account.id, unit_name=unit))
            return self._reload(c, account.id)

    def set_status(self, name_or_id: str, status: str, conn: Connection | None = None) -> Account:
        if status not in (ACTIVE, SUSPENDED):
            raise InvalidInputError(f"Unknown account status {status!r}.")
        with self._conn(conn, write=True) as c:
            account = self.get(name_or_id, c)
            if account.status == DELETED:
                raise NotFoundError(f"The account {account.username!r} was deleted.")
            c.execute(update(t.accounts).where(t.accounts.c.id == account.id)
                      .values(status=status, updated_at=self.catalog.now()))
            return self._reload(c, account.id)

    # --- reassigned UUIDs ---------------------------------------------------------------------------
    def aliases(self, account_id: str, conn: Connection | None = None) -> list[str]:
        with self._conn(conn) as c:
            return sorted(r.uuid for r in c.execute(select(t.account_aliases.c.uuid)
                                                    .where(t.account_aliases.c.account_id == account_id)))

    def all_aliases(self, conn: Connection | None = None) -> dict[str, str]:
        """Every reassigned UUID -> the account it belongs to."""
        with self._conn(conn) as c:
            return {r[0]: r[1] for r in c.execute(select(t.account_aliases.c.uuid, t.account_aliases.c.account_id))}

    def alias_owner(self, uuid_: str, conn: Connection | None = None) -> str | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.account_aliases.c.account_id).where(t.account_aliases.c.uuid == uuid_)).first()
        return r[0] if r else None

    def add_alias(self, uuid_: str, account_id: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.account_aliases).where(t.account_aliases.c.uuid == uuid_))
            c.execute(insert(t.account_aliases).values(uuid=uuid_, account_id=account_id, created_at=self.catalog.now()))

    def undelete(self, account_id: str, username: str, home_dir: str, conn: Connection | None = None) -> Account:
        """A deleted account comes back (adopting its orphaned backups) under a username not in use."""
        check_username(username)
        with self._conn(conn, write=True) as c:
            account = self.get(account_id, c)
            if account.status != DELETED:
                raise AlreadyExistsError(f"The account {account.username!r} exists and is not deleted.")
            if self._find_active(c, username):
                raise AlreadyExistsError(f"An account named {username!r} already exists.")
            c.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(
                username=username, home_dir=str(home_dir), status=ACTIVE, deleted_at=None,
                updated_at=self.catalog.now()))
            return self._reload(c, account_id)

    def delete(self, name_or_id: str, conn: Connection | None = None) -> Account:
        """Mark the account deleted: the row stays (its UUID is never reused), the username is free
        again, and its backups stay in the index and at the destinations."""
        with self._conn(conn, write=True) as c:
            account = self.get(name_or_id, c)
            stamp = self.catalog.now()
            c.execute(update(t.accounts).where(t.accounts.c.id == account.id)
                      .values(status=DELETED, deleted_at=stamp, updated_at=stamp))
            return self._reload(c, account.id)
