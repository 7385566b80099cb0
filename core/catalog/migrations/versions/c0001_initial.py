"""The first catalog: accounts, their units, destinations, the snapshot index, known blobs.

Revision ID: c0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("home_dir", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("excludes", sa.Text, nullable=False),
        sa.Column("encryption", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("deleted_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_accounts_username", "accounts", ["username"])
    op.create_table(
        "account_units",
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_name", sa.String(63), primary_key=True),
    )
    op.create_table(
        "destinations",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("new_data", sa.BigInteger, nullable=False),
        sa.Column("encrypted", sa.Boolean, nullable=False),
        sa.Column("encryption", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("file_count", sa.BigInteger, nullable=False),
        sa.Column("info", sa.Text, nullable=False),
    )
    op.create_index("ix_snapshots_account", "snapshots", ["account_id", "created_at"])
    op.create_table(
        "known_packs",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("pack_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "known_blobs",
        sa.Column("destination", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("blob_id", sa.String(64), primary_key=True),
        sa.Column("pack_id", sa.String(64), nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("raw_size", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for name in ("known_blobs", "known_packs", "snapshots", "destinations", "account_units", "accounts"):
        op.drop_table(name)
