"""report indexes (issue 19): the manager's figures read the contact log from two covering indexes

Neglected customers need each customer's last contact, response times each
case's first message in and first answer out, over the whole contact log. With
(customer_id, direction, at, arrived_at) and (case_id, direction, at, arrived_at)
both databases answer from the index alone instead of fetching 200,000 wide
rows. bench/overview.py, 200,000 contacts: `report neglected` 471 -> 95 ms on
SQLite, 170 -> 89 ms on PostgreSQL; the overview page 641 -> 339 ms and
429 -> 392 ms. They replace the single-column indexes on customer_id and
case_id, which they begin with, so the inbound path keeps as many indexes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MOMENTS = ["direction", "at", "arrived_at"]


def upgrade() -> None:
    op.create_index("ix_contacts_customer_moments", "contacts", ["customer_id", *MOMENTS], unique=False)
    op.drop_index("ix_contacts_customer_id", table_name="contacts")
    op.create_index("ix_contacts_case_moments", "contacts", ["case_id", *MOMENTS], unique=False)
    op.drop_index("ix_contacts_case_id", table_name="contacts")


def downgrade() -> None:
    op.create_index("ix_contacts_case_id", "contacts", ["case_id"], unique=False)
    op.drop_index("ix_contacts_case_moments", table_name="contacts")
    op.create_index("ix_contacts_customer_id", "contacts", ["customer_id"], unique=False)
    op.drop_index("ix_contacts_customer_moments", table_name="contacts")
