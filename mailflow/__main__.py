"""`python -m mailflow` is the same as the `mailflow` command."""

from mailflow.cli import main

raise SystemExit(main())
