"""credit hold and limit, payment days (issue 20)

customers.payment_days: the buyer's payment run days of the month ("10,25"; "" = none),
which move the "before due" reminder ahead of the run. customers.credit_limit and
credit_limit_currency: the most the buyer may owe, in that currency (NULL = no limit).
customers.credit_hold_since and credit_hold_reason: the credit hold as last evaluated
(NULL = not on hold); a change of it drafts the notice to `[ledger] hold_notify`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("payment_days", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("credit_limit", sa.Numeric(16, 2), nullable=True))
        batch.add_column(sa.Column("credit_limit_currency", sa.String(3), nullable=False, server_default=""))
        batch.add_column(sa.Column("credit_hold_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("credit_hold_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("credit_hold_reason")
        batch.drop_column("credit_hold_since")
        batch.drop_column("credit_limit_currency")
        batch.drop_column("credit_limit")
        batch.drop_column("payment_days")
