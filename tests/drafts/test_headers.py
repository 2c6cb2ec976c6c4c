"""Reply headers: the subject's prefix, the thread's References, the fence against CR/LF."""

from __future__ import annotations

import pytest

from mailflow.drafts.headers import UnsafeHeader, references_for, reply_subject, safe_header


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Cracked mugs", "Re: Cracked mugs"),
        ("Re: Cracked mugs", "Re: Cracked mugs"),
        ("RE: Cracked mugs", "RE: Cracked mugs"),
        ("Re[2]: Cracked mugs", "Re[2]: Cracked mugs"),
        ("AW: Rechnung", "AW: Rechnung"),
        ("RV: Pedido 7781", "RV: Pedido 7781"),
        ("回复：货物破损", "回复：货物破损"),
        ("Fwd: claim", "Re: Fwd: claim"),
        ("", "Re:"),
    ],
)
def test_re_is_added_once_and_other_reply_prefixes_are_kept(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_a_line_break_in_a_header_value_is_refused() -> None:
    with pytest.raises(UnsafeHeader):
        safe_header("Hello\r\nBcc: victim@evil.example")


def test_references_continue_the_thread_without_repeats() -> None:
    assert references_for("c@x", ["a@x", "b@x", "a@x"]) == ["a@x", "b@x", "c@x"]
    assert len(references_for("z@x", [f"{i}@x" for i in range(50)])) == 20
