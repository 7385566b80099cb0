"""``units.revision`` as a 64-bit integer.

A unit starts at a random 40-bit revision (so a unit re-created under the same id never repeats its
predecessor's), which a 32-bit INTEGER column refuses on PostgreSQL (DataError). SQLite's INTEGER
already stores 64 bits, and altering the column there would rebuild ``units`` (cascading deletes
into every record), so the change is made only where the type is really narrower.

Revision ID: u0005
Revises: u0004
"""
import sqlalchemy as sa
from alembic import op

revision = "u0005"
down_revision = "u0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("units", "revision", type_=sa.BigInteger, existing_type=sa.Integer,
                        existing_nullable=False, existing_server_default="0")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("units", "revision", type_=sa.Integer, existing_type=sa.BigInteger,
                        existing_nullable=False, existing_server_default="0")
