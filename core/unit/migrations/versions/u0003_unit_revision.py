"""A per-unit change counter: ``units.revision``, bumped by every mutating UnitStore call.

An import compares the revision it previewed with the one it finds under the write lock, so it
knows in O(1) whether the unit changed since the preview (instead of re-reading every record).
Existing units start at 0.

Revision ID: u0003
Revises: u0002
"""
import sqlalchemy as sa
from alembic import op

revision = "u0003"
down_revision = "u0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild: rebuilding ``units`` would cascade-delete every record).
    op.add_column("units", sa.Column("revision", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("units", "revision")  # SQLite >= 3.35 drops a column in place
