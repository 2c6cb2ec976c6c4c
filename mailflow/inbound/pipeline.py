"""One message through the pure stages: parse -> guard -> classify. No I/O.

The result is plain data the store records; a message any stage cannot handle
becomes a Failed with its reason, so it goes to quarantine and the batch goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from mailflow.config.parse_limits import DEFAULT_LIMITS, ParseLimits
from mailflow.config.rules import RuleSet
from mailflow.inbound import guard
from mailflow.inbound.classify import classifier as classify
from mailflow.inbound.message import Address, Classification, GuardVerdict, InboundMail
from mailflow.inbound.parsing import parse as parsing

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Arrival:
    """When a message reached our server, and whether it came while mailflow was watching.

    History is mail that was already in the folder when mailflow first synced it,
    or that reached the server before the answer window: it is logged, never
    answered. Everything else arrived while mailflow watched and may get a reply,
    whatever Date the buyer's client wrote.
    """

    arrived: datetime | None  # the server's INTERNALDATE; None if it gave none
    history: bool


@dataclass(frozen=True, slots=True)
class Processed:
    uid: int
    mail: InboundMail
    verdict: GuardVerdict
    classification: Classification
    direction: str  # "in" from a buyer, "out" written by us
    counterpart: Address | None  # the customer this message is with
    arrival: Arrival | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    uid: int
    raw: bytes
    reason: str


def process(
    uid: int,
    raw: bytes,
    rules: RuleSet,
    own_addresses: frozenset[str],
    sent_folder: bool = False,
    arrival: Arrival | None = None,
    parse_limits: ParseLimits = DEFAULT_LIMITS,
) -> Processed | Failed:
    """Run the pure stages; any exception here is this message's fault, not the batch's.

    Buyer mail that is not history (`arrival`) may get a reply: the model's thorough tier reads it.
    Without an arrival (tests, tools) the quick tier does. `parse_limits` is settings.parse:
    how much of one message the parser reads.
    """
    try:
        mail = parsing.parse(raw, parse_limits)
        outbound = sent_folder or (mail.sender is not None and mail.sender.email in own_addresses)
        if outbound:
            verdict = GuardVerdict(automatic=False, reasons=("our own message",))
            counterpart = next((a for a in (*mail.to, *mail.cc) if a.email not in own_addresses), None)
            result = classify.classify(mail, rules, automatic=False)
            return Processed(uid, mail, verdict, result, "out", counterpart, arrival)
        verdict = guard.check(mail, own_addresses)
        thorough = arrival is not None and not arrival.history
        result = classify.classify(mail, rules, automatic=verdict.automatic, thorough=thorough)
        return Processed(uid, mail, verdict, result, "in", mail.sender, arrival)
    except Exception as exc:
        log.warning("uid %s: cannot process: %s", uid, exc, exc_info=True)
        return Failed(uid, raw, f"{type(exc).__name__}: {exc}")
