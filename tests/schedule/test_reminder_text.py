"""How reminders and updates write an invoice's order (issue #18, 7): "PO 4500789", not "for 4500789"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mailflow.drafts.template_check import sample_context
from mailflow.drafts.templates import Templates
from mailflow.schedule.scheduled_drafts import invoice_context, order_label
from mailflow.store.models import Invoice


def _invoice(order_ref: str) -> Invoice:
    return Invoice(
        number="INV-2041", customer_id=1, amount=Decimal("12480"), currency="USD", issued=date(2026, 10, 2),
        due=date(2026, 11, 1), paid_amount=Decimal("0"), order_ref=order_ref,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("order_ref", "language", "label"),
    [
        ("4500789", "en", "PO 4500789"),
        ("4500789", "zh", "订单号 4500789"),
        ("4500789", "es", "pedido 4500789"),
        ("4500789", "de", "PO 4500789"),
        ("PO20261102", "zh", "PO20261102"),
        ("PO 4500789", "es", "PO 4500789"),
        ("HT-2026-088", "en", "HT-2026-088"),
        ("", "en", ""),
    ],
)
def test_a_bare_order_number_gets_its_kind_and_anything_else_stays_as_the_ledger_has_it(
    order_ref: str, language: str, label: str
) -> None:
    assert order_label(order_ref, language) == label


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "invoice INV-2041 for PO 4500789, due on 2026-11-01"),
        ("zh", "发票 INV-2041（订单号 4500789）的到期日为 2026-11-01"),
        ("es", "la factura INV-2041 (pedido 4500789), con vencimiento el 2026-11-01"),
    ],
)
def test_a_reminder_names_the_order_the_way_its_language_does(language: str, said: str) -> None:
    context = sample_context("overdue", kind="reminder")
    context["invoice"] = invoice_context(_invoice("4500789"), language, date(2026, 11, 22))
    text = Templates(None).render(f"reminder.overdue.{language}", context).text
    assert said in text
    assert "pedido pedido" not in text
