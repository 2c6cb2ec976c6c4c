"""guard.check(): automatic mail is recognised and every reason is named."""

from __future__ import annotations

import pytest

from mailflow.inbound.guard import check
from mailflow.inbound.parsing.parse import parse

OWN = frozenset({"sales@ningbo-homeware.example"})


def _verdict(
    headers: str, sender: str = "buyer@acme.example", subject: str = "Order"
) -> tuple[bool, tuple[str, ...]]:
    raw = f"From: {sender}\r\nSubject: {subject}\r\n{headers}\r\nhello\r\n".encode()
    verdict = check(parse(raw), OWN)
    return verdict.automatic, verdict.reasons


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\r\n",
        "Auto-Submitted: auto-generated\r\n",
        "Precedence: bulk\r\n",
        "Precedence: junk\r\n",
        "Precedence: list\r\n",
        "Precedence: auto_reply\r\n",
        "List-Id: <buyers.lists.example>\r\n",
        "List-Unsubscribe: <mailto:u@x.example>\r\n",
        "X-Autoreply: yes\r\n",
        "X-Auto-Response-Suppress: All\r\n",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
        "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n",
        "Return-Path: <>\r\n",
    ],
)
def test_automatic_headers_are_recognised(headers: str) -> None:
    automatic, reasons = _verdict(headers)
    assert automatic and reasons


def test_auto_submitted_no_is_a_person() -> None:
    assert _verdict("Auto-Submitted: no\r\n") == (False, ())


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.example",
        "postmaster@acme.example",
        "noreply@acme.example",
        "no-reply@acme.example",
        "do-not-reply@acme.example",
    ],
)
def test_robot_senders_are_automatic(sender: str) -> None:
    assert _verdict("", sender=sender)[0]


def test_our_own_address_coming_back_is_automatic() -> None:
    automatic, reasons = _verdict("", sender="sales@ningbo-homeware.example")
    assert automatic and reasons == ("our own address sales@ningbo-homeware.example",)


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Order",
        "Automatic reply: PO 123",
        "Abwesenheitsnotiz",
        "Réponse automatique : test",
        "Respuesta automática",
        "自动回复: 订单",
        "Автоответ: заказ",
        "Read: Invoice 12",
        "已读: 发票",
    ],
)
def test_out_of_office_and_read_receipt_subjects(subject: str) -> None:
    assert _verdict("", subject=subject)[0]


def test_an_ordinary_buyer_is_not_automatic() -> None:
    assert _verdict("", subject="Cracked mugs in PO 4500123") == (False, ())
