"""No draft to ourselves: whether a reply would go to one of our own mailboxes (Settings.own_addresses).

A buyer's message whose Reply-To named our own team mailbox once got an
acknowledgement addressed to that mailbox. Sent, it would arrive as new mail,
look like a complaint again and be answered again: a loop a reviewer approved.
The inbound guard already calls mail *from* us automatic; this is the other
end, the address a draft is about to be written to.
"""

from __future__ import annotations

from mailflow.inbound.guard import is_own_address


def loop_reason(reply_to: str, sender: str, own: frozenset[str]) -> str:
    """Why a reply to this message would mail one of our own mailboxes; "" when it would not.

    A reply goes to Reply-To when there is one, else to the sender: the address
    that decides is the one the draft would be written to.
    """
    if reply_to:
        return f"Reply-To {reply_to} is our own mailbox" if is_own_address(reply_to, own) else ""
    return f"the sender {sender} is our own mailbox" if is_own_address(sender, own) else ""
