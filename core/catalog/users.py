"""Users of the app and their roles, the accounts a user owns, and CLI sessions.

A ``User`` never carries its password hash or its sealed vault: they are read on their own
(``password_hash``, ``vault``), only by the code that needs them, so no listing or repr can show them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

ADMIN, HELPDESK, USER = "admin", "helpdesk", "user"
ROLES = (ADMIN, HELPDESK, USER)
USERNAME_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,}$")
UNCHANGED = object()


@dataclass(frozen=True)
class User:
    id: str
    username: str
    role: str
    email: str
    password_less: bool
    accounts: tuple[str, ...]      # ids of the accounts the user owns
    created_at: str
    updated_at: str
    has_vault: bool = False

    def as_dict(self, usernames: dict[str, str] | None = None) -> dict:
        names = usernames or {}
        return {"username": self.username, "role": self.role, "email": self.email,
                "password_less": self.password_less,
                "accounts": [names.get(a, a) for a in self.accounts],
                "created_at": self.created_at, "updated_at": self.updated_at}


def check_user_name(name: str) -> str:
    if not isinstance(name, str) or not USERNAME_RE.match(name):
        raise InvalidInputError(f"Invalid user name {name!r}.",
                                hint="Use 1-32 lowercase letters, digits, '_', '.' or '-', starting with a letter or '_'.")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInputError(f"Unknown role {role!r}.", hint="Use admin, helpdesk or user.", kind="invalid_role")
    return role


def check_email(email: str) -> str:
    email = (email or "").strip()
    if email and not EMAIL_RE.match(email):
        raise InvalidInputError(f"Invalid email address {email!r}.", kind="invalid_email")
    return email


class Users(Aggregate):
    def _user(self, c: Connection, row) -> User:
        accounts = tuple(r.account_id for r in c.execute(
            select(t.user_accounts.c.account_id).where(t.user_accounts.c.user_id == row.id)
            .order_by(t.user_accounts.c.account_id)))
        return User(row.id, row.username, row.role, row.email, row.password_hash is None, accounts,
                    row.created_at, row.updated_at, row.vault is not None)

    def count(self, conn: Connection | None = None) -> int:
        with self._conn(conn) as c:
            return int(c.execute(select(func.count()).select_from(t.users)).scalar() or 0)

    def count_role(self, role: str, conn: Connection | None = None) -> int:
        with self._conn(conn) as c:
            return int(c.execute(select(func.count()).select_from(t.users).where(t.users.c.role == role)).scalar()
                       or 0)

    def add(self, username: str, role: str, *, password_hash: str | None, email: str = "",
            accounts: tuple[str, ...] = (), conn: Connection | None = None) -> User:
        check_user_name(username)
        check_role(role)
        email = check_email(email)
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.users.c.id).where(t.users.c.username == username)).first():
                raise AlreadyExistsError(f"A user named {username!r} already exists.", kind="user_exists",
                                         data={"name": username})
            stamp = self.catalog.now()
            user_id = str(uuid.uuid4())
            c.execute(insert(t.users).values(id=user_id, username=username, role=role, email=email,
                                             password_hash=password_hash, created_at=stamp, updated_at=stamp))
            for account_id in sorted(set(accounts)):
                c.execute(insert(t.user_accounts).values(user_id=user_id, account_id=account_id))
            return self._get(c, user_id)

    def _get(self, c: Connection, user_id: str) -> User:
        return self._user(c, c.execute(select(t.users).where(t.users.c.id == user_id)).one())

    def list(self, conn: Connection | None = None) -> list[User]:
        with self._conn(conn) as c:
            return [self._user(c, r) for r in c.execute(select(t.users).order_by(t.users.c.username)).all()]

    def find(self, name_or_id: str, conn: Connection | None = None) -> User | None:
        with self._conn(conn) as c:
            row = c.execute(select(t.users).where((t.users.c.username == name_or_id)
                                                  | (t.users.c.id == name_or_id))).first()
            return self._user(c, row) if row else None

    def get(self, name_or_id: str, conn: Connection | None = None) -> User:
        user = self.find(name_or_id, conn)
        if user is None:
            raise NotFoundError(f"No user named {name_or_id!r}.", kind="user_not_found", data={"name": name_or_id})
        return user

    def owners_of(self, account_id: str, conn: Connection | None = None) -> list[User]:
        with self._conn(conn) as c:
            rows = c.execute(select(t.users).join(t.user_accounts, t.user_accounts.c.user_id == t.users.c.id)
                             .where(t.user_accounts.c.account_id == account_id).order_by(t.users.c.username)).all()
            return [self._user(c, r) for r in rows]

    def edit(self, name_or_id: str, *, role: str | None = None, email: str | None = None,
             password_hash=UNCHANGED, accounts: tuple[str, ...] | None = None, vault=UNCHANGED,
             conn: Connection | None = None) -> User:
        """``None`` leaves a field alone; ``password_hash`` and ``vault`` may be cleared, so for them
        ``UNCHANGED`` (the default) leaves them and ``None`` clears them."""
        with self._conn(conn, write=True) as c:
            user = self.get(name_or_id, c)
            values: dict = {}
            if role is not None:
                values["role"] = check_role(role)
            if email is not None:
                values["email"] = check_email(email)
            if password_hash is not UNCHANGED:
                values["password_hash"] = password_hash
            if vault is not UNCHANGED:
                values["vault"] = vault
            if values:
                values["updated_at"] = self.catalog.now()
                c.execute(update(t.users).where(t.users.c.id == user.id).values(**values))
            if accounts is not None:
                c.execute(delete(t.user_accounts).where(t.user_accounts.c.user_id == user.id))
                for account_id in sorted(set(accounts)):
                    c.execute(insert(t.user_accounts).values(user_id=user.id, account_id=account_id))
            return self._get(c, user.id)

    def remove(self, name_or_id: str, conn: Connection | None = None) -> User:
        with self._conn(conn, write=True) as c:
            user = self.get(name_or_id, c)
            c.execute(delete(t.users).where(t.users.c.id == user.id))
            return user

    def password_hash(self, user_id: str, conn: Connection | None = None) -> str | None:
        with self._conn(conn) as c:
            return c.execute(select(t.users.c.password_hash).where(t.users.c.id == user_id)).scalar()

    def vault(self, user_id: str, conn: Connection | None = None) -> str | None:
        with self._conn(conn) as c:
            return c.execute(select(t.users.c.vault).where(t.users.c.id == user_id)).scalar()

    # --- CLI sessions ---------------------------------------------------------------------------------
    def add_session(self, user_id: str, id_hash: str, expires_at: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(insert(t.user_sessions).values(id_hash=id_hash, user_id=user_id, created_at=self.catalog.now(),
                                                     expires_at=expires_at))

    def session_user(self, id_hash: str, now: str, conn: Connection | None = None) -> User | None:
        """The user of a session that has not expired."""
        with self._conn(conn) as c:
            row = c.execute(select(t.user_sessions).where(t.user_sessions.c.id_hash == id_hash)).first()
            if row is None or row.expires_at <= now:
                return None
            return self.find(row.user_id, c)

    def end_session(self, id_hash: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.user_sessions).where(t.user_sessions.c.id_hash == id_hash))

    def end_sessions(self, user_id: str, *, now: str | None = None, conn: Connection | None = None) -> None:
        """Every session of the user (a password change or removal), and any expired session."""
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.user_sessions).where(t.user_sessions.c.user_id == user_id))
            if now is not None:
                c.execute(delete(t.user_sessions).where(t.user_sessions.c.expires_at <= now))
