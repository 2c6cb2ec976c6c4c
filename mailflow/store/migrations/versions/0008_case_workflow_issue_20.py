"""the case workflow (issue 20): owner, responsibility, agreed solution, note and the case timeline

cases gains its owner (a reviewer's name), the responsibility ("" until assessed),
the agreed solution (kind, amount, currency, due date; "" = none agreed), how many
solutions were agreed and how often the buyer reopened it (the n of the drafts'
keys `solution:case:<id>:<n>` and `ack:case:<id>:reopen-<n>`) and a short note.
case_events is the timeline: who changed what and when. Existing cases keep their
status (open, acknowledged, resolved, withdrawn are states of the new workflow too).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=100), nullable=False, server_default=""))
        batch.add_column(sa.Column("responsibility", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("solution_kind", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("solution_amount", sa.Numeric(16, 2), nullable=True))
        batch.add_column(
            sa.Column("solution_currency", sa.String(length=3), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("solution_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("solutions", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("reopened", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_events_case_id", table_name="case_events")
    op.drop_table("case_events")
    with op.batch_alter_table("cases") as batch:
        for column in (
            "note", "reopened", "solutions", "solution_due", "solution_currency", "solution_amount",
            "solution_kind", "responsibility", "owner",
        ):  # fmt: skip
            batch.drop_column(column)
