"""The draft state machine: pending_review -> approved -> sending -> sent, or rejected, failed, cancelled.

A failed draft can be approved again (it is then retried from scratch).

Pure: which decision may follow which state. The store applies a transition
with a conditional UPDATE, so a draft approved twice is approved (and sent) once.
"""

from __future__ import annotations

from mailflow.errors import MailflowError

STATES = ("pending_review", "approved", "sending", "sent", "rejected", "failed", "cancelled")

_TRANSITIONS = {
    ("pending_review", "approved"): "approved",
    ("pending_review", "edited"): "pending_review",
    ("pending_review", "rejected"): "rejected",
    ("approved", "rejected"): "rejected",  # withdrawn before it left
    ("approved", "sending"): "sending",
    ("sending", "sent"): "sent",
    ("sending", "failed"): "failed",
    ("sending", "approved"): "approved",  # a transient failure: back in the queue
    ("failed", "approved"): "approved",  # a person sends it again (the address was fixed, the server is back)
    # Scheduled mail the buyer's own message made pointless (they answered, paid, unsubscribed).
    ("pending_review", "cancelled"): "cancelled",
    ("approved", "cancelled"): "cancelled",
}


class ReviewError(MailflowError):
    """A decision that does not apply to the draft's current state."""


def transition(status: str, action: str) -> str:
    """The state after `action` on a draft in `status`; ReviewError says why not."""
    new = _TRANSITIONS.get((status, action))
    if new is None:
        raise ReviewError(f"a draft that is {status.replace('_', ' ')} cannot be {action.replace('_', ' ')}")
    return new
