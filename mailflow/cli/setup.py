"""`mailflow init`: a commented settings.toml to start from, and the database it names, migrated."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mailflow.errors import MailflowError

_SHIPPED_URL = 'url = "sqlite:///mailflow.db"'


def add_parsers(commands: Any) -> None:
    commands.add_parser(
        "doctor", help="check settings, secrets, servers, database and templates; one line each"
    ).set_defaults(with_path=doctor_command)
    init = commands.add_parser("init", help="write a commented settings.toml and create its database")
    init.set_defaults(with_path=init_command)
    init.add_argument(
        "--database", metavar="URL", help="SQLAlchemy URL (default: SQLite mailflow.db beside it)"
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing settings file")


def init_command(args: argparse.Namespace, path: Path) -> int:
    from mailflow.config import settings as config
    from mailflow.drafts.template_copy import copy_shipped
    from mailflow.store.engine import Store
    from mailflow.store.private_files import make_private_folder, write_private

    if path.exists() and not args.force:
        raise MailflowError(f"{path} exists; not overwritten (--force replaces it)")
    text = config.EXAMPLE.read_text(encoding="utf-8")
    if args.database:
        if '"' in args.database or "\n" in args.database:
            raise MailflowError("--database: a URL without quotes or line breaks")
        text = text.replace(_SHIPPED_URL, f'url = "{args.database}"', 1)
    # Settings may hold secret references, the database buyer mail: for mailflow's own user only.
    make_private_folder(path.parent)
    write_private(path, text.encode("utf-8"))
    settings = config.load(path)  # what we wrote must load: it is what the operator edits next
    templates = settings.replies.templates_dir
    if not templates.exists():
        copy_shipped(templates)  # the operator's own copy to adapt; a name deleted there is shipped again
        print(f"copied the shipped templates to {templates}")
    store = Store(settings.database_url)
    try:
        store.create_schema()
    finally:
        store.close()
    shown = store.engine.url.render_as_string(hide_password=True)
    print(f"wrote {path} and created the database {shown}")
    print("next: fill in [[mailbox]] (addresses, servers, secret references), then")
    print(f"  mailflow --config {path} doctor     # checks every setting, secret, server and the database")
    print(f"  mailflow --config {path} run")
    return 0


def doctor_command(_args: argparse.Namespace, settings_path: Path) -> int:
    from mailflow.config import settings as config
    from mailflow.errors import ConfigError
    from mailflow.ops.doctor import doctor

    try:
        settings = config.load(settings_path)
    except ConfigError as exc:
        print(f"FAIL settings: {exc}")
        print("1 check(s) failed")
        return 1
    return doctor(settings, print)
