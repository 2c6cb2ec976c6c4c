"""The database: engine and sessions, the schema and its Alembic migrations, dialect helpers, bounced addresses."""
