"""Acknowledgement context: how trade references are written for the buyer."""

from __future__ import annotations

import pytest

from mailflow.drafts.acknowledgements import reference_label


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
