"""What the frame of every page shows: the header's links and how long something has waited.

Pure data and arithmetic; app.py hands them to the templates.
"""

from __future__ import annotations

from datetime import datetime

from mailflow.review.web.i18n import text

# (endpoint, word) in the header's order; "search" is drawn as a search box, the rest as links.
NAV = (
    ("overview", "nav_overview"),
    ("queue", "nav_queue"),
    ("cases", "nav_cases"),
    ("invoices", "nav_invoices"),
    ("customers", "nav_customers"),
    ("sent_mail", "nav_sent_mail"),
    ("search", "nav_search"),
)

_HOUR, _DAY = 60, 24 * 60


def age(language: str, then: datetime, now: datetime) -> str:
    """How long ago, in the unit a reviewer reads at a glance: minutes, then hours, then days."""
    return waited(language, (now - then).total_seconds() / 3600)


def waited(language: str, hours: float) -> str:
    """A wait of `hours` (the reports count ages in hours) as `age` writes it."""
    minutes = max(0, int(hours * 60))
    if minutes < _HOUR:
        return text(language, "age_minutes").format(n=minutes)
    if minutes < 2 * _DAY:  # "30 h" says more than "1 d" when a complaint waits a day or so
        return text(language, "age_hours").format(n=minutes // _HOUR)
    return text(language, "age_days").format(n=minutes // _DAY)
