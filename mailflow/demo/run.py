"""`mailflow demo`: the real pipeline against an embedded IMAP server, start to finish.

Starts pymap and an SMTP sink on free loopback ports, puts realistic buyer
messages into the inbox (one already read by a rep), runs `mailflow run --once`
with SQLite, and prints the contact log and the cases it opened.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from mailflow.config.settings import load
from mailflow.demo.embedded import EmbeddedImapServer, SmtpSink
from mailflow.demo.messages import OUR_ADDRESS, demo_messages
from mailflow.drafts.acknowledgements import reference_label
from mailflow.drafts.store import Outbox
from mailflow.drafts.templates import SHIPPED_TEMPLATES
from mailflow.store.engine import Store
from mailflow.store.private_files import make_private_folder, write_private

# The templates that ship inside the package.
TEMPLATES = SHIPPED_TEMPLATES

SETTINGS = """\
[database]
url = "sqlite:///mailflow.db"

[storage]
data_dir = "data"

[templates]
dir = "{templates}"

[company]
name = "Ningbo Homeware Co., Ltd."

[[mailbox]]
name = "sales"
address = "{address}"
display_name = "Ningbo Homeware Sales"
signature = "Ningbo Homeware Co., Ltd. - Sales Department - +86 574 0000 0000"
callback_name = "Li Wei"
callback_phone = "+86 574 0000 0001"

[mailbox.imap]
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{user}"
password = "env:MAILFLOW_DEMO_PASSWORD"
folders = ["INBOX"]

[mailbox.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
"""


def run_demo(main: Callable[[list[str]], int], keep: str | None = None) -> int:
    """The demo, driving the `mailflow` command it is given (`main`) as a person would."""
    # The demo prints its own summary; the per-message audit lines would drown it.
    logging.basicConfig(level=logging.WARNING)

    imap = EmbeddedImapServer(user=OUR_ADDRESS).start()
    smtp = SmtpSink().start()
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="mailflow-demo-"))
    make_private_folder(workdir)
    try:
        os.environ["MAILFLOW_DEMO_PASSWORD"] = imap.password
        settings = workdir / "settings.toml"
        text = SETTINGS.format(
            address=OUR_ADDRESS, imap_port=imap.port, smtp_port=smtp.port, user=imap.user, templates=TEMPLATES
        )
        write_private(settings, text.encode("utf-8"))
        print(f"== embedded IMAP on 127.0.0.1:{imap.port}, SMTP sink on 127.0.0.1:{smtp.port}")
        config = ["--config", str(settings)]
        main([*config, "db", "upgrade"])
        # Mail already in a mailbox when mailflow first looks is its history: logged, never
        # answered. So mailflow looks first, and the buyers' mail arrives while it watches.
        print("== mailflow starts watching the empty inbox")
        main([*config, "run", "--once"])
        count = _fill_inbox(imap)
        print(f"\n== {count} buyer messages arrive (the first one already read by a rep)\n")
        status = main([*config, "run", "--once"])
        print("\n== contact log")
        main([*config, "contacts", "list"])
        _print_reasons(settings)
        print("\n== complaint cases")
        main([*config, "cases", "list"])
        print("\n== acknowledgements drafted, waiting for a reviewer (nothing is sent without approval)")
        main([*config, "drafts", "list"])
        chinese = next((d["id"] for d in _drafts(settings) if d["template"].endswith(".zh")), None)
        if chinese is not None:
            print(f"\n== mailflow drafts show {chinese}")
            main([*config, "drafts", "show", str(chinese)])
        print("\n== quarantine")
        main([*config, "quarantine", "list"])
        if chinese is not None:
            os.environ.setdefault("MAILFLOW_REVIEWER", "demo-reviewer")
            print(f"\n== a reviewer approves draft {chinese}: mailflow drafts approve {chinese}")
            main([*config, "drafts", "approve", str(chinese)])
        print("\n== a second run logs nothing twice and sends what was approved, once")
        main([*config, "run", "--once"])
        print(f"\n== SMTP sink received {len(smtp.messages)} message(s)")
        for message in smtp.messages:
            print(
                f"   To: {message['To']}  Subject: {message['Subject']}  In-Reply-To: {message['In-Reply-To']}"
            )
        main([*config, "drafts", "list", "--status", "sent"])
        print(f"== files kept in {workdir}")
        return status
    finally:
        imap.stop()
        smtp.stop()


def _fill_inbox(server: EmbeddedImapServer) -> int:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    messages = demo_messages()
    for index, raw in enumerate(messages):
        flags = [b"\\Seen"] if index == 0 else []
        client.append("INBOX", raw, flags=flags)
    client.logout()
    return len(messages)


def _print_reasons(settings_path: Path) -> None:
    """Why each message got its tags: what the reviewer will see next to a draft."""
    store = Store(load(settings_path).database_url)
    try:
        print("\n== why (rule: matched words) and trade references")
        for contact in store.contacts():
            if contact["reasons"] or contact["references"]:
                refs = ", ".join(reference_label(ref)["label"] for ref in contact["references"])
                print(
                    f"#{contact['id']:<3} {'; '.join(contact['reasons'])}" + (f"  [{refs}]" if refs else "")
                )
    finally:
        store.close()


def _drafts(settings_path: Path) -> list[dict[str, Any]]:
    store = Store(load(settings_path).database_url)
    try:
        return Outbox(store).drafts()
    finally:
        store.close()
