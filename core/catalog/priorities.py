"""Priority groups (a name and a value; lower runs first), the group of each kind of queued work,
and how an item's group is chosen: the account's override, else the highest-priority group among its
tags, else the kind's group."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

KINDS = ("backup", "restore", "download")
GROUP_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,31}$")


@dataclass(frozen=True)
class PriorityGroup:
    name: str
    value: int

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value}


def check_value(value: int) -> int:
    if not isinstance(value, int) or not 0 <= value <= 1000:
        raise InvalidInputError("A priority value is a whole number from 0 (first) to 1000 (last).")
    return value


class PriorityGroups(Aggregate):
    def list(self, conn: Connection | None = None) -> list[PriorityGroup]:
        with self._conn(conn) as c:
            return [PriorityGroup(r.name, int(r.value)) for r in
                    c.execute(select(t.priority_groups).order_by(t.priority_groups.c.value, t.priority_groups.c.name))]

    def get(self, name: str, conn: Connection | None = None) -> PriorityGroup:
        with self._conn(conn) as c:
            r = c.execute(select(t.priority_groups).where(t.priority_groups.c.name == name)).first()
        if r is None:
            raise NotFoundError(f"No priority group named {name!r}.", kind="priority_group_not_found",
                                data={"name": name})
        return PriorityGroup(r.name, int(r.value))

    def add(self, name: str, value: int, conn: Connection | None = None) -> PriorityGroup:
        if not isinstance(name, str) or not GROUP_RE.match(name):
            raise InvalidInputError(f"Invalid priority group name {name!r}.")
        check_value(value)
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.priority_groups.c.name).where(t.priority_groups.c.name == name)).first():
                raise AlreadyExistsError(f"A priority group named {name!r} already exists.")
            c.execute(insert(t.priority_groups).values(name=name, value=value))
        return PriorityGroup(name, value)

    def set_value(self, name: str, value: int, conn: Connection | None = None) -> PriorityGroup:
        check_value(value)
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            c.execute(update(t.priority_groups).where(t.priority_groups.c.name == name).values(value=value))
        return PriorityGroup(name, value)

    def remove(self, name: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            used = (c.execute(select(t.type_priorities.c.type).where(t.type_priorities.c.priority_group == name)).first()
                    or c.execute(select(t.tags.c.name).where(t.tags.c.priority_group == name)).first()
                    or c.execute(select(t.accounts.c.id).where(t.accounts.c.priority_group == name)).first())
            if used:
                raise InvalidInputError(f"The priority group {name!r} is in use (by a kind of work, a tag or an "
                                        "account); choose another group there first.")
            c.execute(delete(t.priority_groups).where(t.priority_groups.c.name == name))

    # --- per kind ---------------------------------------------------------------------------------------
    def kinds(self, conn: Connection | None = None) -> dict[str, str]:
        with self._conn(conn) as c:
            return {r.type: r.priority_group for r in c.execute(select(t.type_priorities))}

    def set_kind(self, kind: str, group: str, conn: Connection | None = None) -> None:
        if kind not in KINDS:
            raise InvalidInputError(f"Unknown kind of work {kind!r}.", hint=f"Use {', '.join(KINDS)}.")
        with self._conn(conn, write=True) as c:
            self.get(group, c)
            c.execute(update(t.type_priorities).where(t.type_priorities.c.type == kind).values(priority_group=group))

    def resolve(self, kind: str, account=None, conn: Connection | None = None) -> PriorityGroup:
        """The group an item of ``kind`` for ``account`` (a catalog Account or None) runs in."""
        with self._conn(conn) as c:
            if account is not None and account.priority_group:
                found = c.execute(select(t.priority_groups).where(
                    t.priority_groups.c.name == account.priority_group)).first()
                if found is not None:
                    return PriorityGroup(found.name, int(found.value))
            if account is not None and account.tags:
                row = c.execute(select(t.priority_groups).join(t.tags, t.tags.c.priority_group == t.priority_groups.c.name)
                                .where(t.tags.c.name.in_(list(account.tags)))
                                .order_by(t.priority_groups.c.value, t.priority_groups.c.name)).first()
                if row is not None:
                    return PriorityGroup(row.name, int(row.value))
            name = self.kinds(c).get(kind, "Normal")
            return self.get(name, c)
