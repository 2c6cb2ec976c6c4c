"""Trade references in a buyer's text: PO, PI, contract and invoice numbers, B/L, containers.

Pure. Container numbers are checked against their ISO 6346 check digit, so a
random eleven-character token is not taken for one.
"""

from __future__ import annotations

import re

from mailflow.inbound.message import TradeReference

_NUMBER = (
    r"\s*(?:no\.?|nr\.?|number|num\.?|#|n°|nº|编号|号)?\s*[:：#\-]?\s*([A-Z0-9][A-Z0-9\-/_.]{2,30}[A-Z0-9])"
)
_PATTERNS = (
    (
        "po",
        re.compile(r"(?:\bp\.?o\.?|\bpurchase\s+order|订单号?|采购单号?|\bpedido)(?![a-z])" + _NUMBER, re.I),
    ),
    ("pi", re.compile(r"(?:\bp\.?i\.?|\bproforma(?:\s+invoice)?|形式发票)(?![a-z])" + _NUMBER, re.I)),
    (
        "contract",
        re.compile(r"(?:\bcontract|\bcontrato|\bvertrag|\bcontrat|合同号?|договор[а-я]*)" + _NUMBER, re.I),
    ),
    (
        "invoice",
        re.compile(
            r"(?<!proforma\s)(?:\binvoice|\bfactura|\bfatura|\brechnung|\bfacture|发票号?|сч[её]т[а-я]*)"
            + _NUMBER,
            re.I,
        ),
    ),
    ("bl", re.compile(r"(?:\bB/L|\bBL|\bbill\s+of\s+lading|提单号?)" + _NUMBER, re.I)),
)
_CONTAINER = re.compile(r"\b([A-Z]{3}[UJZ])\s?(\d{6})\s?(\d)\b")
_NOT_A_NUMBER = re.compile(r"^[A-Z]+$", re.I)


def find_references(text: str) -> tuple[TradeReference, ...]:
    found: dict[tuple[str, str], None] = {}
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(1).rstrip(".-/_")
            if _NOT_A_NUMBER.match(value) or not any(ch.isdigit() for ch in value):
                continue  # "PO box", "invoice attached": words, not numbers
            found.setdefault((kind, value.upper()), None)
    for match in _CONTAINER.finditer(text):
        owner, serial, check = match.groups()
        if iso6346_check_digit(owner + serial) == int(check):
            found.setdefault(("container", owner + serial + check), None)
    return tuple(TradeReference(kind, value) for kind, value in found)


def iso6346_check_digit(code: str) -> int:
    """The check digit of a container number's first ten characters (ISO 6346)."""
    values: list[int] = []
    number = 10
    letter_values: dict[str, int] = {}
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if number % 11 == 0:
            number += 1
        letter_values[letter] = number
        number += 1
    for char in code:
        values.append(letter_values[char] if char.isalpha() else int(char))
    total = sum(value << position for position, value in enumerate(values))
    return total % 11 % 10
