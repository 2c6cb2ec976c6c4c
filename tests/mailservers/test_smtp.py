"""The SMTP adapter against a real aiosmtpd server with injected faults, and the composed message."""

from __future__ import annotations

import random
import smtplib
import socket
import string
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from mailflow.config.settings import MailboxSettings
from mailflow.mailservers.smtp import (
    _PLAIN_ADDRESS,
    SendFailed,
    SmtpConnection,
    dead_addresses,
    partly_refused,
)
from mailflow.outbound.claimed import ClaimedDraft
from mailflow.outbound.compose import outgoing_message
from tests.support import smtp_sink
from tests.support.dovecot import make_certificates
from tests.support.drafts import claimed_draft
from tests.support.settings import load_settings, write_settings
from tests.support.smtp_sink import FaultyHandler, running_sink


def _mailbox(tmp_path: Path, port: int, login: str = "", security: str = "none") -> MailboxSettings:
    path = write_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", 1, "u", "p")
    path.write_text(
        path.read_text()
        + f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
        + login
    )
    return load_settings(path).mailboxes[0]


def _draft(**changes: Any) -> ClaimedDraft:
    thread = {
        "in_reply_to": "20261116130501.GB2312@huamei-home.example",
        "references": ("root@huamei-home.example", "20261116130501.GB2312@huamei-home.example"),
    }
    return claimed_draft(**thread | changes)


def test_a_composed_reply_arrives_threaded_and_intact(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    with SmtpConnection(_mailbox(tmp_path, port), 10) as smtp:
        smtp.send(outgoing_message(_draft(), datetime.now(UTC)))
        smtp.send(
            outgoing_message(_draft(id=8, message_id="ack-8@ningbo-homeware.example"), datetime.now(UTC))
        )
    assert len(handler.received) == 2  # one connection, two messages
    received = message_from_bytes(handler.received[0], policy=policy.default)
    assert received["Subject"] == "Re: 货物破损投诉 订单PO20261102"
    assert received["In-Reply-To"] == "<20261116130501.GB2312@huamei-home.example>"
    references = " ".join(str(received["References"]).split())  # long headers are folded on the wire
    assert references == "<root@huamei-home.example> <20261116130501.GB2312@huamei-home.example>"
    assert received["Message-ID"] == "<ack-7@ningbo-homeware.example>"
    assert received["Auto-Submitted"] is None
    assert "请发送以下照片" in received.get_content()


@pytest.mark.parametrize(
    ("fault", "permanent", "code"),
    [
        ({"fail_rcpt": "451 4.3.0 Try again later"}, False, 451),
        ({"fail_rcpt": "550 5.1.1 No such user"}, True, 550),
        ({"fail_data": "552 5.3.4 Message too big"}, True, 552),
        ({"fail_data": "451 4.7.1 Greylisted"}, False, 451),
    ],
)
def test_server_refusals_are_classified_permanent_or_transient(
    tmp_path: Path, sink: tuple[FaultyHandler, int], fault: dict[str, str], permanent: bool, code: int
) -> None:
    handler, port = sink
    for name, value in fault.items():
        setattr(handler, name, value)
    with SmtpConnection(_mailbox(tmp_path, port), 10) as smtp, pytest.raises(SendFailed) as failure:
        smtp.send(outgoing_message(_draft(), datetime.now(UTC)))
    assert (failure.value.permanent, failure.value.code) == (permanent, code)
    assert str(code) in str(failure.value)


def test_a_message_refused_for_one_of_two_recipients_went_to_the_other(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.unknown = {"gone@huamei-home.example"}
    draft = _draft(to=["lihua@huamei-home.example", "gone@huamei-home.example"])
    with SmtpConnection(_mailbox(tmp_path, port), 10) as smtp:
        refused = smtp.send(outgoing_message(draft, datetime.now(UTC)))
    assert handler.envelopes == [["lihua@huamei-home.example"]]
    assert dead_addresses(refused) == ("gone@huamei-home.example",)
    assert partly_refused(refused).startswith("not accepted for gone@huamei-home.example: 550 5.1.1")


def test_a_connection_dropped_after_the_final_dot_is_transient(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.drop_after_dot = True
    with SmtpConnection(_mailbox(tmp_path, port), 10) as smtp, pytest.raises(SendFailed) as failure:
        smtp.send(outgoing_message(_draft(), datetime.now(UTC)))
    assert not failure.value.permanent and "connection lost" in str(failure.value)


def test_421_on_connect_is_transient(tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def refuse() -> None:
        connection, _ = listener.accept()
        connection.sendall(b"421 4.3.2 Service not available, closing channel\r\n")
        connection.close()

    threading.Thread(target=refuse, daemon=True).start()
    with pytest.raises(SendFailed) as failure:
        SmtpConnection(_mailbox(tmp_path, port), 5).connect()
    listener.close()
    assert not failure.value.permanent and "421" in str(failure.value)


@pytest.mark.parametrize(
    ("login", "mechanism", "without"),
    [
        (f'password = "{smtp_sink.PASSWORD}"\n', "PLAIN", ()),
        (f'password = "{smtp_sink.PASSWORD}"\n', "LOGIN", ("PLAIN",)),
        (f'auth = "xoauth2"\noauth2_token = "{smtp_sink.TOKEN}"\n', "XOAUTH2", ()),
    ],
)
def test_login_with_a_password_or_an_oauth2_token(
    tmp_path: Path, login: str, mechanism: str, without: tuple[str, ...]
) -> None:
    with running_sink(auth=True, without=without) as (handler, port):
        with SmtpConnection(_mailbox(tmp_path, port, login), 10) as smtp:
            smtp.send(outgoing_message(_draft(), datetime.now(UTC)))
        assert handler.logins == [mechanism] and len(handler.received) == 1


@pytest.mark.parametrize(
    "login", ['password = "wrong-secret"\n', 'auth = "xoauth2"\noauth2_token = "expired-token"\n']
)
def test_a_refused_login_is_one_clear_line_without_the_secret(tmp_path: Path, login: str) -> None:
    with running_sink(auth=True) as (handler, port), pytest.raises(SendFailed) as failure:
        SmtpConnection(_mailbox(tmp_path, port, login), 10).connect()
    message = str(failure.value)
    assert "login refused: 535" in message and "mailbox sales SMTP" in message
    assert "wrong-secret" not in message and "expired-token" not in message
    assert handler.logins == []


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("smtp-tls")
    make_certificates(folder)
    return folder


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_and_starttls_with_the_certificate_verified(
    tmp_path: Path, certificates: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    login = f'password = "{smtp_sink.PASSWORD}"\n'
    with running_sink(auth=True, tls=security, certificates=certificates) as (handler, port):
        mailbox = _mailbox(tmp_path, port, login, security)
        with SmtpConnection(mailbox, 10) as smtp:
            smtp.send(outgoing_message(_draft(), datetime.now(UTC)))
    assert handler.logins == ["PLAIN"] and len(handler.received) == 1


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_an_untrusted_certificate_is_one_clear_error(
    tmp_path: Path, certificates: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    with (
        running_sink(tls=security, certificates=certificates) as (handler, port),
        pytest.raises(SendFailed) as failure,
    ):
        SmtpConnection(_mailbox(tmp_path, port, security=security), 10).connect()
    assert "certificate verify failed" in str(failure.value) and not failure.value.permanent
    assert handler.received == []


def test_envelope_addresses_go_out_as_smtplib_writes_them(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    # mailflow quotes plain addresses itself (mailservers/smtp.py); everything else still goes through smtplib.
    handler, port = sink
    addresses = [
        "lihua@huamei-home.example",
        "o'brien+po-4711@importer.example",
        "Li.Hua@Huamei-Home.EXAMPLE",
        '"li hua"@huamei-home.example',
        "lihua@[192.0.2.7]",
    ]
    message = outgoing_message(_draft(to=addresses), datetime.now(UTC))
    with SmtpConnection(_mailbox(tmp_path, port), 10) as smtp:
        smtp.send(message)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as raw:
        raw.sendmail(message.sender, list(message.recipients), message.raw)
    assert len(handler.envelopes) == 2 and len(handler.envelopes[0]) == len(addresses)
    assert handler.envelopes[0] == handler.envelopes[1]
    assert handler.senders == ["sales@ningbo-homeware.example"] * 2


def test_a_plain_address_is_quoted_exactly_as_smtplib_quotes_it() -> None:
    # The premise of the shortcut: for every address the pattern takes, `<address>` is
    # what smtplib.quoteaddr (email.utils.parseaddr) would have made of it.
    atext = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
    label = string.ascii_letters + string.digits + "-"
    rnd = random.Random(2026)

    def dotted(alphabet: str) -> str:
        return ".".join(
            "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 8))) for _ in range(rnd.randint(1, 3))
        )

    for _ in range(5000):
        address = f"{dotted(atext)}@{dotted(label)}"
        assert _PLAIN_ADDRESS.fullmatch(address)
        assert smtplib.quoteaddr(address) == f"<{address}>", address
    for other in (
        '"li hua"@x.example',
        "Li <li@x.example>",
        "a..b@x.example",
        ".a@x.example",
        "李华@例子.中国",
    ):
        assert not _PLAIN_ADDRESS.fullmatch(other), other
