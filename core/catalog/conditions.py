"""Restore conditions: texts an admin defines that whoever restores must accept, every one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.errors import InvalidInputError, NotFoundError


@dataclass(frozen=True)
class Condition:
    id: int
    text: str
    created_at: str

    def as_dict(self) -> dict:
        return {"id": self.id, "text": self.text, "created_at": self.created_at}


class RestoreConditions(Aggregate):
    def add(self, text: str, conn: Connection | None = None) -> Condition:
        text = (text or "").strip()
        if not text or len(text) > 2000:
            raise InvalidInputError("A restore condition is a text of 1 to 2,000 characters.")
        with self._conn(conn, write=True) as c:
            new_id = c.execute(insert(t.restore_conditions).values(text=text, created_at=self.catalog.now())
                               ).inserted_primary_key[0]
            return self.get(int(new_id), c)

    def list(self, conn: Connection | None = None) -> list[Condition]:
        with self._conn(conn) as c:
            return [Condition(int(r.id), r.text, r.created_at) for r in
                    c.execute(select(t.restore_conditions).order_by(t.restore_conditions.c.id))]

    def get(self, condition_id: int, conn: Connection | None = None) -> Condition:
        with self._conn(conn) as c:
            r = c.execute(select(t.restore_conditions).where(t.restore_conditions.c.id == condition_id)).first()
        if r is None:
            raise NotFoundError(f"No restore condition {condition_id}.")
        return Condition(int(r.id), r.text, r.created_at)

    def remove(self, condition_id: int, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            self.get(condition_id, c)
            c.execute(delete(t.restore_conditions).where(t.restore_conditions.c.id == condition_id))
