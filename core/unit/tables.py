"""SQLAlchemy Core tables of the unit store. Records are keyed by (unit_id, record id), so one
bundle can be imported into several units side by side. JSON values are stored as text."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

units = Table(
    "units", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    # Change counter: bumped by every mutating UnitStore call for this unit (migration u0003); starts
    # at a random 40-bit number, hence 64 bits (u0005).
    Column("revision", BigInteger, nullable=False, server_default="0"),
)

plugins = Table(
    "plugins", metadata,
    Column("unit_id", String(36), ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("version", String(64), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("config", Text, nullable=False),
    Column("permissions", Text, nullable=False),
    Column("mappings", Text, nullable=False),
)

workspaces = Table(
    "workspaces", metadata,
    Column("unit_id", String(36), ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("owner", String(200), nullable=False),
)

applications = Table(
    "applications", metadata,
    Column("unit_id", String(36), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("workspace_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("config", Text, nullable=False),
    ForeignKeyConstraint(["unit_id", "workspace_id"], ["workspaces.unit_id", "workspaces.id"],
                         ondelete="CASCADE"),
    Index("ix_applications_workspace", "unit_id", "workspace_id"),
)

profiles = Table(
    "profiles", metadata,
    Column("unit_id", String(36), ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
)

profile_workspaces = Table(
    "profile_workspaces", metadata,
    Column("unit_id", String(36), primary_key=True),
    Column("profile_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("workspace_id", String(64), nullable=False),
    ForeignKeyConstraint(["unit_id", "profile_id"], ["profiles.unit_id", "profiles.id"], ondelete="CASCADE"),
    # No cascade: a workspace named by a profile cannot vanish under it.
    ForeignKeyConstraint(["unit_id", "workspace_id"], ["workspaces.unit_id", "workspaces.id"]),
    Index("ix_profile_workspaces_workspace", "unit_id", "workspace_id"),
)

config_keys = Table(
    "config_keys", metadata,
    Column("unit_id", String(36), ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("secret", Boolean, nullable=False),
    Column("description", Text, nullable=False),
)

# One row per import that took a safety snapshot, inserted in the import's transaction: start-up
# cleanup keeps a pending snapshot exactly when its marker row exists (migration u0004).
import_markers = Table(
    "import_markers", metadata,
    Column("marker", String(64), primary_key=True),
    Column("unit_id", String(36), nullable=False),
    Column("created_at", String(40), nullable=False),
)
