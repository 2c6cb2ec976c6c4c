"""Forged senders through the whole way: Dovecot -> `mailflow run --once` -> the SMTP sink (issue #17).

A sender's address is the one in `<...>`; an address written inside an encoded
display name, or smuggled in with an encoded CR/LF, never becomes a recipient.
Each acknowledgement (review policy "auto", so it leaves at once) must reach
exactly one recipient: the address the buyer's mail really came from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default
from email.utils import format_datetime
from pathlib import Path

from imapclient import IMAPClient

from tests.support.cli import run_mailflow
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.settings import write_settings
from tests.support.smtp_sink import running_sink

BODY = "The mugs of PO 4500123 arrived cracked, please advise."


def _raw(message_id: str, headers: str) -> bytes:
    return (
        f"{headers}\r\nTo: {{to}}\r\nSubject: Cracked mugs PO 4500123\r\nMessage-ID: <{message_id}>\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{BODY}\r\n"
    ).encode()


FORGED = {
    # The "address" is only a display name; the mail came from the attacker.
    "name-as-address@x": ("From: =?utf-8?q?boss=40bigcustomer.example?= <attacker@evil.example>", ["attacker@evil.example"]),
    # An encoded CR/LF in From's and Reply-To's names must not add a header or a recipient.
    "crlf@x": (
        "From: =?utf-8?q?Boss=0D=0ABcc=3A_victim=40bigcustomer.example?= <buyer2@harbor-imports.example>\r\n"
        "Reply-To: =?utf-8?q?Claims=0D=0ACc=3A_victim2=40bigcustomer.example?= <claims@harbor-imports.example>",
        ["claims@harbor-imports.example"],
    ),
    # An encoded comma keeps the name whole and the address one.
    "comma@x": ("From: =?utf-8?q?Li=2C_Hua?= <lihua@importer.example>", ["lihua@importer.example"]),
}  # fmt: skip


def test_forged_from_and_reply_to_reach_one_recipient_the_real_address(
    tmp_path: Path, dovecot: Dovecot, imap_user: str
) -> None:
    with running_sink() as (sink, smtp_port):
        smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nsave_sent = false\n'
        path = write_settings(
            tmp_path, f"sqlite:///{tmp_path / 'forged.db'}", dovecot.port, imap_user, PASSWORD,
            address=imap_user, extra=smtp,
        )  # fmt: skip
        path.write_text(path.read_text().replace("[fetch]", '[review]\nack = "auto"\n\n[fetch]', 1))
        assert run_mailflow(path, "run", "--once").returncode == 0  # watching: what comes next is new
        client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
        client.login(imap_user, PASSWORD)
        for message_id, (headers, _) in FORGED.items():
            client.append("INBOX", _raw(message_id, headers).replace(b"{to}", imap_user.encode()))
        client.logout()
        done = run_mailflow(path, "run", "--once")
        assert done.returncode == 0, done.stderr
    assert len(sink.envelopes) == len(FORGED), done.stderr
    sent = {}
    for raw, envelope in zip(sink.received, sink.envelopes, strict=True):
        message = BytesParser(policy=default).parsebytes(raw)
        sent[str(message["In-Reply-To"]).strip("<>")] = (envelope, message)
        head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").lower()
        assert "victim" not in head  # (the greeting may quote the name: text, not a header)
        assert message["Cc"] is None and message["Bcc"] is None
    for message_id, (_, recipients) in FORGED.items():
        envelope, message = sent[message_id]
        assert envelope == recipients
        assert [address.addr_spec for address in message["To"].addresses] == recipients
    assert "Li, Hua" in sent["comma@x"][1].get_body(("plain",)).get_content()  # the name kept whole
