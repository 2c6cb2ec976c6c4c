"""What one message may cost is bounded: parts and header fields over a limit are counted, not read.

Issue #17, findings 3 and 4: a 7 MB message of 100,000 sibling parts became
100,000 attachments in 48 s; 5,000 nested multiparts without blank lines raised
RecursionError and the message went to quarantine.
"""

from __future__ import annotations

from dataclasses import replace

from mailflow.config.parse_limits import DEFAULT_LIMITS, ParseLimits
from mailflow.config.rules import default_ruleset
from mailflow.inbound.parsing.mime import split
from mailflow.inbound.parsing.parse import MAX_NEW_TEXT_SEARCH, parse
from mailflow.inbound.pipeline import Processed, process
from tests.inbound.parsing.hostile_mail import (
    many_headers,
    nested_multiparts_without_blank_lines,
    sibling_parts,
)

RULES = replace(default_ruleset(), model="off")


def test_100000_sibling_parts_keep_at_most_the_part_limit_and_count_the_rest() -> None:
    mail = parse(sibling_parts(100_000))
    # The message itself is one of the 500 parts, so 499 attachments are read.
    assert len(mail.attachments) == DEFAULT_LIMITS.max_parts - 1
    assert "99501 MIME parts over the limit of 500 not read" in mail.defects


def test_the_part_limit_counts_nested_and_sibling_parts_together() -> None:
    inner = (
        b"Content-Type: multipart/mixed; boundary=I\r\n\r\n"
        + b"--I\r\nContent-Type: image/png\r\n\r\npng\r\n" * 5
        + b"--I--\r\n"
    )
    raw = (
        b"From: buyer@acme.example\r\nContent-Type: multipart/mixed; boundary=O\r\n\r\n"
        + (b"--O\r\n" + inner) * 3
        + b"--O--\r\n"
    )
    # 1 + 3 x (1 + 5) = 19 parts; a limit of 10 reads the message, two containers and 7 images.
    mail = parse(raw, ParseLimits(max_parts=10))
    assert len(mail.attachments) == 7
    # The outer multipart could not read its third container; the second container, its last 3 images.
    assert mail.defects == (
        "1 MIME parts over the limit of 10 not read",
        "3 MIME parts over the limit of 10 not read",
    )


def test_parts_within_the_limit_are_all_read_without_a_defect() -> None:
    mail = parse(sibling_parts(20), ParseLimits(max_parts=21))
    assert (len(mail.attachments), mail.defects) == (20, ())


def test_5000_nested_multiparts_without_blank_lines_parse_without_raising() -> None:
    mail = parse(nested_multiparts_without_blank_lines(5000))
    assert mail.sender is not None and mail.sender.email == "buyer@acme.example"
    assert "multipart nested deeper than 20 levels not read" in mail.defects


def test_header_fields_over_the_limit_are_dropped_and_counted() -> None:
    mail = parse(many_headers(5000))
    assert len(mail.headers) == DEFAULT_LIMITS.max_headers
    assert "4002 header fields over the limit of 1000 dropped" in mail.defects
    assert mail.full_text.strip() == "The mugs are broken."


def test_the_header_limit_holds_without_a_blank_line_before_the_body() -> None:
    raw = many_headers(50).replace(b"\r\n\r\n", b"\r\n")
    mail = parse(raw, ParseLimits(max_headers=10))
    assert len(mail.headers) == 10
    assert "42 header fields over the limit of 10 dropped" in mail.defects


def test_the_header_limit_applies_to_each_part() -> None:
    part_headers = b"".join(b"X-P%d: v\r\n" % n for n in range(30))
    raw = (
        b"From: buyer@acme.example\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\n" + part_headers + b"Content-Type: image/png\r\n\r\npng\r\n--B--\r\n"
    )
    _, top = split(raw, ParseLimits(max_headers=10))
    assert len(top.children[0].headers) == 10
    assert top.children[0].defects == ["21 header fields over the limit of 10 dropped"]


def test_the_pipeline_records_such_mail_instead_of_quarantining_it() -> None:
    for raw in (nested_multiparts_without_blank_lines(5000), sibling_parts(2000)):
        result = process(1, raw, RULES, frozenset(), parse_limits=ParseLimits(max_parts=50))
        assert isinstance(result, Processed)
        assert len(result.mail.attachments) <= 50


def test_only_the_top_of_a_huge_text_is_searched_for_the_new_part() -> None:
    body = b"The mugs are broken.\r\n" + b"> old line of a long quoted history\r\n" * 40_000
    mail = parse(b"From: buyer@acme.example\r\nSubject: mugs\r\n\r\n" + body)
    assert mail.new_text == "The mugs are broken."
    assert len(mail.full_text) > MAX_NEW_TEXT_SEARCH
    assert f"text: only the first {MAX_NEW_TEXT_SEARCH} characters searched for the new part" in mail.defects
