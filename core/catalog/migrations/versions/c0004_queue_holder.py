"""Queue items that need a secret at run time (an owner's passphrase, a bundle password) name the
process holding it in memory: only that process may run them. Additive: one nullable column.

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


def downgrade() -> None:
    op.drop_column("queue_items", "holder")
