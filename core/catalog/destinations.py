"""Destinations: name, type and params (never secrets; those live in the secrets store)."""

from __future__ import annotations

import json
import re

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.catalog.records import dumps
from core.destinations.base import DESTINATION_TYPES, DestinationConfig
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

DESTINATION_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_destination_name(name: str) -> str:
    if not isinstance(name, str) or not DESTINATION_NAME_RE.match(name):
        raise InvalidInputError(f"Invalid destination name {name!r}.",
                                hint="Use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.")
    return name


class Destinations(Aggregate):
    def add(self, config: DestinationConfig, conn: Connection | None = None) -> DestinationConfig:
        check_destination_name(config.name)
        if config.type not in DESTINATION_TYPES:
            raise InvalidInputError(f"Unknown destination type {config.type!r}.", hint="Use local, sftp or s3.")
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.destinations.c.name).where(t.destinations.c.name == config.name)).first():
                raise AlreadyExistsError(f"A destination named {config.name!r} already exists.",
                                         kind="destination_exists", data={"name": config.name})
            c.execute(insert(t.destinations).values(name=config.name, type=config.type,
                                                    params=dumps(dict(config.params or {})),
                                                    created_at=self.catalog.now()))
        return config

    def list(self, conn: Connection | None = None) -> list[DestinationConfig]:
        with self._conn(conn) as c:
            return [DestinationConfig(name=r.name, type=r.type, params=json.loads(r.params))
                    for r in c.execute(select(t.destinations).order_by(t.destinations.c.name))]

    def find(self, name: str, conn: Connection | None = None) -> DestinationConfig | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.destinations).where(t.destinations.c.name == name)).first()
        return DestinationConfig(name=r.name, type=r.type, params=json.loads(r.params)) if r else None

    def get(self, name: str, conn: Connection | None = None) -> DestinationConfig:
        config = self.find(name, conn)
        if config is None:
            raise NotFoundError(f"No destination named {name!r}.", kind="destination_not_found",
                                data={"name": name})
        return config

    def remove(self, name: str, conn: Connection | None = None) -> None:
        """Forget the destination's config (the data stays there). The index of its backups and the
        blob cache are other aggregates: remove them in the same transaction."""
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            c.execute(delete(t.destinations).where(t.destinations.c.name == name))
