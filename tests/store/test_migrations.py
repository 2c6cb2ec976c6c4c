"""Alembic migrations on SQLite and PostgreSQL: the schema they build is the models', twice is once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from mailflow.store.engine import Store
from mailflow.store.migrate import head
from mailflow.store.migrate import upgrade as upgrade_schema
from mailflow.store.models import Base
from tests.support.cli import run_mailflow
from tests.support.settings import write_settings


def test_an_unmigrated_database_is_refused_then_upgraded_once(tmp_path: Path, db_url: str) -> None:
    settings = write_settings(tmp_path, db_url, 1, "u", "p", migrate=False)
    refused = run_mailflow(settings, "contacts", "list")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "has no mailflow schema yet: run `mailflow db upgrade`" in refused.stderr
    assert run_mailflow(settings, "db", "status").returncode == 1

    first = run_mailflow(settings, "db", "upgrade")
    assert first.returncode == 0 and f"migrated from nothing to {head()}" in first.stdout, first.stderr
    again = run_mailflow(settings, "db", "upgrade")  # a migration run twice changes nothing
    assert again.returncode == 0 and f"already at {head()}" in again.stdout, again.stderr
    status = run_mailflow(settings, "db", "status")
    assert status.returncode == 0 and f"database: {head()}; this mailflow: {head()}" in status.stdout
    assert run_mailflow(settings, "contacts", "list").returncode == 0


@pytest.mark.parametrize("command", [("db", "upgrade"), ("run", "--once"), ("doctor",)])
def test_a_postgresql_database_not_in_utf8_is_refused_with_the_fix(
    tmp_path: Path, sql_ascii_postgres_url: str, command: tuple[str, ...]
) -> None:
    """A SQL_ASCII database would take Chinese bytes unchecked; psycopg even returned bytes for text."""
    settings = write_settings(tmp_path, sql_ascii_postgres_url, 1, "u", "p", migrate=False)
    refused = run_mailflow(settings, *command)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr + refused.stdout
    said = refused.stderr + refused.stdout
    assert "stores text as SQL_ASCII" in said and "createdb -E UTF8 -T template0" in said, said
    if command != ("doctor",):
        assert len(refused.stderr.splitlines()) == 1, refused.stderr


def test_the_migrations_build_exactly_the_models_schema(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # Migration 0007's trigram indexes for the search (PostgreSQL only) are not in the metadata.
    trigrams = [d for d in differences if d[0] == "remove_index" and d[1].name.endswith("_trgm")]
    assert len(trigrams) == (3 if store.engine.dialect.name == "postgresql" else 0)
    # Migration 0012's trigram index for the search (SQLite only): an FTS5 table and its shadow tables.
    search = [d for d in differences if d[0] == "remove_table" and d[1].name.startswith("contacts_search")]
    shadows = {f"contacts_search{part}" for part in ("", "_config", "_data", "_docsize", "_idx")}
    assert {d[1].name for d in search} == (shadows if store.engine.dialect.name == "sqlite" else set())
    assert [d for d in differences if d not in trigrams + search] == []
    store.close()


def test_a_database_from_a_newer_mailflow_is_refused(tmp_path: Path, db_url: str) -> None:
    settings = write_settings(tmp_path, db_url, 1, "u", "p", migrate=False)
    store = Store(db_url)
    store.create_schema()
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    refused = run_mailflow(settings, "run", "--once")
    assert (
        refused.returncode == 1
        and "newer than this mailflow" in refused.stderr
        and "upgrade mailflow" in refused.stderr
    )


def test_workers_upgrading_together_queue_and_all_succeed(db_url: str) -> None:
    stores = [Store(db_url) for _ in range(3)]
    start, results = threading.Barrier(len(stores)), list[tuple[str | None, str]]()

    def upgrade(store: Store) -> None:
        start.wait()
        results.append(upgrade_schema(store.engine))

    threads = [threading.Thread(target=upgrade, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results, key=str) == sorted([(None, head())] + [(head(), head())] * 2, key=str)
    for store in stores:
        store.close()
