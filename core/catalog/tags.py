"""Tags: a name and a colour, assigned to accounts; a tag may carry a priority group."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
UNCHANGED = object()


@dataclass(frozen=True)
class Tag:
    name: str
    color: str
    priority_group: str | None
    accounts: int = 0

    def as_dict(self) -> dict:
        return {"name": self.name, "color": self.color, "priority_group": self.priority_group,
                "accounts": self.accounts}


def check_tag_name(name: str) -> str:
    if not isinstance(name, str) or not TAG_RE.match(name) or name != name.strip():
        raise InvalidInputError(f"Invalid tag name {name!r}.",
                                hint="Use 1-64 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit.")
    return name


def check_color(color: str) -> str:
    if not isinstance(color, str) or not COLOR_RE.match(color):
        raise InvalidInputError(f"Invalid colour {color!r}.", hint="Use #RRGGBB, e.g. #3a7bd5.", kind="invalid_color")
    return color.lower()


class Tags(Aggregate):
    def _tag(self, c: Connection, row) -> Tag:
        n = c.execute(select(func.count()).select_from(t.account_tags).where(t.account_tags.c.tag == row.name)).scalar()
        return Tag(row.name, row.color, row.priority_group, int(n or 0))

    def add(self, name: str, color: str, priority_group: str | None = None, conn: Connection | None = None) -> Tag:
        check_tag_name(name)
        color = check_color(color)
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.tags.c.name).where(t.tags.c.name == name)).first():
                raise AlreadyExistsError(f"A tag named {name!r} already exists.")
            if priority_group is not None:
                self.catalog.priorities.get(priority_group, c)
            c.execute(insert(t.tags).values(name=name, color=color, priority_group=priority_group,
                                            created_at=self.catalog.now()))
            return self.get(name, c)

    def list(self, conn: Connection | None = None) -> list[Tag]:
        with self._conn(conn) as c:
            return [self._tag(c, r) for r in c.execute(select(t.tags).order_by(t.tags.c.name))]

    def find(self, name: str, conn: Connection | None = None) -> Tag | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.tags).where(t.tags.c.name == name)).first()
            return self._tag(c, r) if r else None

    def get(self, name: str, conn: Connection | None = None) -> Tag:
        tag = self.find(name, conn)
        if tag is None:
            raise NotFoundError(f"No tag named {name!r}.", kind="tag_not_found", data={"name": name})
        return tag

    def edit(self, name: str, *, rename: str | None = None, color: str | None = None,
             priority_group=UNCHANGED, conn: Connection | None = None) -> Tag:
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            values: dict = {}
            if color is not None:
                values["color"] = check_color(color)
            if priority_group is not UNCHANGED:
                if priority_group is not None:
                    self.catalog.priorities.get(priority_group, c)
                values["priority_group"] = priority_group
            if rename is not None and rename != name:
                check_tag_name(rename)
                if self.find(rename, c):
                    raise AlreadyExistsError(f"A tag named {rename!r} already exists.")
                values["name"] = rename
                c.execute(update(t.account_tags).where(t.account_tags.c.tag == name).values(tag=rename))
            if values:
                c.execute(update(t.tags).where(t.tags.c.name == name).values(**values))
            return self.get(rename or name, c)

    def remove(self, name: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            c.execute(delete(t.account_tags).where(t.account_tags.c.tag == name))
            c.execute(delete(t.tags).where(t.tags.c.name == name))

    def assign(self, name: str, account_id: str, conn: Connection | None = None) -> bool:
        """True when the account did not have the tag yet."""
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            if c.execute(select(t.account_tags).where(t.account_tags.c.tag == name,
                                                      t.account_tags.c.account_id == account_id)).first():
                return False
            c.execute(insert(t.account_tags).values(tag=name, account_id=account_id))
            return True

    def unassign(self, name: str, account_id: str, conn: Connection | None = None) -> bool:
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            n = c.execute(delete(t.account_tags).where(t.account_tags.c.tag == name,
                                                       t.account_tags.c.account_id == account_id)).rowcount
            return bool(n)

    def account_ids(self, name: str, conn: Connection | None = None) -> set[str]:
        with self._conn(conn) as c:
            return {r.account_id for r in c.execute(select(t.account_tags.c.account_id)
                                                    .where(t.account_tags.c.tag == name))}
