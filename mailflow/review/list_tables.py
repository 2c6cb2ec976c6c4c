"""The review page's lists as spreadsheet tables (review/report_export writes them): one row per list
row, times in UTC as `YYYY-MM-DD HH:MM`, amounts as numbers. Pure: rows in, a Table out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mailflow.review.report_export import Table

CASE_COLUMNS = (
    "case",
    "severity",
    "customer",
    "customer_name",
    "subject",
    "categories",
    "status",
    "first_message_at",
    "age_days",
    "answered_at",
    "owner",
    "responsibility",
    "solution",
    "solution_amount",
    "solution_currency",
    "due",
    "overdue",
)
INVOICE_COLUMNS = (
    "number",
    "customer",
    "customer_name",
    "amount",
    "currency",
    "balance",
    "due",
    "days_past_due",
    "hold",
)
CUSTOMER_COLUMNS = (
    "email",
    "name",
    "company",
    "class",
    "country",
    "last_contact_at",
    "open_cases",
    "open_balance",
    "payment_days",
    "credit_limit",
    "credit_limit_currency",
    "credit_hold_reason",
)
SENT_COLUMNS = ("draft", "sent_at", "to", "subject", "kind", "approved_by")
REJECTED_COLUMNS = ("draft", "rejected_at", "rejected_by", "reason", "to", "subject", "kind")
BOUNCE_COLUMNS = ("email", "marked_at", "first_marked_at", "reports", "reason", "customer", "customer_name",
                  "waiting_drafts")  # fmt: skip
CLEARED_COLUMNS = (*BOUNCE_COLUMNS, "cleared_at", "cleared_by")


def utc_text(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else ""


def case_table(rows: Sequence[dict[str, Any]], now: datetime) -> Table:
    return Table(
        "cases",
        CASE_COLUMNS,
        [
            {
                **row,
                "case": row["id"],
                "first_message_at": utc_text(row["first_in"]),
                "age_days": (now - row["first_in"]).days,
                "answered_at": utc_text(row["first_out"]),
                "solution": row["solution_kind"],
                "overdue": "yes" if row["overdue"] else "no",
            }
            for row in rows
        ],
    )


def invoice_table(rows: Sequence[dict[str, Any]]) -> Table:
    return Table("invoices", INVOICE_COLUMNS, rows)


def customer_table(rows: Sequence[dict[str, Any]]) -> Table:
    return Table(
        "customers",
        CUSTOMER_COLUMNS,
        [
            {
                **row,
                "last_contact_at": utc_text(row["last_contact_at"]),
                "open_balance": "; ".join(f"{b['currency']} {b['amount']}" for b in row["balances"]),
            }
            for row in rows
        ],
    )


def mail_table(rows: Sequence[dict[str, Any]], status: str) -> Table:
    """Sent mail with when it went and who approved it; rejected mail with when, who and why."""
    sent = status == "sent"
    moment, decider = ("sent_at", "approved_by") if sent else ("rejected_at", "rejected_by")
    return Table(
        f"{status} mail",
        SENT_COLUMNS if sent else REJECTED_COLUMNS,
        [
            {
                **row,
                "draft": row["id"],
                moment: utc_text(row["sent_at"] if sent else row["decided_at"]),
                decider: row["decided_by"],
            }
            for row in rows
        ],
    )


def bounce_table(rows: Sequence[dict[str, Any]], status: str) -> Table:
    """Bounced addresses with when, why, whose and what waits for them; cleared ones also with when and who."""
    return Table(
        "bounced addresses" if status == "bounced" else "cleared addresses",
        BOUNCE_COLUMNS if status == "bounced" else CLEARED_COLUMNS,
        [
            {
                **row,
                "marked_at": utc_text(row["last_at"]),
                "first_marked_at": utc_text(row["first_at"]),
                "customer": row["customer_id"] or "",
                "customer_name": row["customer_name"] or "",
                "cleared_at": utc_text(row["cleared_at"]),
            }
            for row in rows
        ],
    )
