"""The SMTP adapter's envelope for a message with copies (Cc), against a real aiosmtpd server.

The buyer is what matters: a copy goes only with a message the server took for
the buyer, and a copy the server refuses is noted, not a reason to hold back
the buyer's message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailflow.config.settings import MailboxSettings
from mailflow.mailservers.smtp import SendFailed, SmtpConnection, dead_addresses, partly_refused
from mailflow.outbound.compose import outgoing_message
from tests.support.drafts import claimed_draft
from tests.support.settings import load_settings, write_settings
from tests.support.smtp_sink import FaultyHandler

BUYER, BOSS = "maria@harbor-imports.example", "boss@ningbo-homeware.example"


def _mailbox(tmp_path: Path, port: int) -> MailboxSettings:
    path = write_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", 1, "u", "p", migrate=False)
    path.write_text(
        path.read_text() + f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    )
    return load_settings(path).mailboxes[0]


def _send(tmp_path: Path, port: int, count: int = 1) -> list[dict[str, tuple[int, bytes]]]:
    draft = claimed_draft(to=[BUYER], cc=(BOSS,))
    with SmtpConnection(_mailbox(tmp_path, port), 10) as smtp:
        return [smtp.send(outgoing_message(draft, datetime.now(UTC))) for _ in range(count)]


def test_the_envelope_has_the_recipient_and_every_copy(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    assert _send(tmp_path, port) == [{}]
    assert handler.envelopes == [[BUYER, BOSS]]


def test_a_refused_copy_is_noted_and_the_buyer_still_gets_it(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.unknown = {BOSS}
    (refused,) = _send(tmp_path, port)
    assert handler.envelopes == [[BUYER]]
    assert dead_addresses(refused) == (BOSS,)
    assert partly_refused(refused).startswith(f"not accepted for {BOSS}: 550")


def test_a_refused_buyer_sends_nothing_to_the_copies_and_the_connection_goes_on(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.unknown = {BUYER}
    draft = claimed_draft(to=[BUYER], cc=(BOSS,))
    with SmtpConnection(_mailbox(tmp_path, port), 10) as smtp:
        with pytest.raises(SendFailed) as failure:
            smtp.send(outgoing_message(draft, datetime.now(UTC)))
        handler.unknown = set()
        smtp.send(outgoing_message(draft, datetime.now(UTC)))  # RSET: the same connection serves on
    assert handler.envelopes == [[BUYER, BOSS]]  # only the second message went, to both
    assert failure.value.permanent and failure.value.code == 550
    assert failure.value.refused == (BUYER,)  # the boss's address is not blamed


def test_a_4xx_for_the_buyer_is_worth_a_retry_whatever_the_copies_got(
    tmp_path: Path, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.fail_rcpt = "451 4.3.0 try again later"
    with pytest.raises(SendFailed) as failure:
        _send(tmp_path, port)
    assert not failure.value.permanent and failure.value.code == 451
    assert handler.received == []
