"""arrival (issue 18): whether mail is history is decided by when it reached the server

contacts.arrived_at is the server's INTERNALDATE (or when mailflow recorded the
message); contacts.history marks mail that was in the folder before mailflow
first synced it, or arrived before the answer window. checkpoints.watch_from_uid
is the folder's UIDNEXT at that first sync.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("history", sa.Boolean(), nullable=False, server_default=sa.false()))
    # What was logged before this knew no arrival time: it arrived about when it was recorded.
    op.execute("UPDATE contacts SET arrived_at = created_at")
    op.create_index("ix_contacts_arrived_at", "contacts", ["arrived_at"], unique=False)
    with op.batch_alter_table("checkpoints") as batch:
        batch.add_column(sa.Column("watch_from_uid", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkpoints") as batch:
        batch.drop_column("watch_from_uid")
    op.drop_index("ix_contacts_arrived_at", table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("history")
        batch.drop_column("arrived_at")
