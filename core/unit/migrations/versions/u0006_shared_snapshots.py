"""Team mode: safety snapshots (and the key they are sealed with) in the unit store itself, so any
workstation on a shared store can list and undo them.

Revision ID: u0006
Revises: u0005
"""
import sqlalchemy as sa
from alembic import op

revision = "u0006"
down_revision = "u0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_snapshots",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("unit_id", sa.String(36), nullable=False),
        sa.Column("unit_name", sa.String(63), nullable=False),
        sa.Column("created", sa.String(40), nullable=False),
        sa.Column("sections", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("undone", sa.Boolean, nullable=False),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("workstation", sa.String(255), nullable=False),
    )
    op.create_index("ix_safety_snapshots_unit_id", "safety_snapshots", ["unit_id"])
    op.create_table(
        "safety_snapshot_chunks",
        sa.Column("snapshot_id", sa.String(32), sa.ForeignKey("safety_snapshots.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "store_keys",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("store_keys")
    op.drop_table("safety_snapshot_chunks")
    op.drop_index("ix_safety_snapshots_unit_id", "safety_snapshots")
    op.drop_table("safety_snapshots")
