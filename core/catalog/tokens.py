"""Backup tokens: one per user, stored as the SHA-256 of the token (never the token), with the
moment it becomes valid (later than its creation for password-less users)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate


@dataclass(frozen=True)
class TokenRecord:
    user_id: str
    token_hash: str = ""
    created_at: str = ""
    valid_from: str = ""
    resets: int = 0

    def __repr__(self) -> str:  # the hash is not a secret, but nothing prints it by accident
        return f"TokenRecord(user_id={self.user_id!r}, created_at={self.created_at!r}, valid_from={self.valid_from!r})"


class BackupTokens(Aggregate):
    def get(self, user_id: str, conn: Connection | None = None) -> TokenRecord | None:
        with self._conn(conn) as c:
            row = c.execute(select(t.user_tokens).where(t.user_tokens.c.user_id == user_id)).first()
        return TokenRecord(row.user_id, row.token_hash, row.created_at, row.valid_from, row.resets) if row else None

    def put(self, user_id: str, token_hash: str, valid_from: str, conn: Connection | None = None) -> TokenRecord:
        """Create the user's token, or replace it (a reset: the old one stops working at once)."""
        with self._conn(conn, write=True) as c:
            now = self.catalog.now()
            old = self.get(user_id, c)
            if old is None:
                c.execute(insert(t.user_tokens).values(user_id=user_id, token_hash=token_hash, created_at=now,
                                                       valid_from=valid_from, resets=0))
            else:
                c.execute(update(t.user_tokens).where(t.user_tokens.c.user_id == user_id).values(
                    token_hash=token_hash, created_at=now, valid_from=valid_from, resets=old.resets + 1))
            return self.get(user_id, c)

    def allow_now(self, user_id: str, conn: Connection | None = None) -> TokenRecord | None:
        with self._conn(conn, write=True) as c:
            c.execute(update(t.user_tokens).where(t.user_tokens.c.user_id == user_id)
                      .values(valid_from=self.catalog.now()))
            return self.get(user_id, c)

    def remove(self, user_id: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.user_tokens).where(t.user_tokens.c.user_id == user_id))
