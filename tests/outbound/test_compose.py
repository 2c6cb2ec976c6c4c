"""A draft -> the bytes on the wire: headers any client reads back, bodies in every script."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

import pytest

from mailflow.drafts.headers import UnsafeHeader
from mailflow.outbound.claimed import ClaimedDraft
from mailflow.outbound.compose import outgoing_message
from tests.support.drafts import claimed_draft

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _draft(**changes: Any) -> ClaimedDraft:
    return claimed_draft(
        **{"from_addr": formataddr(("宁波家居 Sales", "sales@ningbo-homeware.example"))} | changes
    )


def _read(draft: ClaimedDraft) -> EmailMessage:
    outgoing = outgoing_message(draft, NOW)
    assert b"\r\n" in outgoing.raw and b"\n" not in outgoing.raw.replace(b"\r\n", b"")  # CRLF only
    parsed = message_from_bytes(outgoing.raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert [part.defects for part in parsed.walk()] == [[] for _ in parsed.walk()]
    assert all(len(line) <= 78 for line in outgoing.raw.split(b"\r\n"))
    return parsed


def test_headers_read_back_exactly_as_the_draft_has_them() -> None:
    message = _read(_draft())
    assert message["From"].addresses[0].display_name == "宁波家居 Sales"
    assert message["From"].addresses[0].addr_spec == "sales@ningbo-homeware.example"
    assert message["Subject"] == "Re: 货物破损投诉 订单PO20261102"
    assert message["Message-ID"] == "<ack-7@ningbo-homeware.example>"
    assert message["In-Reply-To"] == "<b@huamei-home.example>"
    assert " ".join(message["References"].split()) == "<a@huamei-home.example> <b@huamei-home.example>"
    assert message["Date"].datetime == NOW and message["Auto-Submitted"] is None
    # Decoded text keeps MIME's canonical CRLF line ends, as mail clients expect.
    assert message.get_content() == "尊敬的李华，您好！\r\n\r\n请发送以下照片：……\r\n"


def test_the_envelope_is_the_mailbox_and_the_recipients() -> None:
    outgoing = outgoing_message(_draft(to=["a@x.example", "b@x.example"]), NOW)
    assert outgoing.sender == "sales@ningbo-homeware.example"
    assert outgoing.recipients == ("a@x.example", "b@x.example")


def test_auto_policy_drafts_carry_auto_submitted() -> None:
    assert _read(_draft(policy="auto"))["Auto-Submitted"] == "auto-replied"
    assert _read(_draft(policy="auto", kind="reminder"))["Auto-Submitted"] == "auto-generated"


def test_customer_updates_carry_a_mailto_list_unsubscribe() -> None:
    message = _read(_draft(kind="update", in_reply_to="", references=[]))
    assert message["List-Unsubscribe"] == "<mailto:sales@ningbo-homeware.example?subject=unsubscribe>"
    assert _read(_draft(kind="reminder"))["List-Unsubscribe"] is None


def test_plain_english_goes_as_readable_7bit_and_html_as_an_alternative() -> None:
    message = _read(
        _draft(
            subject="Re: Crushed cartons", body="Dear Maria,\nplease send photos.\n", html="<p>Dear Maria</p>"
        )
    )
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert (
        plain["Content-Transfer-Encoding"] == "7bit"
        and plain.get_content().replace("\r\n", "\n") == "Dear Maria,\nplease send photos.\n"
    )
    assert html.get_content_type() == "text/html" and "<p>Dear Maria</p>" in html.get_content()


def test_a_long_subject_is_folded_and_reads_back_whole() -> None:
    subject = "Re: " + " ".join(["货物破损"] * 40)
    assert _read(_draft(subject=subject))["Subject"] == subject


@pytest.mark.parametrize(
    "subject",
    [
        "Re: 货物破损投诉 订单PO20261102 集装箱CSQU3054383 纸箱压坏 请尽快处理" * 3,
        "Re: Жалоба: разбитые коробки 😀 в контейнере MSCU1234567, заказ № 45",
        "RV: Reclamación — cajas aplastadas, pedido nº 7781 (urgente) " * 2,
        "回复: 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 four-byte characters at every split",
        "Ä",
    ],
)
def test_non_ascii_subjects_become_encoded_words_that_read_back_exactly(subject: str) -> None:
    raw = outgoing_message(_draft(subject=subject), NOW).raw
    head = raw.split(b"\r\n\r\n")[0].decode("ascii")
    folded = head.split("Subject: ")[1].split("\r\nDate:")[0]
    lines = ("Subject: " + folded).split("\r\n")
    assert all(len(line) <= 76 for line in lines)  # RFC 2047's limit for lines with encoded words
    assert all(len(word) <= 75 for word in folded.split())  # and for each encoded word
    assert _read(_draft(subject=subject))["Subject"] == subject


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "Re: x\r\nBcc: victim@evil.example"},
        {"in_reply_to": "a@x\nBcc: victim@evil.example"},
        {"references": ["ok@x", "b@x\r\nBcc: victim@evil.example"]},
    ],
)
def test_a_smuggled_line_break_in_a_header_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(UnsafeHeader):
        outgoing_message(_draft(**change), NOW)
