"""The case workflow: open -> acknowledged -> assessed -> agreed -> in_progress -> resolved.

A complaint is listened to and acknowledged, assessed (who is responsible),
settled with the buyer (an agreed solution), carried out and resolved; the buyer
writing again soon after reopens it; a reviewer who finds it was no complaint
withdraws it. Pure: which move may follow which state, and what a solution is.
The stores apply a move with a conditional UPDATE on the current status, so a
case is changed once however many people (or processes) press the button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from mailflow.errors import MailflowError, UsageError

STATES = ("open", "acknowledged", "assessed", "agreed", "in_progress", "resolved", "withdrawn")
CLOSED = ("resolved", "withdrawn")
OPEN = tuple(state for state in STATES if state not in CLOSED)
RESPONSIBILITIES = ("production", "packing", "carrier", "buyer", "undetermined")
SOLUTION_KINDS = ("replacement", "refund", "credit_note", "discount", "repair", "none")
# What a person (or mailflow) does to a case; the CLI's commands and the page's forms.
ACTIONS = ("acknowledge", "assign", "assess", "agree", "start", "resolve", "reopen", "note", "withdraw")

_EARLY = ("open", "acknowledged", "assessed")
# (state, action) -> the state after it. Assigning, noting and re-assessing keep a case where it is;
# a changed solution on an agreed or started case is agreed again (the buyer gets a new confirmation).
_TRANSITIONS: dict[tuple[str, str], str] = {
    ("open", "acknowledge"): "acknowledged",
    **{(state, "assign"): state for state in OPEN},
    **{(state, "note"): state for state in STATES},
    **{(state, "assess"): "assessed" for state in _EARLY},
    ("agreed", "assess"): "agreed",
    ("in_progress", "assess"): "in_progress",
    **{(state, "agree"): "agreed" for state in (*_EARLY, "agreed", "in_progress")},
    ("agreed", "start"): "in_progress",
    **{(state, "resolve"): "resolved" for state in OPEN},
    ("resolved", "reopen"): "open",
    **{(state, "withdraw"): "withdrawn" for state in OPEN},
}

# The past tense a timeline shows: "agreed by mei".
EVENTS = {
    "acknowledge": "acknowledged", "assign": "assigned", "assess": "assessed", "agree": "agreed",
    "start": "started", "resolve": "resolved", "reopen": "reopened", "note": "noted", "withdraw": "withdrawn",
}  # fmt: skip

_CURRENCY = re.compile(r"[A-Z]{3}")


class CaseMoveError(UsageError):
    """A move the case's state, or what was given with it, does not allow; one line for a person."""


class CaseNotFound(MailflowError):
    """No case has that id: exit status 1, as for any other id that names nothing."""


def transition(status: str, action: str) -> str:
    """The state after `action` on a case in `status`; CaseMoveError says why not."""
    new = _TRANSITIONS.get((status, action))
    if new is None:
        shown = status.replace("_", " ")
        raise CaseMoveError(
            f"a case that is {shown} cannot be {EVENTS.get(action, action).replace('_', ' ')}"
        )
    return new


def may(status: str, action: str) -> bool:
    """Whether the page offers the form: the same table the store enforces."""
    return (status, action) in _TRANSITIONS


@dataclass(frozen=True)
class Solution:
    """What was agreed with the buyer; an amount always has its currency."""

    kind: str
    amount: Decimal | None = None
    currency: str = ""
    due: date | None = None

    def as_json(self) -> dict[str, str | None]:
        """Amount as a string: JSON numbers would turn 120.50 into 120.5 or a float."""
        return {
            "kind": self.kind,
            "amount": None if self.amount is None else f"{self.amount:.2f}",
            "currency": self.currency or None,
            "due": self.due.isoformat() if self.due else None,
        }


def solution_from(kind: str, amount: str = "", currency: str = "", due: str = "") -> Solution:
    """A solution from what a person typed; CaseMoveError names what is wrong."""
    if kind not in SOLUTION_KINDS:
        raise CaseMoveError(f"unknown solution {kind!r}; one of {', '.join(SOLUTION_KINDS)}")
    money = _amount(amount.strip())
    code = currency.strip().upper()
    if code and not _CURRENCY.fullmatch(code):
        raise CaseMoveError(f"currency {currency!r} is not an ISO 4217 code (three letters: USD, EUR, CNY)")
    if money is not None and not code:
        raise CaseMoveError("an amount needs its currency (--currency USD)")
    if code and money is None:
        raise CaseMoveError("a currency needs an amount (--amount 120.50)")
    return Solution(kind, money, code, _date(due.strip()))


def _amount(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CaseMoveError(f"amount {text!r} is not a number (120.50)") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e14"):
        raise CaseMoveError(f"amount {text!r} must be zero or more, below 10^14")
    return value.quantize(Decimal("0.01"))


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CaseMoveError(f"due date {text!r} is not a date (YYYY-MM-DD)") from None


def responsibility_from(text: str) -> str:
    if text not in RESPONSIBILITIES:
        raise CaseMoveError(f"unknown responsibility {text!r}; one of {', '.join(RESPONSIBILITIES)}")
    return text


# The states in which an agreed solution is still to be carried out: only these can be overdue
# (review/lists filters on them in SQL, review/case_views marks each case with overdue()).
PROMISED = ("agreed", "in_progress")


def overdue(status: str, due: date | None, buyer_today: date) -> bool:
    """A solution not carried out by its due date: the day after it has begun where the buyer is
    (`buyer_today`, their local date), since the promise was made to them."""
    if due is None or status not in PROMISED:
        return False
    return buyer_today > due


def ack_key(case_id: int, reopened: int) -> str:
    """The acknowledgement's idempotency key: one per case, and one more each time it is reopened."""
    return f"ack:case:{case_id}" if reopened == 0 else f"ack:case:{case_id}:reopen-{reopened}"
