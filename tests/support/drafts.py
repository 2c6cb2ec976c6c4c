"""A claimed draft as the send path sees it, for the tests of composing and sending."""

from __future__ import annotations

from typing import Any

from mailflow.outbound.claimed import ClaimedDraft


def claimed_draft(**changes: Any) -> ClaimedDraft:
    """An acknowledgement in Chinese, threaded to the buyer's two messages; `changes` override fields.

    Lists given for `to` or `references` become tuples, as the claim makes them.
    """
    fields: dict[str, Any] = {
        "id": 7,
        "kind": "ack",
        "policy": "required",
        "mailbox": "sales",
        "customer_id": None,
        "case_id": None,
        "from_addr": "Ningbo Homeware Sales <sales@ningbo-homeware.example>",
        "to": ("lihua@huamei-home.example",),
        "subject": "Re: 货物破损投诉 订单PO20261102",
        "body": "尊敬的李华，您好！\n\n请发送以下照片：……\n",
        "html": None,
        "message_id": "ack-7@ningbo-homeware.example",
        "in_reply_to": "b@huamei-home.example",
        "references": ("a@huamei-home.example", "b@huamei-home.example"),
        "attempts": 0,
        "failure": "",
        "scheduled_for": None,
    }
    fields.update(changes)
    fields["to"], fields["references"] = tuple(fields["to"]), tuple(fields["references"])
    return ClaimedDraft(**fields)
