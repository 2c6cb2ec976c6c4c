"""`python -m mailflow` is the same as the `mailflow` command."""

from mailflow.cli.main import main

# Guarded: worker processes (spawn) import this module again and must not rerun the CLI.
if __name__ == "__main__":
    raise SystemExit(main())
