"""Fuzz parse() for a set time: mutated corpus messages and hostile headers in, never an exception out.

    .venv/bin/python tools/fuzz_parse.py [--seconds 60] [--corpora DIR]      (or: make fuzz FUZZ_SECONDS=600)

The seeds are the messages of the shared public corpora (../shared/corpora beside
the checkout, or $MAILFLOW_CORPORA), read where they are. Hypothesis draws a seed
and a few mutations (bytes flipped, cut, repeated or spliced in from another
message, hostile tokens inserted), or builds a message from hostile header
pieces, and shrinks any input that makes parse() raise or break one of its
promises (check() below). The smallest input of each distinct failure is written
to tests/data/fuzz_crashes/, which tests/inbound/parsing/test_fuzz_replay.py
replays on every test run. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import sys
import tempfile
import time
import traceback
import unicodedata
import warnings
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import HypothesisWarning

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailflow.config.parse_limits import ParseLimits  # noqa: E402
from mailflow.inbound.message import InboundMail  # noqa: E402
from mailflow.inbound.parsing.parse import parse  # noqa: E402

CRASHES = REPO / "tests" / "data" / "fuzz_crashes"
CORPORA = Path(os.environ.get("MAILFLOW_CORPORA") or REPO.parent / "shared" / "corpora")
# Small limits, so the fuzzer reaches them with inputs it can afford to build.
LIMITS = ParseLimits(max_parts=40, max_headers=60)
MAX_INPUT = 4 * 1024 * 1024
# One message taking longer than this is a way to stall the daemon: a failure like an exception.
# Generous, because the machine may be busy: it is there to catch work that grows faster than the input.
MAX_SECONDS = 30.0
EXAMPLES_PER_ROUND = 100

# Pieces that mean something to a mail parser: structure, encodings, address syntax.
TOKENS = [
    b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"\r\n ", b"\x00", b"\xff", b"\xe9", "é李".encode(), b"\x1b$B",
    b"=?", b"?=", b"=?utf-8?q?", b"=?utf-8?b?", b"=?NONE?B?VEVTVA%?=", b"=?utf\x00-8?q?x?=", b"=?gb2312?B?",
    b"=0D=0A", b"=40", b"=2C", b"_", b"%", b"=", b"=\r\n", b"<", b">", b"@", b",", b";", b":", b".", b'"',
    b"\\", b"(", b")", b"[", b"]", b" ", b"\t", b"--", b"--B\r\n", b"--B--\r\n", b"boundary=B",
    b"Content-Type: multipart/mixed; boundary=B\r\n", b"Content-Type: message/rfc822\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n",
    b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; <x@y>\r\nAction: failed\r\n",
    b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Transfer-Encoding: x-uuencode\r\n", b"begin 644 a\r\n", b"; charset=", b"; charset=idna",
    b"charset*=utf\x00-8''%E9", b"; name*=utf-8''%E9%00", b"; filename*0*=utf-8''a; filename*1=b",
    b"Content-Disposition: attachment; filename=", b"Content-ID: <", b"From: ", b"To: ", b"Cc: ",
    b"Reply-To: ", b"Sender: ", b"Subject: ", b"Date: ", b"Message-ID: ", b"References: ",
    b"<@a.example,@b.example:c@d.example>", b"Name <a@b.example>", b"a@b.example (Name)", b"Group: a@b;",
]  # fmt: skip
HEADER_NAMES = [b"From", b"Sender", b"Reply-To", b"To", b"Cc", b"Subject", b"Date", b"Message-ID",
                b"In-Reply-To", b"References", b"Content-Type", b"Content-Disposition", b"Return-Path",
                b"Content-Transfer-Encoding", b"Auto-Submitted", b"X-Junk"]  # fmt: skip
WORDS = [b"a", b"b.example", b"Name", b"Li", b"boss", b"big.example", b"x", b"\xe9t\xe9", "李华".encode()]


def seeds(corpora: Path) -> list[bytes]:
    files = sorted(
        p
        for p in corpora.rglob("*")
        if p.is_file() and not p.name.upper().startswith(("LICENSE", "MIT-LICENSE", "README"))
    )
    # Smallest first: Hypothesis shrinks a choice towards the start of the list.
    return sorted((path.read_bytes() for path in files), key=len)


def check(mail: InboundMail, limits: ParseLimits) -> None:
    """What parse() promises the stages after it, besides not raising."""
    for address in (mail.sender, mail.reply_to, *mail.to, *mail.cc):
        if address is None:
            continue
        assert address.email.count("@") >= 1 and len(address.email) <= 254, address
        assert not any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in address.email), address
        assert not any(unicodedata.category(ch) == "Cc" for ch in address.name), address
    for _, value in mail.headers:
        assert not set("\r\n\x00") & set(value), value[:80]
    assert not set("\r\n\x00") & set(mail.subject)
    assert len(mail.attachments) <= limits.max_parts
    assert len(mail.headers) <= limits.max_headers
    for attachment in mail.attachments:
        assert attachment.filename and "/" not in attachment.filename and "\x00" not in attachment.filename


@st.composite
def hostile_message(draw: st.DrawFn) -> bytes:
    piece = st.one_of(st.sampled_from(TOKENS), st.sampled_from(WORDS), st.binary(max_size=6))
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(HEADER_NAMES))
        lines.append(name + b": " + b"".join(draw(st.lists(piece, max_size=12))))
    return b"\r\n".join(lines) + b"\r\n\r\n" + b"".join(draw(st.lists(piece, max_size=20)))


@st.composite
def mutated_message(draw: st.DrawFn, pool: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(1, 6))):
        # Headers are where most of the parsing is, so half of the mutations land in the first 4 KiB.
        end = min(len(data), 4096) if draw(st.booleans()) else len(data)
        at = draw(st.integers(0, end))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "splice", "cut"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=16)))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "repeat":
            chunk = bytes(data[at : at + draw(st.integers(1, 200))])
            data[at:at] = chunk * draw(st.integers(1, 3000))
        elif kind == "splice":
            other = draw(st.sampled_from(pool))
            start = draw(st.integers(0, len(other)))
            data[at:at] = other[start : start + draw(st.integers(1, 2000))]
        elif kind == "cut":
            del data[at:]
        del data[MAX_INPUT:]
    return bytes(data)


def run(data: bytes) -> None:
    """parse() on one input: raises when it raises, is too slow or breaks a promise."""
    started = time.monotonic()
    mail = parse(data, LIMITS)
    assert time.monotonic() - started < MAX_SECONDS, f"slow: {time.monotonic() - started:.1f} s"
    check(mail, LIMITS)


def minimise(data: bytes, key: str, seconds: float) -> bytes:
    """Cut chunks out of a failing input for as long as it fails the same way (bounded in time).

    Hypothesis shrinks the choices that built an input, which leaves most of a
    big corpus message in it; a crash file should be small enough to read.
    """
    deadline = time.monotonic() + seconds
    chunk = len(data) // 2
    while chunk and time.monotonic() < deadline:
        start = 0
        while start < len(data) and time.monotonic() < deadline:
            candidate = data[:start] + data[start + chunk :]
            if _fails_as(candidate, key):
                data = candidate
            else:
                start += chunk
        chunk //= 2
    return data


def _fails_as(data: bytes, key: str) -> bool:
    try:
        run(data)
    except Exception as exc:  # noqa: BLE001 - any failure is compared by its signature
        return _signature(exc) == key
    return False


def _signature(exc: BaseException) -> str:
    """A failure's identity: its type and the innermost frame of ours (or of the email package)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [frame for frame in frames if "mailflow" in frame.filename or "/email/" in frame.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    return f"{type(exc).__name__} at {where.filename}:{where.lineno}" if where else type(exc).__name__


def fuzz(pool: list[bytes], seconds: float) -> dict[str, bytes]:
    """Rounds of Hypothesis until the time is up; the smallest failing input per distinct failure."""
    smallest: dict[str, bytes] = {}
    deadline = time.monotonic() + seconds
    rounds = 0

    @settings(
        max_examples=EXAMPLES_PER_ROUND, deadline=None, database=None, derandomize=False,
        suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
    )  # fmt: skip
    @given(st.one_of(mutated_message(pool), mutated_message(pool), hostile_message()))
    def one(data: bytes) -> None:
        try:
            run(data)
        except Exception as exc:
            key = _signature(exc)
            if key not in smallest or len(data) < len(smallest[key]):
                smallest[key] = data
            raise

    while time.monotonic() < deadline:
        rounds += 1
        # A failure is in `smallest` by now; the next round goes on looking for others.
        with contextlib.suppress(Exception):
            one()
    print(f"{rounds} rounds of {EXAMPLES_PER_ROUND} examples in {seconds:.0f} s")
    return smallest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    args = parser.parse_args()
    if not args.corpora.is_dir():
        print(f"no corpora at {args.corpora} (set MAILFLOW_CORPORA or --corpora)", file=sys.stderr)
        return 2
    random.seed()
    # Hypothesis keeps a cache of its own; it belongs to this machine, not in the checkout.
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "mailflow-hypothesis")
    # Hypothesis warns that printing a multi-megabyte failing input is expensive; we write it to a file.
    warnings.filterwarnings("ignore", category=HypothesisWarning)
    found = fuzz(seeds(args.corpora), args.seconds)
    CRASHES.mkdir(parents=True, exist_ok=True)
    for key, failing in sorted(found.items()):
        data = minimise(failing, key, seconds=60)
        path = CRASHES / f"fuzz-{hashlib.sha256(data).hexdigest()[:16]}.eml"
        path.write_bytes(data)
        print(f"{key}: {len(data)} bytes -> {path.relative_to(REPO)}")
    print(f"{len(found)} distinct failures" if found else "no failures")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
