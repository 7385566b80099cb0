"""The first unit store: units and the four sections.

Revision ID: u0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "u0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(63), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "plugins",
        sa.Column("unit_id", sa.String(36), sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("permissions", sa.Text, nullable=False),
        sa.Column("mappings", sa.Text, nullable=False),
    )
    op.create_table(
        "workspaces",
        sa.Column("unit_id", sa.String(36), sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
    )
    op.create_table(
        "applications",
        sa.Column("unit_id", sa.String(36), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(["unit_id", "workspace_id"], ["workspaces.unit_id", "workspaces.id"],
                                ondelete="CASCADE"),
    )
    op.create_table(
        "profiles",
        sa.Column("unit_id", sa.String(36), sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.create_table(
        "profile_workspaces",
        sa.Column("unit_id", sa.String(36), primary_key=True),
        sa.Column("profile_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["unit_id", "profile_id"], ["profiles.unit_id", "profiles.id"],
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id", "workspace_id"], ["workspaces.unit_id", "workspaces.id"]),
    )
    op.create_table(
        "config_keys",
        sa.Column("unit_id", sa.String(36), sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("secret", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in ("config_keys", "profile_workspaces", "profiles", "applications", "workspaces",
                 "plugins", "units"):
        op.drop_table(name)
