"""What one processed message becomes as rows: its customer, its case, its contact. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from mailflow.config.rules import default_ruleset
from mailflow.inbound.batch_rows import (
    CaseRow,
    CustomerRow,
    OpenCase,
    case_for,
    contact_row,
    customer_for,
    remember_open_case,
    subject_case,
    thread_case,
)
from mailflow.inbound.pipeline import Processed, process
from tests.support.mail import buyer_mail

RULES = replace(default_ruleset(), model="off")  # the plumbing, not the model
OWN = frozenset({"sales@ningbo-homeware.example"})
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _processed(**mail: str) -> Processed:
    result = process(1, buyer_mail(**mail), RULES, OWN)
    assert isinstance(result, Processed)
    return result


def _customer() -> CustomerRow:
    return CustomerRow(
        "maria@harbor-imports.example", "Maria Lopez", "harbor-imports.example", "harbor-imports.example"
    )


def test_a_new_buyer_gets_a_customer_row_named_after_their_company_domain() -> None:
    customers: dict[str, CustomerRow] = {}
    customer = customer_for(_processed(), customers)
    assert customer is not None
    assert (customer.email, customer.name, customer.company, customer.id) == (
        "maria@harbor-imports.example", "Maria Lopez", "harbor-imports.example", None,
    )  # fmt: skip
    assert customers == {"maria@harbor-imports.example": customer}


def test_a_free_mail_buyer_has_no_company() -> None:
    customer = customer_for(_processed(sender="Bob <bob123@gmail.com>"), {})
    assert customer is not None
    assert (customer.company, customer.domain) == ("", "gmail.com")


def test_a_known_buyer_without_a_name_takes_the_name_from_the_message() -> None:
    known = CustomerRow(
        "maria@harbor-imports.example", "", "harbor-imports.example", "harbor-imports.example", id=4
    )
    customer = customer_for(_processed(), {known.email: known})
    assert customer is known
    assert (known.name, known.renamed) == ("Maria Lopez", True)


def test_a_complaint_outside_any_thread_opens_a_case() -> None:
    item = _processed(subject="Cracked mugs", body="Half of the mugs arrived cracked and broken.")
    customer = _customer()
    case = case_for(item, customer, None)
    assert case is not None
    assert (case.customer, case.subject, case.id) == (customer, "Cracked mugs", None)
    assert case.categories == ["quality"]


def test_a_complaint_in_a_thread_joins_its_case_and_adds_its_category() -> None:
    customer = _customer()
    existing = CaseRow(customer, "Late shipment", ["shipping"], "low", id=9)
    item = _processed(body="Half of the mugs arrived cracked and broken.")
    case = case_for(item, customer, existing)
    assert case is existing
    assert (existing.categories, existing.changed) == (["quality", "shipping"], True)


def test_a_message_that_is_no_complaint_stays_with_its_threads_case_unchanged() -> None:
    customer = _customer()
    existing = CaseRow(customer, "Cracked mugs", ["quality"], "medium", id=9)
    case = case_for(
        _processed(subject="Thanks", body="Thank you, we received the catalogue."), customer, existing
    )
    assert case is existing
    assert existing.changed is False
    assert case_for(_processed(subject="Thanks", body="Thank you for the catalogue."), customer, None) is None


def test_the_thread_case_is_the_one_of_the_latest_message_referenced() -> None:
    customer = _customer()
    older, newer = (
        CaseRow(customer, "a", ["quality"], "low", id=1),
        CaseRow(customer, "b", ["shipping"], "low", id=2),
    )
    raw = buyer_mail().replace(b"Message-ID:", b"References: <a@x> <b@x>\nMessage-ID:", 1)
    item = process(1, raw, RULES, OWN)
    assert isinstance(item, Processed)
    assert thread_case(item, {"a@x": older, "b@x": newer}) is newer
    assert thread_case(item, {}) is None


def test_only_messages_a_reviewer_reads_keep_their_whole_text() -> None:
    complaint = contact_row(
        _processed(body="Half of the mugs arrived cracked and broken."), ("sales", "INBOX", 7), NOW
    )
    chatter = contact_row(
        _processed(subject="Thanks", body="Thank you for the catalogue."), ("sales", "INBOX", 7), NOW
    )
    assert complaint["full_text"]
    assert chatter["full_text"] == ""
    assert (complaint["mailbox"], complaint["folder"], complaint["uidvalidity"], complaint["uid"]) == (
        "sales", "INBOX", 7, 1,
    )  # fmt: skip
    assert chatter["at"] == NOW  # no Date header: the time it was recorded
    assert chatter["created_at"] == NOW


def _case_with(subject: str, po: str) -> tuple[CaseRow, dict[str, list[OpenCase]]]:
    """An open case of harbor-imports.example that a complaint about `po` opened."""
    case = CaseRow(_customer(), subject, ["shipping"], "medium", id=7)
    open_cases: dict[str, list[OpenCase]] = {}
    remember_open_case(
        open_cases, _processed(subject=subject, body=f"Our order PO {po}: 30 cartons crushed."), case
    )
    return case, open_cases


def test_mail_without_threading_headers_joins_the_open_case_by_company_subject_and_reference() -> None:
    case, open_cases = _case_with("Crushed cartons on arrival", "4500123")
    # A colleague's "Re:" from a phone that drops In-Reply-To, naming the same PO another way.
    photos = _processed(
        subject="RE: Crushed cartons on arrival",
        body="Pictures of the pallets attached, order PO-4500123.",
        sender="Li Wei <li.wei@harbor-imports.example>",
    )
    assert photos.mail.in_reply_to == "" and not photos.mail.references
    assert subject_case(photos, open_cases) is case


def test_a_subject_alone_or_a_reference_alone_or_another_company_joins_nothing() -> None:
    _case, open_cases = _case_with("Crushed cartons on arrival", "4500123")
    other_po = _processed(subject="Re: Crushed cartons on arrival", body="Now PO 4500999 is crushed too.")
    other_subject = _processed(subject="Invoice for PO 4500123", body="Please send the invoice, PO 4500123.")
    other_company = _processed(
        subject="Re: Crushed cartons on arrival",
        body="Same for our PO 4500123.",
        sender="Ana <ana@other-buyer.example>",
    )
    no_reference = _processed(subject="Re: Crushed cartons on arrival", body="Photos attached.")
    for item in (other_po, other_subject, other_company, no_reference):
        assert subject_case(item, open_cases) is None, item.mail.subject


def test_on_free_mail_only_the_same_address_continues_a_case() -> None:
    free = CustomerRow("buyer.one@gmail.com", "", "", "gmail.com")
    case = CaseRow(free, "Broken plates", ["quality"], "medium", id=8)
    open_cases: dict[str, list[OpenCase]] = {}
    first = _processed(
        subject="Broken plates", body="PO 4500777: plates broken.", sender="buyer.one@gmail.com"
    )
    remember_open_case(open_cases, first, case)
    same = _processed(subject="Re: Broken plates", body="PO 4500777 photos.", sender="buyer.one@gmail.com")
    stranger = _processed(subject="Re: Broken plates", body="PO 4500777 photos.", sender="someone@gmail.com")
    assert subject_case(same, open_cases) is case
    assert subject_case(stranger, open_cases) is None
