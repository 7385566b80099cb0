"""Covering indexes for retention: every backup's id and time in the order a pass decides in
(destination, job, account, then newest first), and a partial index of the few backups with a lock or
an expiry, so a pass over a year of daily backups reads two indexes and never the table, and never
sorts. The first replaces c0003's index on (destination, job), its prefix.

Revision ID: c0006
Revises: c0005
"""
import sqlalchemy as sa
from alembic import op

revision = "c0006"
down_revision = "c0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_backups_retention", "backups",
                    ["destination", "job", "account_id", sa.text("created_at DESC"), sa.text("id DESC")])
    op.create_index("ix_backups_held", "backups",
                    ["destination", "job", "account_id", "id", "expires_at", "locked", "locked_until"],
                    sqlite_where=sa.text("locked = 1 OR expires_at IS NOT NULL"),
                    postgresql_where=sa.text("locked OR expires_at IS NOT NULL"))
    op.drop_index("ix_backups_destination_job", table_name="backups")


def downgrade() -> None:
    op.create_index("ix_backups_destination_job", "backups", ["destination", "job"])
    op.drop_index("ix_backups_held", table_name="backups")
    op.drop_index("ix_backups_retention", table_name="backups")
