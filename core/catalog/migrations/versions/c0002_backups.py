"""The snapshot index is the backup index: an account's backup and a unit's safety snapshot are
different words everywhere.

Revision ID: c0002
Revises: c0001
"""
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_snapshots_account", table_name="snapshots")
    op.rename_table("snapshots", "backups")
    op.create_index("ix_backups_account", "backups", ["account_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_backups_account", table_name="backups")
    op.rename_table("backups", "snapshots")
    op.create_index("ix_snapshots_account", "snapshots", ["account_id", "created_at"])
