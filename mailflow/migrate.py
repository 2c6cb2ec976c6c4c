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
from sqlalchemy import Engine, text

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
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Brings the schema to the code's head; returns (before, after)."""
    require_utf8(engine)
    config = _config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Workers started together each run `db upgrade` (systemd's ExecStartPre): one at a
            # time, and the later ones find the schema done. SQLite's BEGIN IMMEDIATE already queues.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head()


UTF8_FIX = "create the database with `createdb -E UTF8 -T template0 NAME`"


def server_encoding(engine: Engine) -> str:
    """How the database stores text: SQLite always as UTF-8; PostgreSQL as it was created."""
    if engine.dialect.name != "postgresql":
        return "UTF8"
    with engine.connect() as connection:
        return str(connection.execute(text("SHOW server_encoding")).scalar_one())


def require_utf8(engine: Engine) -> None:
    """SQL_ASCII or LATIN1 cannot hold the buyers' Chinese or Cyrillic: refused, with the fix."""
    encoding = server_encoding(engine)
    if encoding != "UTF8":
        where = engine.url.render_as_string(hide_password=True)
        raise NotMigrated(
            f"the database {where} stores text as {encoding}; mailflow keeps mail in every script "
            f"and needs UTF8: {UTF8_FIX}"
        )


def require_current(engine: Engine) -> None:
    """Raises NotMigrated, saying what to run, unless the schema is at the code's head (and UTF-8)."""
    require_utf8(engine)
    found, wanted = current(engine), head()
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
