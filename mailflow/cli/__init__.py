"""The `mailflow` command: one module per command group, parsers beside handlers; `main` ties them together."""
