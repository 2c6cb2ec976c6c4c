"""A fast MIME splitter: headers parsed by the email package, bodies sliced from the bytes.

The email package reads a message line by line; a phone photo is a thousand
base64 lines, so parsing a buyer's message costs more than fetching it. Here
only header blocks go through the email package; part bodies are found by
their boundaries and decoded in one binascii call. Transfer encodings it does
not understand (broken base64, uuencode) are left to the email package's
forgiving decoder.

What one message can cost is bounded (ParseLimits): at most max_parts parts,
nested and side by side together, and max_headers fields in each header block.
What lies beyond a limit is counted in a defect, never read: one message of
100,000 tiny parts must not become 100,000 attachments.
"""

from __future__ import annotations

import binascii
import itertools
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser

from mailflow.config.parse_limits import DEFAULT_LIMITS, ParseLimits

# A header block ends at the first blank line. Lines in it that the email package does not take
# for fields are dropped: they are mostly broken folding, and the body is after the blank line.
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# Without a blank line the header block ends at the first line that is neither a field nor a
# continuation, as in the email package (email.feedparser's headerRE).
_HEADER_LINES = re.compile(rb"(?:(?:From |[\x21-\x39\x3b-\x7e]*:|[ \t])[^\r\n]*(?:\r\n|\r|\n|\Z))*")
# A part that starts with a line break has no headers at all.
_LINE_BREAK = re.compile(rb"\r?\n")
# Where a header field begins: at the start of a line (CRLF, LF or a lone CR), not with a blank.
_FIELD_START = re.compile(rb"(?:\A|\n|\r(?!\n))(?=[^ \t\r\n])")
# headersonly: the email package must not go looking for parts in a body we slice ourselves;
# parsing them itself, it recursed once per nesting level and 5,000 levels raised RecursionError.
_HEADERS = BytesHeaderParser()
_MAX_DEPTH = 20


@dataclass
class Part:
    headers: Message  # compat32 headers of this part (its payload is not used)
    body: bytes  # still transfer-encoded
    children: list[Part] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)  # what the splitter dropped or could not read here

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    def decoded(self) -> bytes:
        """The body with its Content-Transfer-Encoding undone; never raises."""
        encoding = str(self.headers.get("content-transfer-encoding", "")).strip().lower()
        try:
            if encoding == "base64":
                return binascii.a2b_base64(self.body)
            if encoding == "quoted-printable":
                return binascii.a2b_qp(self.body)
        except (binascii.Error, ValueError):
            return _email_decode(self.headers, self.body)
        if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
            return _email_decode(self.headers, self.body)
        return self.body


def _email_decode(headers: Message, body: bytes) -> bytes:
    """Leave the odd cases (broken base64, uuencode) to the email package's forgiving decoder."""
    message = Message()
    for name, value in headers.items():
        message[name] = value
    message.set_payload(body.decode("ascii", "surrogateescape"))
    try:
        payload = message.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        return body
    return payload if isinstance(payload, bytes) else body


def split(raw: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> tuple[Message, Part]:
    """The top-level headers and the part tree of a raw message; see defects() for what was cut."""
    top = _Splitter(limits).part(raw, depth=0)
    return top.headers, top


def defects(top: Part) -> list[str]:
    """The splitter's defects of every part in the tree, outermost first."""
    found: list[str] = []
    waiting = [top]
    while waiting:  # a loop, not recursion: the tree is shallow, but this needs no proof of it
        part = waiting.pop()
        found += part.defects
        waiting += reversed(part.children)
    return found


class _Splitter:
    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self.parts_left = limits.max_parts

    def part(self, raw: bytes, depth: int) -> Part:
        self.parts_left -= 1
        part = self._headers_and_body(raw)
        if part.headers.get_content_maintype() != "multipart":
            return part
        boundary = _boundary(part)
        if boundary is None:
            return part
        if depth >= _MAX_DEPTH:
            part.defects.append(f"multipart nested deeper than {_MAX_DEPTH} levels not read")
            return part
        chunks = _chunks(part.body, boundary)
        for index, chunk in enumerate(chunks):
            if self.parts_left <= 0:
                part.defects.append(
                    f"{len(chunks) - index} MIME parts over the limit of {self.limits.max_parts} not read"
                )
                break
            part.children.append(self.part(chunk, depth + 1))
        return part

    def _headers_and_body(self, raw: bytes) -> Part:
        found = _LINE_BREAK.match(raw) or _HEADER_END.search(raw)
        end = found.end() if found else _header_lines_end(raw)
        block, dropped = _limit_fields(raw[:end], self.limits.max_headers)
        headers = _HEADERS.parsebytes(block)
        body = raw[end:]
        if found is None:
            # No blank line: what the email package did not take for headers is the start of the body.
            payload = headers.get_payload()
            if isinstance(payload, str):
                body = payload.encode("utf-8", "surrogateescape") + body
        part = Part(headers, body)
        if dropped:
            part.defects.append(
                f"{dropped} header fields over the limit of {self.limits.max_headers} dropped"
            )
        return part


def _header_lines_end(raw: bytes) -> int:
    found = _HEADER_LINES.match(raw)
    return found.end() if found else 0


def _limit_fields(block: bytes, max_fields: int) -> tuple[bytes, int]:
    """The header block cut before its field number max_fields + 1, and how many fields were cut."""
    starts = _FIELD_START.finditer(block)
    over = next(itertools.islice(starts, max_fields, None), None)
    if over is None:
        return block, 0
    return block[: over.end()], 1 + sum(1 for _ in starts)


def _boundary(part: Part) -> bytes | None:
    try:
        boundary = part.headers.get_boundary()
        return boundary.encode("utf-8", "surrogateescape") if boundary else None
    except (ValueError, LookupError, UnicodeError) as exc:  # an RFC 2231 boundary in a bogus charset
        part.defects.append(f"unreadable multipart boundary ({type(exc).__name__})")
        return None


def _chunks(body: bytes, boundary: bytes) -> list[bytes]:
    """The bodies between boundary lines; a never-closed last part runs to the end.

    bytes.find on the literal delimiter is what makes this fast; a match counts
    only at the start of a line.
    """
    marker = b"--" + boundary
    chunks: list[bytes] = []
    start: int | None = None
    position = body.find(marker)
    while position != -1:
        at_line_start = position == 0 or body[position - 1 : position] == b"\n"
        after = position + len(marker)
        closing = body[after : after + 2] == b"--"
        line_end = body.find(b"\n", after)
        rest_of_line = body[after + (2 if closing else 0) : line_end if line_end != -1 else len(body)]
        if at_line_start and not rest_of_line.strip(b" \t\r"):
            if start is not None:
                end = position - 1
                if end > start and body[end - 1 : end] == b"\r":
                    end -= 1
                chunks.append(body[start : max(start, end)])
            if closing:
                return chunks
            start = line_end + 1 if line_end != -1 else len(body)
        position = body.find(marker, after)
    if start is not None and start < len(body):
        chunks.append(body[start:])
    return chunks
