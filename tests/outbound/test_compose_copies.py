"""A draft that copies people (an escalated reminder's manager): the Cc header and the envelope. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from mailflow.drafts.headers import UnsafeHeader
from mailflow.outbound.compose import outgoing_message
from tests.support.drafts import claimed_draft

NOW = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
MANAGER = "Wang Wei <manager@ningbo-homeware.example>"


def test_copies_are_a_cc_header_and_envelope_recipients_of_their_own() -> None:
    draft = claimed_draft(
        from_addr=MANAGER, to=["maria@harbor-imports.example"], cc=("manager@ningbo-homeware.example",)
    )
    outgoing = outgoing_message(draft, NOW)
    message = message_from_bytes(outgoing.raw, policy=policy.default)
    assert [a.addr_spec for a in message["Cc"].addresses] == ["manager@ningbo-homeware.example"]
    assert [a.addr_spec for a in message["To"].addresses] == ["maria@harbor-imports.example"]
    assert outgoing.sender == "manager@ningbo-homeware.example"
    assert (outgoing.recipients, outgoing.copies) == (
        ("maria@harbor-imports.example",),
        ("manager@ningbo-homeware.example",),
    )


def test_a_long_copy_list_is_folded_between_addresses() -> None:
    copies = tuple(f"finance-director-{n}@ningbo-homeware.example" for n in range(4))
    outgoing = outgoing_message(claimed_draft(cc=copies), NOW)
    assert all(len(line) <= 78 for line in outgoing.raw.split(b"\r\n"))
    message = message_from_bytes(outgoing.raw, policy=policy.default)
    assert [a.addr_spec for a in message["Cc"].addresses] == list(copies)


def test_a_draft_without_copies_has_no_cc_header_and_no_extra_recipient() -> None:
    outgoing = outgoing_message(claimed_draft(), NOW)
    assert b"\r\nCc:" not in outgoing.raw and outgoing.copies == ()


def test_a_copy_with_a_line_break_never_reaches_the_wire() -> None:
    draft = claimed_draft(cc=("boss@ningbo-homeware.example\r\nBcc: spy@evil.example",))
    with pytest.raises(UnsafeHeader):
        outgoing_message(draft, NOW)
