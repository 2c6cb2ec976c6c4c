"""review sessions (issue 17): the review page's logins live in the database, so a logout ends them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reviewer_id"], ["reviewers.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_review_sessions_reviewer_id", "review_sessions", ["reviewer_id"], unique=False)
    op.create_index("ix_review_sessions_expires_at", "review_sessions", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_review_sessions_expires_at", table_name="review_sessions")
    op.drop_index("ix_review_sessions_reviewer_id", table_name="review_sessions")
    op.drop_table("review_sessions")
