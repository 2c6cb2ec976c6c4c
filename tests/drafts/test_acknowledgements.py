"""Acknowledgement context: how trade references are written for the buyer, which kind of complaint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailflow.drafts.acknowledgements import AckCandidate, complaint_kind, reference_label


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
    ("kind", "value", "language", "label"),
    [
        ("contract", "HT-2026-088", "en", "contract HT-2026-088"),
        ("contract", "HT-2026-088", "zh", "合同号 HT-2026-088"),
        ("contract", "HT-2026-088", "es", "contrato HT-2026-088"),
        ("po", "PO20261215", "zh", "订单号 PO20261215"),
        ("po", "4500123", "es", "pedido 4500123"),
        ("invoice", "INV-2041", "zh", "发票号 INV-2041"),
        ("bl", "COSU6123456780", "es", "B/L COSU6123456780"),
        ("container", "CSQU3054383", "zh", "柜号 CSQU3054383"),
        ("po", "4500123", "de", "PO 4500123"),
    ],
)
def test_reference_labels_are_written_in_the_drafts_language(
    kind: str, value: str, language: str, label: str
) -> None:
    assert reference_label({"kind": kind, "value": value}, language)["label"] == label


def _candidate(tags: list[str], case_categories: list[str]) -> AckCandidate:
    at = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    return AckCandidate(
        case_id=1, case_subject="s", case_severity="medium", case_categories=case_categories, contact_id=1,
        mailbox="sales", message_id="m@x", thread_refs=[], sender="b@x", reply_to="", subject="s", body="b",
        at=at, tags=tags, reasons=[], language="en", references=[], photos=False, customer_id=1,
        customer_email="b@x", customer_name="", customer_company="",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("tags", "case_categories", "kind"),
    [
        (["complaint:shipping", "detail:delay"], ["shipping"], ("shipping", "delay")),
        (["complaint:shipping"], ["shipping"], ("shipping", "")),
        # A shipping detail does not make a quality acknowledgement a delay.
        (
            ["complaint:quality", "complaint:shipping", "detail:delay"],
            ["quality", "shipping"],
            ("quality", ""),
        ),
        # A reviewer's correction stores the tag itself as the case's category.
        (["complaint:shipping", "detail:short"], ["complaint:shipping"], ("shipping", "short")),
        (["photos"], ["quality"], ("quality", "")),
    ],
)
def test_the_acknowledgement_answers_the_cases_category_with_the_kind_the_buyer_stated(
    tags: list[str], case_categories: list[str], kind: tuple[str, str]
) -> None:
    assert complaint_kind(_candidate(tags, case_categories)) == kind
