"""Who may do what: users and roles, backup tokens, CLI sessions, plans (the Backups module per
account), per-account notification choices, user-configured backups, and the hash-chained audit log.
Additive: new tables only.

Revision ID: c0005
Revises: c0004
"""
import sqlalchemy as sa
from alembic import op

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("vault", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "user_accounts",
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "user_tokens",
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("valid_from", sa.String(40), nullable=False),
        sa.Column("resets", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "plans",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("backups", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "account_governance",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("plan", sa.String(64), sa.ForeignKey("plans.name", ondelete="SET NULL", onupdate="CASCADE"),
                  nullable=True),
        sa.Column("notify", sa.String(16), nullable=True),
    )
    op.create_table(
        "user_backups",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("destination", sa.String(64), nullable=True),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("schedule", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("bandwidth", sa.BigInteger, nullable=True),
        sa.Column("workers", sa.Integer, nullable=True),
        sa.Column("cpu_priority", sa.Integer, nullable=True),
        sa.Column("last_run", sa.String(40), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_at", table_name="audit_log")
    for table in ("audit_log", "user_backups", "account_governance", "plans", "user_sessions", "user_tokens",
                  "user_accounts", "users"):
        op.drop_table(table)
