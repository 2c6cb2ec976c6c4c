"""Decoding text whose declared charset is wrong, missing or unknown, without ever raising.

Mail from Chinese, Korean, Russian and Japanese clients is often labelled with a
narrower charset than the one actually used (GB2312 for GBK text, KS C 5601 for
CP949), so we decode with the superset first. RFC 2047 encoded words are
decoded here too, by a decoder that reports damage instead of raising.
"""

from __future__ import annotations

import binascii
import codecs
import re
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

# Charsets whose text is all 7-bit bytes: ASCII-looking data under these labels still needs decoding
# (ISO-2022-JP is how most Japanese mail is sent).
_SEVEN_BIT_CODECS = ("iso2022", "utf-7", "hz")


def codec_for(label: str | None) -> str | None:
    """The Python codec to try for a declared charset, or None when unknown."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL inside the label
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text bytes: declared charset (widened), then UTF-8, then detection."""
    if not data:
        return ""
    declared_codec = codec_for(declared)
    if data.isascii() and not (declared_codec or "").startswith(_SEVEN_BIT_CODECS):
        return data.decode("ascii")
    # UnicodeError and ValueError too: a label can name a codec that is no charset ("idna", "rot13").
    for codec in (declared_codec, "utf-8"):
        if codec:
            try:
                return data.decode(codec)
            except (UnicodeError, LookupError, ValueError):
                continue
    best = from_bytes(data[:65536]).best()
    if best is not None:
        try:
            return data.decode(best.encoding, errors="replace")
        except (UnicodeError, LookupError, ValueError):
            pass
    try:
        return data.decode(declared_codec or "utf-8", errors="replace")
    except (UnicodeError, LookupError, ValueError):
        return data.decode("utf-8", errors="replace")


def undo_surrogates(value: str, detect: bool = True) -> str:
    """Headers parsed from bytes keep raw 8-bit bytes as surrogates: decode them for real.

    Without `detect`, bytes that are not UTF-8 become U+FFFD instead of going
    through charset detection, which costs more than parsing the rest.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        data = value.encode("ascii", "surrogateescape")
        return decode_bytes(data) if detect else data.decode("utf-8", "replace")
    return value


# An RFC 2047 encoded word. The parts stop at the next "?", so a header full of
# unclosed "=?" costs linear time; the charset may carry an RFC 2231 language ("utf-8*en").
_ENCODED_WORD = re.compile(r"=\?([^?]*)\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def decode_header_value(value: object) -> str:
    """An RFC 2047 header value to text, with charset fallbacks; never raises."""
    if isinstance(value, Header):
        # compat32 hands raw 8-bit header bytes over as a Header in "unknown-8bit".
        try:
            chunks = decode_header(value)
        except (ValueError, LookupError, AssertionError):
            return str(value)
        return "".join(
            decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in chunks
        )
    return decode_words(undo_surrogates(str(value)))[0]


def decode_words(text: str) -> tuple[str, bool]:
    """The encoded words in `text` decoded, and whether one of them was damaged.

    Unlike email.header.decode_header this never raises: a damaged word is
    decoded as far as it goes (or kept as it came) and reported, so the caller
    can record a defect and go on. Blanks between two encoded words go, as
    RFC 2047 says; consecutive words in one charset are decoded together,
    because clients split a multibyte character across them.
    """
    if "=?" not in text:
        return text, False
    text = _FOLD.sub("", text)
    pieces: list[str] = []
    pending: list[tuple[str, list[bytes]]] = []  # runs of words in one charset, joined when decoded
    damaged = False
    position = 0
    for found in _ENCODED_WORD.finditer(text):
        between = text[position : found.start()]
        if between.strip(" \t") or not pending:
            _flush(pending, pieces)
            pieces.append(between)
        data, intact = _word_bytes(found.group(2), found.group(3))
        damaged = damaged or not intact
        charset = found.group(1).partition("*")[0].lower()
        if pending and pending[-1][0] == charset:
            pending[-1][1].append(data)
        else:
            pending.append((charset, [data]))
        position = found.end()
    _flush(pending, pieces)
    pieces.append(text[position:])
    return "".join(pieces), damaged


def _flush(pending: list[tuple[str, list[bytes]]], pieces: list[str]) -> None:
    pieces.extend(decode_bytes(b"".join(run), charset) for charset, run in pending)
    pending.clear()


def _word_bytes(encoding: str, encoded: str) -> tuple[bytes, bool]:
    """The bytes of one encoded word's text, and whether they came out whole."""
    data = encoded.encode("utf-8", "replace")
    if encoding in "qQ":
        # a2b_qp is forgiving by nature: a broken "=X" stays as it is.
        return binascii.a2b_qp(data, header=True), True
    letters = _NOT_BASE64.sub(b"", data.rstrip(b"="))
    intact = letters == data.rstrip(b"=") and len(letters) % 4 != 1
    if len(letters) % 4 == 1:
        letters = letters[:-1]  # a lone sixth of a byte: nothing to decode
    try:
        return binascii.a2b_base64(letters + b"=" * (-len(letters) % 4)), intact
    except binascii.Error:
        return b"", False
