"""escalation (issue 20): drafts with copies (Cc)

drafts.cc_addrs lists the addresses a draft copies (a Cc header and an SMTP
RCPT TO each), such as the manager on an escalated payment reminder. Every
draft written before it copied nobody: the server default, an empty list.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("cc_addrs", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("cc_addrs")
