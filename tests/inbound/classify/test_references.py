"""find_references(): PO, PI, contract, invoice, B/L and container numbers in a buyer's text."""

from __future__ import annotations

import pytest

from mailflow.inbound.classify.references import find_references, iso6346_check_digit
from mailflow.inbound.message import TradeReference

FOUND = {
    "po": ("Our PO: 4500012345 is attached", "po", "4500012345"),
    "p.o. no.": ("P.O. No. 12345-A", "po", "12345-A"),
    "chinese po": ("订单号：SO-2024-001", "po", "SO-2024-001"),
    "pedido": ("pedido 4500-77", "po", "4500-77"),
    "proforma": ("Proforma Invoice No. PI-2024-001", "pi", "PI-2024-001"),
    "pi#": ("PI#2024/77.", "pi", "2024/77"),
    "contract": ("Contract No.: CT-88-2024", "contract", "CT-88-2024"),
    "chinese contract": ("合同号：HT2024-88", "contract", "HT2024-88"),
    "russian contract": ("договор 15-2024", "contract", "15-2024"),
    "invoice": ("Invoice no. INV-2024-001.", "invoice", "INV-2024-001"),
    "rechnung": ("Rechnung Nr. RE-10023", "invoice", "RE-10023"),
    "russian invoice": ("счет 2024-15", "invoice", "2024-15"),
    "b/l": ("B/L No. COSU6123456789", "bl", "COSU6123456789"),
    "bill of lading": ("bill of lading: MAEU123456789", "bl", "MAEU123456789"),
    "chinese b/l": ("提单号：OOLU2024001", "bl", "OOLU2024001"),
}


@pytest.mark.parametrize(("text", "kind", "value"), FOUND.values(), ids=FOUND.keys())
def test_a_labelled_reference_is_found(text: str, kind: str, value: str) -> None:
    assert find_references(text) == (TradeReference(kind, value),)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("订单PO20261215的货物", "po", "PO20261215"),
        ("订单号4500123还没发货", "po", "4500123"),
        ("订单号：SO-2026-88", "po", "SO-2026-88"),
        ("合同HT-2026-088约定的颜色", "contract", "HT-2026-088"),
        ("合同号 HT-2026-088", "contract", "HT-2026-088"),
        ("发票号INV-2041已付", "invoice", "INV-2041"),
        ("提单号：COSU6123456789", "bl", "COSU6123456789"),
        ("形式发票号PI-2026-01", "pi", "PI-2026-01"),
        ("柜号CSQU3054383已到港", "container", "CSQU3054383"),
        ("关于PO20261215的问题", "po", "PO20261215"),
    ],
)
def test_a_chinese_label_may_be_followed_directly_by_the_code(text: str, kind: str, value: str) -> None:
    assert find_references(text) == (TradeReference(kind, value),)


def test_a_code_glued_to_its_abbreviation_is_kept_as_the_buyer_wrote_it() -> None:
    assert find_references("PO20261102 and PI2026-7") == (
        TradeReference("po", "PO20261102"),
        TradeReference("pi", "PI2026-7"),
    )


def test_references_of_several_kinds_are_found_in_order_of_kind() -> None:
    assert find_references("container CSQU3054383, invoice INV-77, PO 4500012345") == (
        TradeReference("po", "4500012345"),
        TradeReference("invoice", "INV-77"),
        TradeReference("container", "CSQU3054383"),
    )


def test_a_proforma_invoice_number_is_not_also_an_invoice_number() -> None:
    assert find_references("Proforma Invoice 1234") == (TradeReference("pi", "1234"),)


def test_a_reference_is_upper_cased_and_reported_once() -> None:
    assert find_references("PO po-abc-12, again: po PO-ABC-12") == (TradeReference("po", "PO-ABC-12"),)


@pytest.mark.parametrize("text", ["PO box 17, please", "please find the invoice attached"])
def test_a_word_after_the_label_is_not_a_reference(text: str) -> None:
    assert find_references(text) == ()


def test_a_container_number_with_its_check_digit_is_found() -> None:
    assert find_references("container CSQU3054383 arrived") == (TradeReference("container", "CSQU3054383"),)


def test_a_container_number_written_in_groups_is_found_without_spaces() -> None:
    assert find_references("CSQU 305438 3") == (TradeReference("container", "CSQU3054383"),)


def test_a_container_number_with_a_wrong_check_digit_is_ignored() -> None:
    assert find_references("container CSQU3054384 arrived") == ()


def test_a_lower_case_container_number_is_not_taken() -> None:
    assert find_references("csqu3054383") == ()


def test_the_iso6346_check_digit_of_a_known_container() -> None:
    assert [iso6346_check_digit(code) for code in ("CSQU305438", "MSKU907032")] == [3, 3]


def test_a_check_digit_of_ten_counts_as_zero() -> None:
    # CSQU305430 weighs 10 modulo 11; ISO 6346 writes that check digit as 0.
    assert iso6346_check_digit("CSQU305430") == 0
