"""Queue items that need a secret at run time (an owner's passphrase, a bundle password) name the
process holding it in memory: only that process may run them; an index lists finished items latest
first without sorting them all. Additive: one nullable column and one index.

Revision ID: c0004
Revises: c0003
"""
import sqlalchemy as sa
from alembic import op

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("queue_items", sa.Column("holder", sa.String(96), nullable=True))
    op.create_index("ix_queue_finished", "queue_items", ["state", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_finished", table_name="queue_items")
    op.drop_column("queue_items", "holder")
