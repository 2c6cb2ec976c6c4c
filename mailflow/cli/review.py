"""`mailflow reviewers add/remove/unlock/list` and `mailflow review serve`."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group
from mailflow.errors import MailflowError

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.store.engine import Store

log = logging.getLogger(__name__)


def add_parsers(commands: Any) -> None:
    reviewers = command_group(
        commands, "reviewers", "accounts for the review page", with_store=reviewers_command
    )
    add = reviewers.add_parser("add", help="asks for the password twice (or reads it from stdin)")
    add.add_argument("name", help="the login name")
    add.add_argument("--language", choices=("en", "zh"), default="en", help="the page's language")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    reviewers.add_parser("remove", help="the account can no longer log in; its sessions end").add_argument(
        "name", help="the login name"
    )
    reviewers.add_parser(
        "unlock", help="forget a name's failed logins: no wait before the next"
    ).add_argument("name", help="the login name")
    reviewers.add_parser("list", help="every reviewer's name")

    review = command_group(commands, "review", "the review page", with_store=serve_command)
    serve = review.add_parser("serve", help="serve the review page (loopback by default)")
    serve.add_argument("--host", help="default: web.host (127.0.0.1)")
    serve.add_argument("--port", type=int, help="default: web.port (8025)")


def reviewers_command(args: argparse.Namespace, _settings: Settings, store: Store) -> int:
    from mailflow.review.accounts import Accounts

    accounts = Accounts(store)
    if args.action == "list":
        for name in accounts.names():
            print(name)
        return 0
    if args.action == "remove":
        if not accounts.remove(args.name):
            raise MailflowError(f"no reviewer {args.name}")
        print(f"reviewer {args.name}: removed and logged out (their decisions stay in the history)")
        return 0
    if args.action == "unlock":
        print(f"reviewer {args.name}: {accounts.unlock(args.name)} failed logins cleared")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("the same again: ") != password:
            raise MailflowError("the two passwords differ; nothing changed")
    accounts.add(args.name, password, args.language)
    print(f"reviewer {args.name}: added")
    return 0


def serve_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from waitress import serve

    from mailflow.review.web.app import create_app

    host, port = args.host or settings.web.host, args.port or settings.web.port
    if host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("serving on %s: put it behind a TLS reverse proxy (see the README)", host)
    log.info("review page on http://%s:%s/", host, port)
    # X-Forwarded-* are the app's to believe or drop (web.trusted_proxies): waitress must pass them on.
    app = create_app(settings, store)
    serve(app, host=host, port=port, threads=4, ident="mailflow", clear_untrusted_proxy_headers=False)
    return 0
