"""Catalog-wide settings (shared by every workstation on one catalog): the on-demand limits, queue
and worker settings. Values are stored as text; callers convert."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate


class CatalogSettings(Aggregate):
    def get(self, key: str, default: str | None = None, conn: Connection | None = None) -> str | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.catalog_settings.c.value).where(t.catalog_settings.c.key == key)).first()
        return r[0] if r else default

    def get_int(self, key: str, default: int, conn: Connection | None = None) -> int:
        value = self.get(key, None, conn)
        try:
            return int(value) if value is not None else default
        except ValueError:
            return default

    def set(self, key: str, value, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            if value is None:
                c.execute(delete(t.catalog_settings).where(t.catalog_settings.c.key == key))
            elif c.execute(select(t.catalog_settings.c.key).where(t.catalog_settings.c.key == key)).first():
                c.execute(update(t.catalog_settings).where(t.catalog_settings.c.key == key).values(value=str(value)))
            else:
                c.execute(insert(t.catalog_settings).values(key=key, value=str(value)))

    def all(self, conn: Connection | None = None) -> dict[str, str]:
        with self._conn(conn) as c:
            return {r.key: r.value for r in c.execute(select(t.catalog_settings))}
