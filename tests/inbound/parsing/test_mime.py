"""split(): header blocks through the email package, part bodies sliced at their boundaries."""

from __future__ import annotations

import base64

from mailflow.inbound.parsing.mime import split

PHOTO = bytes(range(256)) * 3

MIXED = (
    b'From: buyer@example.com\r\nSubject: photos\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    b"This is a multi-part message.\r\n"
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello seller\r\n"
    b"--XX\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.encodebytes(PHOTO).replace(b"\n", b"\r\n")
    + b"--XX--\r\nepilogue\r\n"
)

NESTED = (
    b"Content-Type: multipart/mixed; boundary=outer\n\n"
    b"--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
    b"--inner\nContent-Type: text/plain\n\nplain\n"
    b"--inner\nContent-Type: text/html\n\n<p>html</p>\n"
    b"--inner--\n"
    b"--outer\nContent-Type: application/pdf\n\n%PDF\n"
    b"--outer--\n"
)


def _single(encoding: str, body: bytes) -> bytes:
    return b"Content-Type: text/plain\nContent-Transfer-Encoding: " + encoding.encode() + b"\n\n" + body


def test_the_top_level_headers_are_returned_with_the_tree() -> None:
    headers, top = split(MIXED)
    assert (headers["subject"], top.content_type) == ("photos", "multipart/mixed")


def test_parts_are_cut_at_the_boundaries_without_preamble_or_epilogue() -> None:
    _, top = split(MIXED)
    assert [child.content_type for child in top.children] == ["text/plain", "image/png"]


def test_a_part_body_excludes_the_crlf_before_the_next_boundary() -> None:
    _, top = split(MIXED)
    assert top.children[0].body == b"Hello seller"


def test_a_base64_part_decodes_to_its_original_bytes() -> None:
    _, top = split(MIXED)
    assert top.children[1].decoded() == PHOTO


def test_nested_multiparts_become_a_tree() -> None:
    _, top = split(NESTED)
    alternative, pdf = top.children
    assert [(part.content_type, part.body) for part in alternative.children] == [
        ("text/plain", b"plain"),
        ("text/html", b"<p>html</p>"),
    ]
    assert (pdf.content_type, pdf.body, pdf.children) == ("application/pdf", b"%PDF", [])


def test_a_last_part_without_a_closing_boundary_runs_to_the_end() -> None:
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\n\n"
        b"--b\nContent-Type: text/plain\n\nfirst\n"
        b"--b\nContent-Type: text/plain\n\nsecond, never closed\n"
    )
    assert [child.body for child in split(raw)[1].children] == [b"first", b"second, never closed\n"]


def test_a_boundary_only_counts_alone_at_the_start_of_a_line() -> None:
    raw = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nsee --b here\n--bc is not it\n--b--\n"
    assert [child.body for child in split(raw)[1].children] == [b"see --b here\n--bc is not it"]


def test_a_multipart_without_a_boundary_parameter_has_no_children() -> None:
    _, top = split(b"Content-Type: multipart/mixed\n\nbody")
    assert (top.children, top.body) == ([], b"body")


def test_a_message_without_a_blank_line_is_all_headers() -> None:
    headers, top = split(b"Subject: only headers\nFrom: buyer@example.com")
    assert (headers["subject"], top.body, top.children) == ("only headers", b"", [])


def test_a_quoted_printable_part_is_decoded() -> None:
    assert (
        split(_single("quoted-printable", b"Gr=C3=BC=C3=9Fe=\n aus Berlin"))[1].decoded()
        == "Grüße aus Berlin".encode()
    )


def test_base64_missing_its_padding_is_left_to_the_forgiving_email_decoder() -> None:
    assert split(_single("base64", b"SGVsbG8gV29ybGQ"))[1].decoded() == b"Hello World"


def test_an_8bit_part_is_returned_as_it_is() -> None:
    assert split(_single("8bit", b"raw \xff bytes"))[1].decoded() == b"raw \xff bytes"
