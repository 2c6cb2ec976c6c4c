"""Messages built to cost a parser too much: the probe inputs of issue #17, at any size."""

from __future__ import annotations


def sibling_parts(count: int) -> bytes:
    part = b"--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=p.bin\r\n\r\nxx\r\n"
    return (
        b"From: buyer@acme.example\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        + part * count
        + b"--B--\r\n"
    )


def nested_multiparts_without_blank_lines(depth: int) -> bytes:
    levels = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n--b%d\r\n" % (n, n) for n in range(depth)
    )
    return (
        b"From: buyer@acme.example\r\nSubject: nested\r\n" + levels + b"Content-Type: text/plain\r\nhello\r\n"
    )


def many_headers(count: int) -> bytes:
    junk = b"".join(b"X-Junk-%d: v\r\n" % n for n in range(count))
    return b"From: buyer@acme.example\r\nSubject: headers\r\n" + junk + b"\r\nThe mugs are broken.\r\n"
