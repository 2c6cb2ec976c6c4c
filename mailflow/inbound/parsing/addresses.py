"""Addresses from a raw From, Sender, Reply-To, To or Cc value: the address decides, the name is shown.

The address is read from the header as it came, before any RFC 2047 decoding:
an encoded word can hold "@", "<", "," or a line break, and decoding first let
a display name such as =?utf-8?q?boss=40bigcustomer.example?= become the
sender. Encoded words are decoded afterwards, in display names only, and
control characters are taken out of the result.

The grammar is RFC 5322 with its obsolete forms (comments anywhere, routes,
blanks around dots, groups), made lenient where real clients are: an address
after a bare name ("Big Bug bb@bug.com"), unclosed quotes, comments and angle
brackets. Where there are angle brackets, the address is what they hold and
nothing else; an address that cannot be read is no address, never a guess
taken from the name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from mailflow.inbound.message import Address
from mailflow.inbound.parsing.charsets import decode_words

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\n]+)
      | "(?P<quoted>(?:[^"\\]|\\.|\\\Z)*)(?:"|\Z)
      | (?P<literal>\[[^\]]*(?:\]|\Z))
      | (?P<special>[<>,:;@.])
      | (?P<atom>[^ \t\r\n"()\[\]<>,:;@.]+)
      | (?P<comment>\()
      | (?P<stray>[)\]])
    """,
    re.VERBOSE | re.DOTALL,
)
_COMMENT_MARK = re.compile(r"[()\\]")
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WORDS = ("atom", "quoted")
# A local part we can reply to without quoting it: RFC 5322 atext and dots, or non-ASCII (RFC 6531).
# A quoted one with blanks or specials is so rare in honest mail that it counts as no address.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\u0080-\U0010ffff]+")
# Host names (internationalised ones too) or an address literal such as [192.0.2.1].
_DOMAIN = re.compile(r"[A-Za-z0-9_\-.\u0080-\U0010ffff]+|\[[^\[\]\\\s]*\]")
# Bidirectional overrides and isolates: shown to a reviewer, they reverse the text around them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# RFC 5321 allows 254 characters in an address; a longer one goes nowhere, so it is none.
_MAX_ADDRESS = 254
# Names longer than this are not names; the whole header is still kept for the reviewer.
_MAX_NAME = 256
# Longer values are parsed each time: remembering 4,096 of them must stay a few megabytes.
_REMEMBERED_CHARS = 1_000


class _Token(NamedTuple):
    kind: str  # atom, quoted, literal, comment, or the special character itself
    text: str  # quoted strings and comments without their delimiters and escapes
    spaced: bool  # blanks came before it: names keep them, addresses do not


def parse_addresses(value: str) -> tuple[Address, ...]:
    """Every address in a raw (undecoded, but 8-bit already turned into text) address-list value."""
    # The same buyer's From, and our own mailbox in To, come back in mail after mail.
    return _remembered(value) if len(value) <= _REMEMBERED_CHARS else _parse(value)


@lru_cache(maxsize=4096)
def _remembered(value: str) -> tuple[Address, ...]:
    return _parse(value)


def _parse(value: str) -> tuple[Address, ...]:
    found = (_mailbox(element) for element in _elements(_tokens(_FOLD.sub("", value))))
    return tuple(address for address in found if address is not None)


def first_address(value: str) -> Address | None:
    found = parse_addresses(value) if value else ()
    return found[0] if found else None


def clean_name(name: str) -> str:
    """A display name safe to show and to copy into a reply: no control characters, single blanks."""
    kept = "".join(" " if unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS else ch for ch in name)
    return " ".join(kept.split())[:_MAX_NAME]


def _tokens(value: str) -> Iterator[_Token]:
    position, spaced = 0, False
    while position < len(value):
        found = _TOKEN.match(value, position)
        assert found is not None  # the alternatives cover every character
        kind = found.lastgroup or ""
        position = found.end()
        if kind == "space":
            spaced = True
            continue
        if kind == "comment":
            text, position = _comment(value, position)
            yield _Token("comment", text, spaced)
        elif kind == "quoted":
            yield _Token("quoted", _ESCAPED.sub(r"\1", found.group("quoted")), spaced)
        elif kind == "special":
            yield _Token(found.group(), found.group(), spaced)
        elif kind != "stray":
            yield _Token(kind, found.group(), spaced)
        spaced = False


def _comment(value: str, position: int) -> tuple[str, int]:
    """A comment's text (nested comments kept as text) and where it ends; an unclosed one runs to the end."""
    start, depth = position, 1
    while (found := _COMMENT_MARK.search(value, position)) is not None:
        position = found.end()
        mark = found.group()
        if mark == "\\":
            position += 1
        elif mark == "(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return _ESCAPED.sub(r"\1", value[start : found.start()]), position
    return _ESCAPED.sub(r"\1", value[start:]), len(value)


def _elements(tokens: Iterator[_Token]) -> Iterator[list[_Token]]:
    """The tokens of each mailbox: split at commas (and group ends) outside angle brackets.

    A group's name ("Team: a@x, b@y;") is dropped; its members are mailboxes.
    Inside angle brackets a comma belongs to a route ("<@a,@b:c@d>"), unless
    the brackets were never closed and an address was already given.
    """
    current: list[_Token] = []
    in_angle = in_route = False
    for token in tokens:
        if in_angle:
            if token.kind == "," and not in_route:
                yield current
                current, in_angle = [], False
                continue
            if current[-1].kind == "<":
                in_route = token.kind == "@"  # "<@a,@b:c@d>" until its colon
            current.append(token)
            if token.kind == ":":
                in_route = False
            elif token.kind == ">":
                in_angle = False
            continue
        if token.kind in (",", ";"):
            yield current
            current = []
        elif token.kind == ":":
            current = []
        else:
            in_angle = token.kind == "<"
            current.append(token)
    yield current


def _mailbox(tokens: list[_Token]) -> Address | None:
    opens = [index for index, token in enumerate(tokens) if token.kind == "<"]
    if opens:
        # The last pair of angle brackets holds the address; the words before the first are the name.
        start = opens[-1] + 1
        end = next((i for i in range(start, len(tokens)) if tokens[i].kind == ">"), len(tokens))
        inside = tokens[start:end]
        routes = [index for index, token in enumerate(inside) if token.kind == ":"]
        email = _addr_spec(inside[routes[-1] + 1 :] if routes else inside)
        name = _phrase(tokens[: opens[0]]) or _comments(tokens[: opens[0]] + tokens[end:])
        return Address(email=email, name=name) if email else None
    at = max((index for index, token in enumerate(tokens) if token.kind == "@"), default=None)
    if at is None:
        return None
    first, last = _local_start(tokens, at), _domain_end(tokens, at)
    if first > 0 and tokens[first - 1].kind == "@":
        return None  # "a@b@c.example": no way to tell which part is the address
    email = _addr_spec(tokens[first:last])
    name = _phrase(tokens[:first]) or _comments(tokens) or _phrase(tokens[last:])
    return Address(email=email, name=name) if email else None


def _local_start(tokens: list[_Token], at: int) -> int:
    """Where the local part before tokens[at] begins: words joined by dots, never two words in a row.

    That is what leaves "Big Bug" out of "Big Bug bb@bug.com".
    """
    start, word_after = at, False
    for index in range(at - 1, -1, -1):
        kind = tokens[index].kind
        if kind == "comment":
            continue
        if kind in _WORDS:
            if word_after:
                break
            word_after = True
        elif kind == ".":
            word_after = False
        else:
            break
        start = index
    return start


def _domain_end(tokens: list[_Token], at: int) -> int:
    end, word_before = at + 1, False
    for index in range(at + 1, len(tokens)):
        kind = tokens[index].kind
        if kind == "comment":
            continue
        if kind in ("atom", "literal"):
            if word_before:
                break
            word_before = True
        elif kind == ".":
            word_before = False
        else:
            break
        end = index + 1
    return end


def _addr_spec(tokens: list[_Token]) -> str:
    """local@domain, lower-cased, or "" when the tokens are not exactly one readable address."""
    tokens = [token for token in tokens if token.kind != "comment"]
    ats = [index for index, token in enumerate(tokens) if token.kind == "@"]
    if len(ats) != 1:
        return ""
    local = _dotted(tokens[: ats[0]], _WORDS)
    domain = _dotted(tokens[ats[0] + 1 :], ("atom", "literal")).strip(".")
    if not _LOCAL.fullmatch(local) or not local.strip(".") or not _DOMAIN.fullmatch(domain):
        return ""
    address = f"{local}@{domain}".lower()
    # No blank of any kind (a no-break space looks like none), no control, format or unassigned character.
    if len(address) > _MAX_ADDRESS or any(unicodedata.category(ch)[0] in "CZ" for ch in address):
        return ""
    return address


def _dotted(tokens: list[_Token], words: tuple[str, ...]) -> str:
    """Words separated by dots as one string; "" when anything else is there or two words touch.

    Runs of dots and a dot at either end are kept in a local part: Japanese
    mobile carriers gave out addresses such as "taro..yamada.@docomo.ne.jp".
    """
    previous_word = False
    for token in tokens:
        is_word = token.kind in words
        if (not is_word and token.kind != ".") or (is_word and previous_word):
            return ""
        previous_word = is_word
    return "".join(token.text for token in tokens)


def _phrase(tokens: list[_Token]) -> str:
    """The display name: its words as written (comments left out), then encoded words decoded."""
    words: list[str] = []
    for token in tokens:
        if token.kind == "comment":
            continue
        words.append((" " if token.spaced and words else "") + token.text)
    return clean_name(decode_words("".join(words))[0])


def _comments(tokens: list[_Token]) -> str:
    """The name of "bb@bug.com (Big Bug)": what the comments say."""
    return clean_name(decode_words(" ".join(t.text for t in tokens if t.kind == "comment"))[0])
