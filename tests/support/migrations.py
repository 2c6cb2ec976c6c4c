"""A test's own database moved up or down to one migration: for the tests of a migration itself."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from mailflow.store.engine import Store

MIGRATIONS = Path(__file__).resolve().parents[2] / "mailflow" / "store" / "migrations"


def migrate(store: Store, step: str, revision: str) -> None:
    """`step` is "upgrade" or "downgrade"; one transaction, as `mailflow db upgrade` runs it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.upgrade if step == "upgrade" else command.downgrade)(config, revision)
