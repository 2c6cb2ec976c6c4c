"""Reply and forward prefixes in front of a subject, in the languages our buyers write in."""

from __future__ import annotations

import pytest

from mailflow.inbound.parsing.subjects import continues_a_thread, is_reply

REPLIES = [
    "Re: order",
    "RE : order",
    "AW: Bestellung",
    "RV: pedido",
    "Antw: order",
    "SV: order",
    "Odp: order",
]
CHINESE_REPLIES = ["回复：订单", "回覆: 訂單", "答复:订单"]
FORWARDS = ["FW: order", "Fwd: order", "WG: Bestellung", "TR: commande", "转发：订单", "轉寄: 訂單"]


@pytest.mark.parametrize("subject", REPLIES)
def test_a_reply_prefix_in_a_western_language_is_a_reply(subject: str) -> None:
    assert is_reply(subject) is True


@pytest.mark.parametrize("subject", CHINESE_REPLIES)
def test_a_chinese_reply_prefix_with_either_colon_is_a_reply(subject: str) -> None:
    assert is_reply(subject) is True


@pytest.mark.parametrize("subject", FORWARDS)
def test_a_forward_is_not_a_reply(subject: str) -> None:
    assert is_reply(subject) is False


@pytest.mark.parametrize("subject", FORWARDS + REPLIES + CHINESE_REPLIES)
def test_replies_and_forwards_continue_a_thread(subject: str) -> None:
    assert continues_a_thread(subject) is True


def test_a_counted_forward_continues_a_thread() -> None:
    assert continues_a_thread("Fwd[2]: spec sheet") is True


def test_a_counted_reply_is_a_reply() -> None:
    assert is_reply("Re [3]: spec sheet") is True


def test_leading_spaces_before_the_prefix_are_allowed() -> None:
    assert is_reply("   re: order") is True


def test_a_word_that_starts_like_a_prefix_is_not_one() -> None:
    assert (is_reply("Regarding: order"), continues_a_thread("Trade: order")) == (False, False)


def test_a_prefix_further_into_the_subject_does_not_count() -> None:
    assert continues_a_thread("Order Re: 4500012345") is False


def test_a_prefix_needs_its_colon() -> None:
    assert continues_a_thread("Fwd order 4500012345") is False


def test_a_forwarded_reply_is_not_itself_a_reply() -> None:
    assert (is_reply("Fwd: Re: order"), continues_a_thread("Fwd: Re: order")) == (False, True)
