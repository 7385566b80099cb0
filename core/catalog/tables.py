"""SQLAlchemy Core tables of the catalog: the app's own database of accounts, destinations, and the
index of the backups stored at those destinations. Lists and maps are stored as JSON text."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, MetaData, String, Table, Text

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("id", String(36), primary_key=True),            # UUID, never reused
    Column("username", String(64), nullable=False),        # unique among accounts not deleted (checked in code)
    Column("email", String(254), nullable=False, default=""),
    Column("home_dir", Text, nullable=False),
    Column("status", String(16), nullable=False),          # active | suspended | deleted
    Column("excludes", Text, nullable=False),              # JSON list of gitignore-style patterns
    Column("encryption", String(16), nullable=False),      # app | owner
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("deleted_at", String(40), nullable=True),
)
Index("ix_accounts_username", accounts.c.username)

account_units = Table(
    "account_units", metadata,
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_name", String(63), primary_key=True),
)

destinations = Table(
    "destinations", metadata,
    Column("name", String(64), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("params", Text, nullable=False),                # JSON, never secrets
    Column("created_at", String(40), nullable=False),
)

backups = Table(
    "backups", metadata,
    Column("id", String(32), primary_key=True),            # random hex, unique across accounts/destinations
    Column("account_id", String(36), nullable=False),      # no FK: orphans (unknown accounts) are indexed too
    Column("destination", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("kind", String(16), nullable=False),            # manual | scheduled | on-demand
    Column("items", Text, nullable=False),                 # JSON list: account, units, files
    Column("size", BigInteger, nullable=False),            # logical bytes of the backup
    Column("new_data", BigInteger, nullable=False),        # bytes uploaded by the run that made it
    Column("encrypted", Boolean, nullable=False),
    Column("encryption", String(16), nullable=False),      # app | owner
    Column("status", String(16), nullable=False),          # complete | damaged | missing
    Column("file_count", BigInteger, nullable=False),
    Column("info", Text, nullable=False),                  # JSON: username, units, counts
)
Index("ix_backups_account", backups.c.account_id, backups.c.created_at)

# A cache of the repository's pack indexes (the destination's listing is the truth): which packs
# were read, and where each blob lives.
known_packs = Table(
    "known_packs", metadata,
    Column("destination", String(64), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("pack_id", String(64), primary_key=True),
)

known_blobs = Table(
    "known_blobs", metadata,
    Column("destination", String(64), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("blob_id", String(64), primary_key=True),
    Column("pack_id", String(64), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("raw_size", BigInteger, nullable=False),
)
