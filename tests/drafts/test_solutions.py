"""An agreed solution's confirmation (drafts/solutions): its context and its amounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.drafts.solutions import SolutionCase, amount_text, solution_context
from mailflow.drafts.template_check import sample_context
from mailflow.inbound.case_states import solution_from
from tests.support.settings import load_settings, write_settings
from tests.support.template_contexts import context_names

REFUND = solution_from("refund", "1240.5", "usd", "2026-12-15")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "USD 1,240.50"),
        ("zh", "USD 1,240.50"),
        ("es", "USD 1.240,50"),
        ("", "USD 1,240.50"),
        ("xx", "USD 1,240.50"),
    ],
)
def test_an_amount_carries_its_iso_code_and_the_buyers_digits(language: str, expected: str) -> None:
    assert amount_text(REFUND, language) == expected


def test_a_confirmation_gives_its_template_exactly_what_templates_check_tries(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path, "sqlite://", 1, "u", "p", migrate=False))
    case = SolutionCase(
        case_id=17, case_subject="Cracked mugs", number=1, solution=REFUND, customer_id=1,
        customer_email="maria@harbor.example", customer_name="Maria", customer_company="Harbor", language="en",
        mailbox="sales", message_id="m@harbor.example", thread_refs=(), sender="maria@harbor.example",
        reply_to="", subject="Cracked mugs",
    )  # fmt: skip
    context = solution_context(case, settings.mailboxes[0], settings.replies.company_name, "en")
    assert context_names(context) == context_names(sample_context("refund", kind="solution"))
