"""The `mailflow` command: the top-level options, the command groups, errors -> exit codes.

Each command group lives in its own module beside this one (parsers next to
handlers) and marks its parser with the handler to call: `plain(args)`,
`with_path(args, settings_path)` or `with_store(args, settings, store)`.
`mailflow --help` must start fast, so the groups import what a command needs
when it runs (SQLAlchemy and Alembic alone take about 0.5 s here).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from mailflow import logs
from mailflow.cli import cases, database, drafts, inbound, ledger, model, report, review, schedule, setup
from mailflow.errors import ConfigError, DatabaseUnreachable, MailflowError, UsageError

log = logging.getLogger(__name__)

# What a shell reports for a program killed by SIGPIPE (128 + 13), as `yes | head` shows under pipefail:
# the output was cut short, which a script should be able to tell from success.
EXIT_BROKEN_PIPE = 141

GROUPS = (inbound, cases, drafts, review, report, ledger, schedule, setup, database, model)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailflow",
        description="Watches sales mailboxes, tags complaints and payments, drafts replies for review, "
        "sends them and scheduled mail, and logs every contact.",
    )
    parser.add_argument("--config", help="settings file (default: $MAILFLOW_CONFIG, then ./settings.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(commands)
    demo = commands.add_parser("demo", help="run the whole pipeline against an embedded IMAP server")
    demo.add_argument("--keep", metavar="DIR", help="keep the demo's database and files in DIR")
    demo.set_defaults(plain=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure(args.verbose)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # a reader that went away is noticed here, not at exit with a traceback
        return code
    except BrokenPipeError:
        # `mailflow ... | head`: the reader has what it wanted. Point stdout at /dev/null so the
        # interpreter's own flush at exit finds nowhere to fail, and stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except ConfigError as exc:
        print(f"mailflow: configuration error: {exc}", file=sys.stderr)
        return 2
    except UsageError as exc:  # a wrong request, as argparse's own usage errors: exit 2
        print(f"mailflow: error: {exc}", file=sys.stderr)
        return 2
    except MailflowError as exc:
        for line in exc.details:
            print(f"mailflow: {line}", file=sys.stderr)
        print(f"mailflow: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if "plain" in args:
        return int(args.plain(args))
    from mailflow.config import settings as config

    path = config.config_path(args.config)
    if "with_path" in args:
        return int(args.with_path(args, path))
    settings = config.load(path)
    if settings.log.format != "text":
        logs.configure(args.verbose, settings.log.format)
    from sqlalchemy.exc import InterfaceError, OperationalError

    from mailflow.store.engine import Store
    from mailflow.store.migrate import require_current

    store = Store(settings.database_url)
    try:
        if not getattr(args, "any_schema", False):
            require_current(store.engine)  # an unmigrated database is refused, with the command that fixes it
        return int(args.with_store(args, settings, store))
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnreachable(store.engine.url, exc) from None
    finally:
        store.close()


def _demo(args: argparse.Namespace) -> int:
    from mailflow.demo.run import run_demo

    return run_demo(main, args.keep)
