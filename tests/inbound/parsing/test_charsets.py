"""Charset labels widened to their supersets, and text decoded without ever raising."""

from __future__ import annotations

import base64
from email.header import Header

from mailflow.inbound.parsing.charsets import codec_for, decode_bytes, decode_header_value


def _encoded_word(text: str, charset: str, codec: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def test_gb2312_and_gbk_labels_are_widened_to_gb18030() -> None:
    assert [codec_for(label) for label in ("gb2312", "GBK", "x-gbk", "cp936")] == ["gb18030"] * 4


def test_korean_labels_are_widened_to_cp949() -> None:
    assert [codec_for(label) for label in ("ks_c_5601-1987", "ks_c_5601", "EUC-KR")] == ["cp949"] * 3


def test_a_quoted_label_with_spaces_is_still_recognised() -> None:
    assert codec_for(' "GB2312" ') == "gb18030"


def test_unknown_or_missing_labels_give_no_codec() -> None:
    assert [codec_for(label) for label in ("x-unknown", "unknown-8bit", "", None)] == [None] * 4


def test_gbk_text_labelled_gb2312_is_decoded_as_gb18030() -> None:
    data = "镕钢订单".encode("gbk")  # 镕 is in GBK but not in GB2312
    assert decode_bytes(data, "gb2312") == "镕钢订单"


def test_cp949_text_labelled_ks_c_5601_is_decoded_as_cp949() -> None:
    data = "똠방각하 주문".encode("cp949")  # 똠 is outside EUC-KR
    assert decode_bytes(data, "ks_c_5601-1987") == "똠방각하 주문"


def test_utf8_bytes_under_a_us_ascii_label_are_read_as_utf8() -> None:
    assert decode_bytes("Grüße".encode(), "us-ascii") == "Grüße"


def test_a_garbage_label_falls_back_to_utf8() -> None:
    assert decode_bytes("Grüße".encode(), "x-no-such-charset") == "Grüße"


def test_the_declared_charset_wins_over_utf8() -> None:
    assert decode_bytes("Grüße".encode("latin-1"), "iso-8859-1") == "Grüße"


def test_an_encoded_word_header_in_gb2312_is_decoded_as_gb18030() -> None:
    assert decode_header_value(_encoded_word("回复：镕钢", "gb2312", "gbk")) == "回复：镕钢"


def test_plain_text_and_encoded_words_are_joined() -> None:
    assert decode_header_value("=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Berlin") == "Grüße aus Berlin"


def test_surrogate_escaped_raw_bytes_in_a_header_are_decoded_as_utf8() -> None:
    raw = "Grüße".encode().decode("ascii", "surrogateescape")
    assert decode_header_value(raw) == "Grüße"


def test_an_unknown_8bit_header_object_is_decoded() -> None:
    assert decode_header_value(Header("Grüße".encode(), "unknown-8bit")) == "Grüße"


def test_an_encoded_word_with_an_unknown_charset_still_gives_its_text() -> None:
    assert decode_header_value("=?x-bogus?q?abc?=") == "abc"
