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
    LargeBinary,
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

# Team mode (the unit store on a server): safety snapshots live here, so a snapshot taken on one
# workstation can be undone from another (core/unit_import/shared.py). A snapshot's row and its bundle
# (in chunks) are written in the import's own transaction (migration u0006).
safety_snapshots = Table(
    "safety_snapshots", metadata,
    Column("id", String(32), primary_key=True),
    Column("unit_id", String(36), nullable=False, index=True),
    Column("unit_name", String(63), nullable=False),
    Column("created", String(40), nullable=False),
    Column("sections", Text, nullable=False),              # JSON list
    Column("size", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("undone", Boolean, nullable=False),
    Column("digest", String(64), nullable=True),
    Column("workstation", String(255), nullable=False),    # where it was taken (shown, never trusted)
)

safety_snapshot_chunks = Table(
    "safety_snapshot_chunks", metadata,
    Column("snapshot_id", String(32), ForeignKey("safety_snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# Keys the unit store's own data needs, shared by every workstation on it (team mode): the safety
# snapshot key. It protects nothing this database does not already hold in the clear (a snapshot is
# a copy of the unit's records), and kept anywhere else it would make an undo from another
# workstation impossible (docs/team-mode.md).
store_keys = Table(
    "store_keys", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)
