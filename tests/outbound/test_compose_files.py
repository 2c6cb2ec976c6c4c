"""A draft with files (an internal notice's photos) -> multipart/mixed bytes any client reads back. Pure."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from mailflow.outbound.claimed import AttachedFile
from mailflow.outbound.compose import outgoing_message
from tests.support.drafts import claimed_draft

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
JPEG_1 = b"\xff\xd8\xff\xe0" + os.urandom(40_000) + b"\xff\xd9"
JPEG_2 = b"\xff\xd8\xff\xe1" + os.urandom(7) + b"\xff\xd9"


def _file(filename: str, content_type: str = "image/jpeg") -> AttachedFile:
    return AttachedFile(filename, content_type, "0" * 64)


def _read(files: list[tuple[AttachedFile, bytes]], **changes: Any) -> tuple[EmailMessage, bytes]:
    draft = claimed_draft(
        kind="internal", policy="auto", attachments=tuple(file for file, _ in files), **changes
    )
    raw = outgoing_message(draft, NOW, files).raw
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert [part.defects for part in parsed.walk()] == [[] for _ in parsed.walk()]
    return parsed, raw


def test_files_go_as_attachments_after_the_text_byte_for_byte() -> None:
    message, _ = _read([(_file("IMG_0412.jpg"), JPEG_1), (_file("IMG_0413.jpg"), JPEG_2)])
    assert message.get_content_type() == "multipart/mixed"
    text, *files = message.iter_parts()
    assert text.get_content_type() == "text/plain" and "请发送以下照片" in text.get_content()
    assert [(part.get_content_type(), part.get_filename(), part.get_content()) for part in files] == [
        ("image/jpeg", "IMG_0412.jpg", JPEG_1),
        ("image/jpeg", "IMG_0413.jpg", JPEG_2),
    ]
    assert all(part.get_content_disposition() == "attachment" for part in files)
    assert message["Auto-Submitted"] == "auto-generated"


def test_an_html_draft_keeps_its_alternative_inside_the_mixed_message() -> None:
    message, _ = _read([(_file("a.jpg"), JPEG_2)], html="<p>照片</p>")
    body, photo = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert photo.get_content() == JPEG_2


def test_a_chinese_filename_reads_back_whole_in_lines_of_at_most_78() -> None:
    name = "破损照片_第一箱_外包装压坏_" * 6 + ".jpg"
    message, _ = _read([(_file(name), JPEG_2)])
    (_, photo) = message.iter_parts()
    assert photo.get_filename() == name and photo.get_content() == JPEG_2


def test_a_filename_or_type_cannot_add_a_header() -> None:
    message, raw = _read(
        [(_file('x"\r\nBcc: spy@evil.example\r\n.jpg', "image/jpeg\r\nBcc: spy@evil.example"), JPEG_2)]
    )
    assert b"\r\nBcc:" not in raw and message["Bcc"] is None
    (_, photo) = message.iter_parts()
    assert photo.get_content_type() == "application/octet-stream"
    assert photo.get_filename() == 'x"\r\nBcc: spy@evil.example\r\n.jpg' and photo.get_content() == JPEG_2


def test_a_draft_without_files_is_the_single_part_message_it_always_was() -> None:
    draft = claimed_draft()
    assert outgoing_message(draft, NOW).raw == outgoing_message(draft, NOW, ()).raw
    assert b"multipart" not in outgoing_message(draft, NOW).raw
