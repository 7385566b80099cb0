"""Account backups II: jobs, the queue, tags and priority groups, locks and on-demand TTLs, restore
conditions, orphans, account aliases (reassigned UUIDs), catalog-wide settings.

Revision ID: c0003
Revises: c0002
"""
import sqlalchemy as sa
from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs: no table rebuild
    op.add_column("accounts", sa.Column("max_on_demand", sa.Integer, nullable=True))
    op.add_column("accounts", sa.Column("priority_group", sa.String(32), nullable=True))
    op.add_column("backups", sa.Column("job", sa.String(64), nullable=True))
    op.add_column("backups", sa.Column("locked", sa.Boolean, nullable=False, server_default="0"))
    op.add_column("backups", sa.Column("locked_until", sa.String(40), nullable=True))
    op.add_column("backups", sa.Column("lock_reason", sa.Text, nullable=True))
    op.add_column("backups", sa.Column("expires_at", sa.String(40), nullable=True))
    groups = op.create_table(
        "priority_groups",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.bulk_insert(groups, [{"name": "High", "value": 10}, {"name": "Normal", "value": 50},
                            {"name": "Low", "value": 90}])
    types = op.create_table(
        "type_priorities",
        sa.Column("type", sa.String(16), primary_key=True),
        sa.Column("priority_group", sa.String(32), nullable=False),
    )
    op.bulk_insert(types, [{"type": "restore", "priority_group": "High"},
                           {"type": "backup", "priority_group": "Normal"},
                           {"type": "download", "priority_group": "Low"}])
    op.create_table(
        "tags",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("color", sa.String(7), nullable=False),
        sa.Column("priority_group", sa.String(32), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "account_tags",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(64), sa.ForeignKey("tags.name", ondelete="CASCADE", onupdate="CASCADE"),
                  primary_key=True),
    )
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("accounts", sa.Text, nullable=False),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("keep_last", sa.Integer, nullable=False),
        sa.Column("keep_daily", sa.Integer, nullable=True),
        sa.Column("keep_weekly", sa.Integer, nullable=True),
        sa.Column("keep_monthly", sa.Integer, nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("last_scheduled", sa.String(40), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "queue_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("priority_group", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("destination", sa.String(64), nullable=True),
        sa.Column("job", sa.String(64), nullable=True),
        sa.Column("scheduled_for", sa.String(40), nullable=True),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=True),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer, nullable=False, server_default="3"),
        sa.Column("worker", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.String(40), nullable=True),
        sa.Column("stage", sa.String(64), nullable=True),
        sa.Column("done", sa.BigInteger, nullable=True),
        sa.Column("total", sa.BigInteger, nullable=True),
        sa.Column("progress_unit", sa.String(8), nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("result", sa.Text, nullable=True),
        sa.UniqueConstraint("job", "scheduled_for", "account_id", name="uq_queue_scheduled_run"),
    )
    op.create_index("ix_queue_state", "queue_items", ["state", "priority", "id"])
    op.create_table(
        "restore_conditions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "orphans",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.Column("empty_since", sa.String(40), nullable=True),
    )
    op.create_table(
        "account_aliases",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "catalog_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_index("ix_backups_destination_job", "backups", ["destination", "job"])


def downgrade() -> None:
    op.drop_index("ix_backups_destination_job", table_name="backups")
    for name in ("catalog_settings", "account_aliases", "orphans", "restore_conditions", "queue_items", "jobs", "account_tags", "tags",
                 "type_priorities", "priority_groups"):
        op.drop_table(name)
    for col in ("expires_at", "lock_reason", "locked_until", "locked", "job"):
        op.drop_column("backups", col)
    for col in ("priority_group", "max_on_demand"):
        op.drop_column("accounts", col)
