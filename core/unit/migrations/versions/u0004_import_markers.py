"""One row per import that took a safety snapshot, written in the import's own transaction.

After a crash, start-up cleanup finds a snapshot still 'pending' and must know whether its import
committed. Comparing the unit's ``updated_at`` with the snapshot's marker was wrong as soon as a
second import into the same unit committed before any cleanup ran (the second stamp replaced the
first, and the first, committed, snapshot was deleted). A row per marker answers for each import.

Revision ID: u0004
Revises: u0003
"""
import sqlalchemy as sa
from alembic import op

revision = "u0004"
down_revision = "u0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_markers",
        sa.Column("marker", sa.String(64), primary_key=True),
        sa.Column("unit_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_markers")
