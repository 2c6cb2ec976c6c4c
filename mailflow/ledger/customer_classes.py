"""Customer classes from annual sales (Pareto): A makes the first ~70 % of sales, B the next ~20 %. Pure."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
A_SHARE, B_SHARE = Decimal("0.70"), Decimal("0.90")


def abc_classes(sales: Mapping[K, Decimal | None]) -> dict[K, str]:
    """A customer is A while the customers before it make less than 70 % of all sales, B below 90 %, else C.

    Counting what comes *before* a customer keeps the biggest one A even when it
    alone makes most of the sales. No sales figure: C.
    """
    known = {key: value for key, value in sales.items() if value is not None and value > 0}
    total = sum(known.values(), Decimal("0"))
    classes = {key: "C" for key in sales}
    running = Decimal("0")
    for key, value in sorted(known.items(), key=lambda item: item[1], reverse=True):
        share = running / total
        classes[key] = "A" if share < A_SHARE else "B" if share < B_SHARE else "C"
        running += value
    return classes
