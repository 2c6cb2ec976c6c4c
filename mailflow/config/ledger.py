"""[ledger]: when a customer goes on credit hold, and who hears of it (ledger/credit_holds)."""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.config.addresses import address_list
from mailflow.config.table import Table, positive


@dataclass(frozen=True)
class LedgerSettings:
    # A customer with an invoice more than this many days overdue (their local date) is on hold.
    hold_after_days_overdue: int = 30
    # The order desk, logistics: they hear when a hold starts and ends ("" none: no notices).
    hold_notify: tuple[str, ...] = ()


DEFAULT_LEDGER = LedgerSettings()


def ledger_settings(table: Table | None) -> LedgerSettings:
    if table is None:
        return DEFAULT_LEDGER
    settings = LedgerSettings(
        hold_after_days_overdue=positive(table, "hold_after_days_overdue", 30),
        hold_notify=address_list(table, "hold_notify"),
    )
    table.done()
    return settings
