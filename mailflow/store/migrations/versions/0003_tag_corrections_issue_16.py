"""tag corrections (issue 16): reviewers correct a message's tags; the model learns from them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("old_tags", sa.JSON(), nullable=False),
        sa.Column("new_tags", sa.JSON(), nullable=False),
        sa.Column("old_severity", sa.String(length=10), nullable=False),
        sa.Column("new_severity", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tag_corrections_contact_id", "tag_corrections", ["contact_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tag_corrections_contact_id", table_name="tag_corrections")
    op.drop_table("tag_corrections")
