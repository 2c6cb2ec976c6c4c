"""[cases]: the complaint cases' settings (issue 20): when a buyer's new mail reopens a resolved case."""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.config.table import Table, non_negative


@dataclass(frozen=True)
class CaseSettings:
    # A buyer's complaint within this many days of `cases resolve` reopens the case (it was not
    # solved); later, or with 0, it opens a new case.
    reopen_days: int = 14
    # A complaint in a mailbox's history (mail already there when mailflow first read it) that the
    # buyer wrote more than this many days before opens its case closed: it was dealt with then or
    # not at all, and an open case would hold the buyer's payment reminders and fill the lists for
    # good. Newer history opens as usual (never acknowledged). 0: every history case opens.
    history_open_days: int = 30


DEFAULT_CASES = CaseSettings()


def case_settings(table: Table | None) -> CaseSettings:
    if table is None:
        return DEFAULT_CASES
    settings = CaseSettings(
        reopen_days=non_negative(table, "reopen_days", 14),
        history_open_days=non_negative(table, "history_open_days", 30),
    )
    table.done()
    return settings
