"""parse(): bytes in, InboundMail out, never an exception, whatever the bytes."""

from __future__ import annotations

from email.message import EmailMessage

from mailflow.demo.messages import demo_messages, fake_jpeg
from mailflow.inbound.parsing.parse import parse, sanitize_filename


def _build(body: str = "Hello", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Buyer <Buyer@Acme.example>")
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = headers.pop("Subject", "Order")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_addresses_are_lower_cased_and_names_kept() -> None:
    mail = parse(_build().as_bytes())
    assert mail.sender is not None
    assert (mail.sender.email, mail.sender.name) == ("buyer@acme.example", "Buyer")


def test_gb2312_subject_and_body_are_decoded() -> None:
    chinese = demo_messages()[2]
    assert b"=?gb2312?" in chinese
    mail = parse(chinese)
    assert mail.subject == "货物破损投诉 订单PO20261102"
    assert "纸箱破损" in mail.new_text
    assert mail.sender is not None and mail.sender.name == "李华"


def test_gbk_characters_under_a_gb2312_label_survive() -> None:
    # 镕 is in GBK but not in GB2312: clients still label such text gb2312.
    raw = (
        b"From: b@x.example\r\nSubject: =?gb2312?B?"
        + __import__("base64").b64encode("朱镕基".encode("gbk"))
        + b"?=\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\n\r\n" + "朱镕基".encode("gbk") + b"\r\n"
    )
    mail = parse(raw)
    assert mail.subject == "朱镕基"
    assert mail.full_text.strip() == "朱镕基"


def test_ks_c_5601_is_read_as_cp949() -> None:
    raw = (
        b"From: b@x.example\r\nContent-Type: text/plain; charset=ks_c_5601-1987\r\n\r\n"
        + "안녕하세요".encode("cp949")
    )
    assert parse(raw).full_text == "안녕하세요"


def test_an_unknown_charset_falls_back_without_raising() -> None:
    raw = b"From: b@x.example\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nCartons crushed \xe2\x80\x94 sorry\r\n"
    assert "Cartons crushed — sorry" in parse(raw).full_text


def test_undeclared_8bit_is_detected() -> None:
    raw = (
        b"From: b@x.example\r\nSubject: test\r\n\r\n"
        + "Грузы повреждены при доставке, коробки раздавлены.".encode("cp1251")
    )
    assert "повреждены" in parse(raw).full_text


def test_nul_bytes_are_dropped() -> None:
    raw = b"From: b@x.example\r\nSubject: a\x00b\r\n\r\nbroken\x00 mugs\r\n"
    mail = parse(raw)
    assert "\x00" not in mail.full_text and "\x00" not in mail.subject


def test_html_only_mail_becomes_text() -> None:
    msg = _build()
    msg.set_content(
        "<html><body><p>The cartons were <b>crushed</b>.</p><script>x()</script></body></html>",
        subtype="html",
    )
    mail = parse(msg.as_bytes())
    assert "The cartons were crushed." in mail.new_text
    assert "<" not in mail.new_text


def test_crlf_smuggled_into_an_encoded_subject_is_flattened() -> None:
    raw = b"From: b@x.example\r\nSubject: =?utf-8?q?Hello=0D=0ABcc:_victim@evil.example?=\r\n\r\nx\r\n"
    mail = parse(raw)
    assert "\r" not in mail.subject and "\n" not in mail.subject
    assert mail.subject == "Hello Bcc: victim@evil.example"


def test_attachment_names_cannot_climb_out_or_break_lines() -> None:
    # Written by hand: no library writes such names, attackers do.
    raw = (
        b"From: b@x.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--B\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="../../etc/passwd"\r\n\r\nx\r\n'
        b"--B\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="=?utf-8?q?PI=0D=0ABcc:_x.pdf?="\r\n\r\ny\r\n'
        b"--B--\r\n"
    )
    names = [a.filename for a in parse(raw).attachments]
    assert names == ["passwd", "PIBcc: x.pdf"]


def test_sanitize_filename_handles_windows_paths_dots_and_length() -> None:
    assert sanitize_filename("C:\\Users\\buyer\\photo.jpg") == "photo.jpg"
    assert sanitize_filename("...") == "attachment"
    long_name = sanitize_filename("a" * 400 + ".jpeg")
    assert long_name.endswith(".jpeg") and len(long_name) <= 150


def test_attachments_keep_type_size_and_hash() -> None:
    msg = _build()
    photo = fake_jpeg(50_000, 1)
    msg.add_attachment(photo, maintype="image", subtype="jpeg", filename="crack.jpg")
    (attachment,) = parse(msg.as_bytes()).attachments
    assert (attachment.content_type, attachment.size) == ("image/jpeg", 50_000)
    assert attachment.sha256 == __import__("hashlib").sha256(photo).hexdigest()


def test_a_message_without_message_id_is_keyed_by_its_bytes() -> None:
    raw = b"From: b@x.example\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).dedupe_key.startswith("sha256:")
    assert parse(raw).dedupe_key == parse(raw).dedupe_key


def test_thread_headers_are_read() -> None:
    mail = parse(_build(In_Reply_To="<a@x>", References="<root@x> <a@x>", Message_ID="<b@x>").as_bytes())
    assert (mail.message_id, mail.in_reply_to, mail.references) == ("b@x", "a@x", ("root@x", "a@x"))


def test_a_never_closed_boundary_still_yields_the_text() -> None:
    raw = (
        b"From: b@x.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
        b"--XYZ\r\nContent-Type: text/plain\r\n\r\nThe mugs are broken.\r\n--XYZ\r\nContent-Type: image/jpeg\r\n"
        b"Content-Disposition: attachment; filename=a.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ"
    )
    mail = parse(raw)
    assert "The mugs are broken." in mail.new_text
    assert [a.filename for a in mail.attachments] == ["a.jpg"]


def test_garbage_bytes_do_not_raise() -> None:
    for raw in (
        b"",
        b"\xff\xfe\x00garbage",
        b"\r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\n--",
        bytes(range(256)) * 10,
    ):
        parse(raw)


def test_a_bad_date_is_none_and_a_good_one_is_utc() -> None:
    assert parse(b"From: b@x.example\r\nDate: not a date\r\n\r\nx").date is None
    date = parse(b"From: b@x.example\r\nDate: Mon, 16 Nov 2026 09:00:00 +0800\r\n\r\nx").date
    assert date is not None and date.isoformat() == "2026-11-16T01:00:00+00:00"


def test_a_delivery_report_names_the_addresses_that_failed_and_not_the_delayed_ones() -> None:
    from mailflow.inbound.parsing.parse import failed_recipients

    report = (
        "Reporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: rfc822; <Buyer@Acme.example>\nAction: failed\nStatus: 5.1.1\n\n"
        "Final-Recipient: rfc822; late@acme.example\nAction: delayed\nStatus: 4.2.2\n\n"
        "Original-Recipient: rfc822;old@acme.example\nStatus: 5.0.0\n"
    )
    assert failed_recipients(report) == ["buyer@acme.example", "old@acme.example"]


def test_bounces_in_the_shared_corpus_are_read() -> None:
    from tests.support.corpora import CORPORA, corpus_files

    corpus_files()  # fails loudly when the corpora are missing
    folder = CORPORA / "mikel-mail" / "multipart_report_emails"
    assert parse((folder / "report_530.eml").read_bytes()).bounced == ("edwin@zzzzzzz.com",)
    assert parse((folder / "report_422.eml").read_bytes()).bounced == ()
