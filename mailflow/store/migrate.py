"""Schema migrations with Alembic: `mailflow db upgrade`, and the check every other command makes.

The migration scripts live in mailflow/migrations/versions and ship with the
package. An upgrade is idempotent (run twice, the second does nothing) and
each step is transactional on PostgreSQL. A database that is behind the code
(or empty) is refused by every command but `db upgrade`, `init` and `doctor`,
with the command that fixes it; a database ahead of the code (a newer
mailflow migrated it) is refused too, rather than written with old ideas.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from mailflow.errors import MailflowError

_SCRIPTS = Path(__file__).resolve().parent / "migrations"
_UPGRADE_LOCK = 0x6D61696C  # "mail": the advisory lock `db upgrade` holds on PostgreSQL


class NotMigrated(MailflowError):
    """The database's schema is not the one this mailflow needs."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def head() -> str:
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None, "no migration scripts shipped"
    return found


def current(engine: Engine) -> str | None:
    return schema_state(engine)[1]


def schema_state(engine: Engine) -> tuple[str, str | None]:
    """(how the database stores text, its migration), over one connection."""
    with engine.connect() as connection:
        return _encoding(connection), MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Brings the schema to the code's head; returns (before, after)."""
    config = _config()
    with engine.begin() as connection:
        _require_utf8(engine, _encoding(connection))
        if engine.dialect.name == "postgresql":
            # Workers started together each run `db upgrade` (systemd's ExecStartPre): one at a
            # time, and the later ones find the schema done. SQLite's BEGIN IMMEDIATE already queues.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head()


UTF8_FIX = "create the database with `createdb -E UTF8 -T template0 NAME`"


def _encoding(connection: Connection) -> str:
    """SQLite always stores UTF-8; PostgreSQL as the database was created."""
    if connection.dialect.name != "postgresql":
        return "UTF8"
    return str(connection.execute(text("SHOW server_encoding")).scalar_one())


def _require_utf8(engine: Engine, encoding: str) -> None:
    """SQL_ASCII or LATIN1 cannot hold the buyers' Chinese or Cyrillic: refused, with the fix."""
    if encoding != "UTF8":
        where = engine.url.render_as_string(hide_password=True)
        raise NotMigrated(
            f"the database {where} stores text as {encoding}; mailflow keeps mail in every script "
            f"and needs UTF8: {UTF8_FIX}"
        )


def require_current(engine: Engine) -> None:
    """Raises NotMigrated, saying what to run, unless the schema is at the code's head (and UTF-8)."""
    encoding, found = schema_state(engine)
    _require_utf8(engine, encoding)
    wanted = head()
    if found == wanted:
        return
    where = engine.url.render_as_string(hide_password=True)
    if found is None:
        raise NotMigrated(f"the database {where} has no mailflow schema yet: run `mailflow db upgrade`")
    known = {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
    if found not in known:
        raise NotMigrated(
            f"the database {where} is at migration {found}, newer than this mailflow ({wanted}): upgrade mailflow"
        )
    raise NotMigrated(
        f"the database {where} is at migration {found}, this mailflow needs {wanted}: run `mailflow db upgrade`"
    )
