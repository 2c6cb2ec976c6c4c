"""internal notifications (issue 20): drafts that carry attachments

drafts.attachment_ids lists the stored attachments (attachments.id) a draft
sends as files, in order: the buyer's photos in an internal notice of a
complaint case. Every draft written before it carried none: the server
default, an empty list.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("attachment_ids", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("attachment_ids")
