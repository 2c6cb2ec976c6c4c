"""Text in a 7-bit charset (ISO-2022-JP, UTF-7) looks like ASCII and must still be decoded.

Found while checking issue #17's parser against the shared corpora: Japanese
mail in ISO-2022-JP, the usual encoding of Japanese clients, reached the
classifier as escape sequences.
"""

from __future__ import annotations

import base64

from mailflow.inbound.parsing.charsets import decode_bytes
from mailflow.inbound.parsing.parse import parse


def test_an_iso_2022_jp_body_is_decoded() -> None:
    body = "荷物が破損していました。".encode("iso-2022-jp")
    assert body.isascii()
    raw = b"From: tanaka@buyer.example\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n" + body
    assert parse(raw).full_text == "荷物が破損していました。"


def test_an_iso_2022_jp_subject_split_over_two_encoded_words_is_decoded() -> None:
    words = " ".join(
        f"=?ISO-2022-JP?B?{base64.b64encode(part.encode('iso-2022-jp')).decode()}?="
        for part in ("破損", "の件")
    )
    raw = f"From: tanaka@buyer.example\r\nSubject: Re: {words}\r\n\r\nx".encode()
    assert parse(raw).subject == "Re: 破損の件"


def test_ascii_stays_as_it_is_and_utf7_is_decoded() -> None:
    assert decode_bytes(b"a+b-c", "us-ascii") == "a+b-c"
    assert decode_bytes("a+b".encode("utf-7"), "utf-7") == "a+b"
