"""Hostile headers cannot steer a reply: addresses come from the raw header, names only from encoded words.

Issue #17, findings 1 and 3: each message here is what a security probe sent.
"""

from __future__ import annotations

import unicodedata

from mailflow.inbound.parsing.parse import parse


def _message(*headers: bytes, body: bytes = b"The cartons were crushed.\r\n") -> bytes:
    return b"\r\n".join((*headers, b"Subject: claim")) + b"\r\n\r\n" + body


def test_an_address_encoded_in_the_display_name_does_not_become_the_sender() -> None:
    mail = parse(_message(b"From: =?utf-8?q?boss=40bigcustomer.example?= <attacker@evil.example>"))
    assert mail.sender is not None
    assert (mail.sender.email, mail.sender.name) == ("attacker@evil.example", "boss@bigcustomer.example")


def test_an_encoded_line_break_cannot_turn_a_display_name_into_the_address() -> None:
    mail = parse(
        _message(
            b"From: =?utf-8?q?Boss=0D=0Aboss=40bigcustomer.example?= <attacker@evil.example>",
            b"Reply-To: =?utf-8?q?=0D=0Aboss=40bigcustomer.example?= <attacker@evil.example>",
        )
    )
    assert mail.sender is not None and mail.reply_to is not None
    assert (mail.sender.email, mail.reply_to.email) == ("attacker@evil.example", "attacker@evil.example")
    assert mail.sender.name == "Boss boss@bigcustomer.example"
    assert mail.reply_to.name == "boss@bigcustomer.example"


def test_an_encoded_comma_keeps_the_display_name_whole() -> None:
    mail = parse(_message(b"From: =?utf-8?q?Li=2C_Hua?= <lihua@ningbo-buyer.example>"))
    assert mail.sender is not None
    assert (mail.sender.email, mail.sender.name) == ("lihua@ningbo-buyer.example", "Li, Hua")


def test_an_address_that_exists_only_inside_an_encoded_word_is_no_address() -> None:
    mail = parse(_message(b"From: =?utf-8?q?boss=40bigcustomer.example?=", b"To: sales@ours.example"))
    assert mail.sender is None
    assert "from: no readable address" in mail.defects


def test_encoded_words_cannot_add_recipients_to_to_or_cc() -> None:
    mail = parse(
        _message(
            b"From: buyer@acme.example",
            b"To: =?utf-8?q?sales=40ours.example=2C_boss=40big.example?= <sales@ours.example>",
            b"Cc: =?utf-8?q?x=3E=2C_victim=40evil.example_=3C?= <ops@acme.example>",
        )
    )
    assert [a.email for a in mail.to] == ["sales@ours.example"]
    assert [a.email for a in mail.cc] == ["ops@acme.example"]


def test_a_sender_header_stands_in_for_a_missing_from_and_is_read_raw_too() -> None:
    mail = parse(_message(b"Sender: =?utf-8?q?boss=40bigcustomer.example?= <relay@agent.example>"))
    assert mail.sender is not None and mail.sender.email == "relay@agent.example"
    assert "from: missing" in mail.defects


def test_control_and_direction_characters_are_taken_out_of_decoded_names() -> None:
    mail = parse(_message(b"From: =?utf-8?q?Li=07_Wei=E2=80=AE_moc=00.evil?= <liwei@buyer.example>"))
    assert mail.sender is not None
    assert mail.sender.name == "Li Wei moc .evil"
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in mail.sender.name)


def test_a_damaged_encoded_subject_is_a_defect_not_an_exception() -> None:
    mail = parse(
        _message(b"From: buyer@acme.example").replace(b"Subject: claim", b"Subject: =?NONE?B?VEVTVA%?=")
    )
    assert mail.subject == "TEST"
    assert "subject: damaged encoded word" in mail.defects


def test_a_nul_in_a_charset_name_is_a_defect_not_an_exception() -> None:
    raw = _message(b"From: buyer@acme.example", b'Content-Type: text/plain; charset="utf\x00-8"')
    mail = parse(raw)
    assert mail.full_text.strip() == "The cartons were crushed."
    assert "unknown charset 'utf\\x00-8'" in mail.defects


def test_a_nul_in_an_rfc2231_charset_leaves_the_attachment_unnamed_but_kept() -> None:
    raw = (
        b"From: buyer@acme.example\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nphotos attached\r\n"
        b"--B\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename*=utf\x00-8''crack.jpg\r\n\r\n"
        b"JPEG\r\n--B--\r\n"
    )
    mail = parse(raw)
    assert [a.filename for a in mail.attachments] == ["attachment"]
    assert "unreadable attachment file name (ValueError)" in mail.defects
