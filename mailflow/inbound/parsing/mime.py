"""A fast MIME splitter: headers parsed by the email package, bodies sliced from the bytes.

The email package reads a message line by line; a phone photo is a thousand
base64 lines, so parsing a buyer's message costs more than fetching it. Here
only header blocks go through the email package; part bodies are found by
their boundaries and decoded in one binascii call. Anything the splitter does
not understand is handed to the email package whole.
"""

from __future__ import annotations

import binascii
import email
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser

_HEADER_END = re.compile(rb"\r?\n\r?\n")
# headersonly: the email package must not go looking for parts in a body we slice ourselves.
_HEADERS = BytesHeaderParser()
_MAX_DEPTH = 20
_MAX_PARTS = 500


@dataclass
class Part:
    headers: Message  # compat32 headers of this part (its payload is not used)
    body: bytes  # still transfer-encoded
    children: list[Part] = field(default_factory=list)

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


def split(raw: bytes) -> tuple[Message, Part]:
    """The top-level headers and the part tree of a raw message."""
    top = _part(raw, depth=0, budget=[_MAX_PARTS])
    return top.headers, top


def _part(raw: bytes, depth: int, budget: list[int]) -> Part:
    found = _HEADER_END.search(raw)
    if found is None:
        # No blank line: the email package decides where headers end and text begins.
        message = email.message_from_bytes(raw)
        payload = message.get_payload()
        body = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
        return Part(message, body)
    headers = _HEADERS.parsebytes(raw[: found.end()])
    part = Part(headers, raw[found.end() :])
    budget[0] -= 1
    if headers.get_content_maintype() != "multipart" or depth >= _MAX_DEPTH or budget[0] <= 0:
        return part
    boundary = headers.get_boundary()
    if not boundary:
        return part
    delimiter = boundary.encode("utf-8", "surrogateescape")
    part.children = [_part(chunk, depth + 1, budget) for chunk in _chunks(part.body, delimiter)]
    return part


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
