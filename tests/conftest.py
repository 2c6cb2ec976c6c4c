"""Shared fixtures: a real Dovecot, fresh IMAP accounts, and the two real databases."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import create_engine, text

from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.smtp_sink import FaultyHandler, running_sink

POSTGRES_URL = os.environ.get("MAILFLOW_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# The real servers a fixture brings, as the markers that select or deselect its tests
# (`pytest -m "not dovecot"`); the fixtures themselves fail loudly when a server is missing.
_SERVER_OF_FIXTURE = {
    "dovecot": "dovecot",
    "imap_client": "dovecot",
    "postgres_url": "postgres",
    "sql_ascii_postgres_url": "postgres",
    "chromium": "browser",
}


@pytest.fixture(autouse=True)
def _root_logger_left_as_found() -> Iterator[None]:
    """An in-process CLI run (mailflow.logs.configure) gives the root logger a handler on this test's
    captured stderr; left behind, the SMTP sink's thread logs into that closed stream in later tests
    ("--- Logging error --- I/O operation on closed file")."""
    root = logging.getLogger()
    before, level = set(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler and handler not in before:
            root.removeHandler(handler)
    root.setLevel(level)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the real servers it needs, read from the fixtures it uses."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        needs = {server for fixture, server in _SERVER_OF_FIXTURE.items() if fixture in fixtures}
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgresql":
            needs.add("postgres")
        for server in sorted(needs):
            item.add_marker(server)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if os.environ.get("MAILFLOW_SKIP_DOVECOT") == "1":
        pytest.skip("MAILFLOW_SKIP_DOVECOT=1: Dovecot tests explicitly opted out")
    server = Dovecot().start()
    yield server
    server.cleanup()


@pytest.fixture
def imap_user() -> str:
    return f"sales-{uuid.uuid4().hex[:10]}@ningbo-homeware.example"


@pytest.fixture
def imap_client(dovecot: Dovecot, imap_user: str) -> Iterator[IMAPClient]:
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    client.login(imap_user, PASSWORD)
    yield client
    # A test may have killed the server under the client.
    with contextlib.suppress(Exception):
        client.logout()


def _postgres_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def _postgres_schema() -> Iterator[str]:
    """A fresh schema on the local PostgreSQL, dropped afterwards; fails loudly when it is down."""
    if os.environ.get("MAILFLOW_SKIP_POSTGRES") == "1":
        pytest.skip("MAILFLOW_SKIP_POSTGRES=1: PostgreSQL tests explicitly opted out")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield _postgres_url(schema)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sql_ascii_postgres_url() -> Iterator[str]:
    """A database of its own on the local PostgreSQL, created with ENCODING 'SQL_ASCII'."""
    if os.environ.get("MAILFLOW_SKIP_POSTGRES") == "1":
        pytest.skip("MAILFLOW_SKIP_POSTGRES=1: PostgreSQL tests explicitly opted out")
    name = f"t_ascii_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(
                f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
            )
        )
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mailflow.db'}"
        return
    with _postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with _postgres_schema() as url:
        yield url


@pytest.fixture
def sink() -> Iterator[tuple[FaultyHandler, int]]:
    """A real SMTP server (aiosmtpd) in this process, with fault injection: (its handler, its port)."""
    with running_sink() as running:
        yield running
