"""Trade references in a buyer's text: PO, PI, contract and invoice numbers, B/L, containers.

Pure. Container numbers are checked against their ISO 6346 check digit, so a
random eleven-character token is not taken for one.
"""

from __future__ import annotations

import re

from mailflow.inbound.message import TradeReference

_NUMBER = r"\s*(?:no\.?|nr\.?|number|num\.?|#|n°|nº|编号|号)?\s*[:：#\-]?\s*(?P<value>[A-Z0-9][A-Z0-9\-/_.]{2,30}[A-Z0-9])"
# A Latin label starts after no letter or digit, so that it is also found right after Chinese
# ("关于PO20261215"); a Chinese label (订单, 合同号...) may be followed directly by the code.
_LATIN = r"(?<![a-z0-9])"
_PATTERNS = (
    (
        "po",
        re.compile(
            rf"(?P<label>{_LATIN}(?:p\.?o\.?|purchase\s+order|pedido)(?![a-z])|订单号?|采购单号?)" + _NUMBER,
            re.I,
        ),
    ),
    (
        "pi",
        re.compile(
            rf"(?P<label>{_LATIN}(?:p\.?i\.?|proforma(?:\s+invoice)?)(?![a-z])|形式发票号?)" + _NUMBER, re.I
        ),
    ),
    (
        "contract",
        re.compile(
            rf"(?P<label>{_LATIN}(?:contract|contrato|vertrag|contrat|договор[а-я]*)|合同号?)" + _NUMBER, re.I
        ),
    ),
    (
        "invoice",
        re.compile(
            rf"(?P<label>(?<!proforma\s){_LATIN}(?:invoice|factura|fatura|rechnung|facture|сч[её]т[а-я]*)|(?<!形式)发票号?)"
            + _NUMBER,
            re.I,
        ),
    ),
    ("bl", re.compile(rf"(?P<label>{_LATIN}(?:B/L|BL|bill\s+of\s+lading)|提单号?)" + _NUMBER, re.I)),
)
# Abbreviations a buyer glues to the code ("PO20261102"): the code is kept as written.
_GLUED = re.compile(r"^(?:PO|PI|BL)$", re.I)
_CONTAINER = re.compile(r"(?<![A-Z0-9])([A-Z]{3}[UJZ])\s?(\d{6})\s?(\d)(?![A-Z0-9])")
_NOT_A_NUMBER = re.compile(r"^[A-Z]+$", re.I)


def find_references(text: str) -> tuple[TradeReference, ...]:
    found: dict[tuple[str, str], None] = {}
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            value = match.group("value").rstrip(".-/_")
            if match.end("label") == match.start("value") and _GLUED.match(match.group("label")):
                value = match.group("label") + value
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
