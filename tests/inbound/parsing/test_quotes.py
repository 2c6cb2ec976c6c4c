"""strip_quotes(): the buyer's new words without history or signature."""

from __future__ import annotations

import pytest

from mailflow.inbound.parsing.quotes import strip_quotes

CASES = {
    "gmail": "New words.\n\nOn Mon, Nov 16, 2026 at 9:00 AM Sales <s@x.example> wrote:\n> old words\n",
    "gmail wrapped": "New words.\n\nOn Mon, Nov 16, 2026 at 9:00 AM Sales\n<s@x.example> wrote:\n> old words\n",
    "outlook": "New words.\n\n-----Original Message-----\nFrom: Sales\nSent: Monday\nSubject: old\n\nold words\n",
    "outlook header block": "New words.\n\n________________________________\nFrom: Sales <s@x.example>\nSent: Monday\nTo: Buyer\n\nold words",
    "outlook bare block": "New words.\n\nFrom: Sales <s@x.example>\nSent: Monday, 16 November 2026 09:00\nTo: Buyer\nSubject: old\n\nold words",
    "foxmail": "New words.\n\n发件人: 销售部 <s@x.example>\n发送时间: 2026年11月16日 9:00\n收件人: 买家\n主题: 旧\n\nold words",
    "qq mail": 'New words.\n\n------------------ 原始邮件 ------------------\n发件人: "Sales"<s@x.example>;\nold words',
    "german": "New words.\n\nAm 16.11.2026 um 09:00 schrieb Sales <s@x.example>:\n> old words",
    "signature dashes": "New words.\n-- \nMaria Lopez\nHarbor Imports",
    "iphone": "New words.\n\nSent from my iPhone",
    "chinese mobile": "New words.\n\n发自我的iPhone",
    "sign-off block": "New words.\n\nBest regards,\nMaria Lopez\nPurchasing Manager\nTel +34 600 000 000\nQuality you can trust",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_only_the_new_words_remain(text: str) -> None:
    assert strip_quotes(text) == "New words."


def test_an_inline_reply_keeps_the_answers_between_quotes() -> None:
    text = "Hi,\nOn Tue, 2026-11-17 at 10:00 +0800, Sales wrote:\n> Which items?\n\nThe blue mugs.\n"
    assert strip_quotes(text) == "Hi,\n\nThe blue mugs."


def test_text_without_quotes_is_unchanged() -> None:
    assert strip_quotes("Line one.\nLine two.") == "Line one.\nLine two."


def test_the_buyers_text_above_a_quoted_chinese_attribution_is_kept() -> None:
    text = "你好，这批杯子有很多开裂，请尽快处理。\n\n> 2026-11-10 宁波家居 写道：\n> 货物已发出。\n"
    assert strip_quotes(text) == "你好，这批杯子有很多开裂，请尽快处理。"


def test_a_wrapped_attribution_still_starts_the_history() -> None:
    text = "Photos attached.\n\nOn Mon, 16 Nov 2026 at 09:00, Ningbo Homeware Sales\n<sales@ningbo-homeware.example> wrote:\n> Shipped.\n"
    assert strip_quotes(text) == "Photos attached."
