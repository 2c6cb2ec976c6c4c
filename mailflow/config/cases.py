"""[cases]: the complaint cases' settings (issue 20): when a buyer's new mail reopens a resolved case."""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.config.table import Table, non_negative


@dataclass(frozen=True)
class CaseSettings:
    # A buyer's complaint within this many days of `cases resolve` reopens the case (it was not
    # solved); later, or with 0, it opens a new case.
    reopen_days: int = 14


DEFAULT_CASES = CaseSettings()


def case_settings(table: Table | None) -> CaseSettings:
    if table is None:
        return DEFAULT_CASES
    settings = CaseSettings(reopen_days=non_negative(table, "reopen_days", 14))
    table.done()
    return settings
