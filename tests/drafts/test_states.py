"""The draft state machine: which decisions a draft in each state allows."""

from __future__ import annotations

import pytest

from mailflow.drafts.states import ReviewError, transition


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
