"""Migration 0006 (issue #19): the contact log's report indexes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text

from mailflow.review.reports import ReportQueries
from mailflow.store.engine import Store
from tests.support.migrations import migrate

MOMENTS = ["direction", "at", "arrived_at"]


def _contact_indexes(store: Store) -> dict[str, list[str]]:
    return {index["name"]: index["column_names"] for index in inspect(store.engine).get_indexes("contacts")}


def test_the_report_indexes_replace_the_single_column_ones_and_a_downgrade_brings_those_back(
    db_url: str,
) -> None:
    store = Store(db_url)
    migrate(store, "upgrade", "0005")
    with store.engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (id, email, name, company, domain, country, language, "
                                "timezone, class_set, opted_out, listed, created_at) VALUES (1, 'a@b.example', "
                                "'', '', 'b.example', '', '', '', 'A', false, true, '2026-11-02 09:00:00')"))  # fmt: skip
    migrate(store, "upgrade", "0006")
    after = _contact_indexes(store)
    assert after["ix_contacts_customer_moments"] == ["customer_id", *MOMENTS]
    assert after["ix_contacts_case_moments"] == ["case_id", *MOMENTS]
    assert "ix_contacts_customer_id" not in after and "ix_contacts_case_id" not in after

    migrate(store, "downgrade", "0005")
    before = _contact_indexes(store)
    assert before["ix_contacts_customer_id"] == ["customer_id"] and before["ix_contacts_case_id"] == [
        "case_id"
    ]
    assert "ix_contacts_customer_moments" not in before and "ix_contacts_case_moments" not in before
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT email FROM customers")).scalars().all() == ["a@b.example"]
    store.close()


def test_each_customers_last_contact_is_read_from_the_index_alone_on_sqlite(tmp_path: Path) -> None:
    """The neglected customers' query must not fetch the contact log's wide rows (bodies, HTML)."""
    store = Store(f"sqlite:///{tmp_path / 'mailflow.db'}")
    store.create_schema()
    statements: list[tuple[str, Any]] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def remember(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append((sql, parameters))

    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    ReportQueries(store).neglected({"A": "weekly", "B": "fortnightly", "C": "monthly"}, now.date(), now)
    (sql, parameters), *_ = [found for found in statements if "GROUP BY contacts.customer_id" in found[0]]
    with store.engine.connect() as connection:
        plan = " | ".join(
            row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)
        )
    assert "COVERING INDEX ix_contacts_customer_moments" in plan, plan
    store.close()
