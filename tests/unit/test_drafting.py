"""Reply headers and labels: pure helpers of drafting and the review state machine."""

from __future__ import annotations

import pytest

from mailflow.drafts.acknowledgements import reference_label
from mailflow.drafts.headers import UnsafeHeader, references_for, reply_subject, safe_header
from mailflow.drafts.states import ReviewError, transition


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


@pytest.mark.parametrize(
    ("kind", "value", "label"),
    [
        ("po", "4500123", "PO 4500123"),
        ("po", "PO20261102", "PO20261102"),
        ("bl", "COSU6123456780", "B/L COSU6123456780"),
    ],
)
def test_reference_labels_do_not_repeat_the_kind(kind: str, value: str, label: str) -> None:
    assert reference_label({"kind": kind, "value": value})["label"] == label


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("pending_review", "approved", "approved"),
        ("pending_review", "rejected", "rejected"),
        ("pending_review", "edited", "pending_review"),
        ("approved", "sending", "sending"),
        ("sending", "sent", "sent"),
        ("sending", "failed", "failed"),
        ("sending", "approved", "approved"),
        ("failed", "approved", "approved"),
    ],
)
def test_allowed_transitions(status: str, action: str, expected: str) -> None:
    assert transition(status, action) == expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("rejected", "approved"),
        ("approved", "approved"),
        ("sent", "rejected"),
        ("sent", "approved"),
        ("sending", "rejected"),
        ("approved", "edited"),
    ],
)
def test_forbidden_transitions_say_why(status: str, action: str) -> None:
    with pytest.raises(ReviewError, match="cannot be"):
        transition(status, action)
