"""Decoding text whose declared charset is wrong, missing or unknown, without ever raising.

Mail from Chinese, Korean, Russian and Japanese clients is often labelled with a
narrower charset than the one actually used (GB2312 for GBK text, KS C 5601 for
CP949), so we decode with the superset first.
"""

from __future__ import annotations

import codecs
from email.header import Header, decode_header

from charset_normalizer import from_bytes

SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-cyrillic": "mac-cyrillic",
    "iso-2022-jp": "iso2022_jp_ext",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-874": "cp874",
    "us-ascii": "utf-8",  # 8-bit bytes under a us-ascii label are nearly always UTF-8
    "ascii": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}


def codec_for(label: str | None) -> str | None:
    """The Python codec to try for a declared charset, or None when unknown."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text bytes: declared charset (widened), then UTF-8, then detection."""
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    for codec in (codec_for(declared), "utf-8"):
        if codec:
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
    best = from_bytes(data[:65536]).best()
    if best is not None:
        try:
            return data.decode(best.encoding, errors="replace")
        except LookupError:
            pass
    return data.decode(codec_for(declared) or "utf-8", errors="replace")


def _undo_surrogates(value: str) -> str:
    """Headers parsed from bytes keep raw 8-bit bytes as surrogates: decode them for real."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return decode_bytes(value.encode("ascii", "surrogateescape"))
    return value


def decode_header_value(value: object) -> str:
    """An RFC 2047 header value to text, with charset fallbacks; never raises."""
    # compat32 hands raw 8-bit header bytes over as a Header in "unknown-8bit".
    text: str | Header = value if isinstance(value, Header) else _undo_surrogates(str(value))
    try:
        chunks = decode_header(text)
    except (ValueError, LookupError, AssertionError):
        return str(text)
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(chunk)
    return "".join(parts)
