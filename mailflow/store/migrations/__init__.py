"""Alembic migration scripts; run through `mailflow db upgrade`, which hands over the connection."""
