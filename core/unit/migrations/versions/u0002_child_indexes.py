"""Indexes for child look-ups: applications by workspace, assignments by workspace.

Without them, deleting a workspace (or checking the foreign key from an assignment) scans the whole
child table, which made wiping a large unit quadratic.

Revision ID: u0002
Revises: u0001
"""
from alembic import op

revision = "u0002"
down_revision = "u0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_applications_workspace", "applications", ["unit_id", "workspace_id"])
    op.create_index("ix_profile_workspaces_workspace", "profile_workspaces", ["unit_id", "workspace_id"])


def downgrade() -> None:
    op.drop_index("ix_profile_workspaces_workspace", "profile_workspaces")
    op.drop_index("ix_applications_workspace", "applications")
