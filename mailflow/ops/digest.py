"""The manager's weekly digest: a draft of kind `digest` with the week's figures and links to the pages.

Off by default ([schedule.digest]). From the set weekday and time (the manager's
time zone) on, each schedule tick makes sure the digest of the week before
exists: its idempotency key `digest:<ISO week>` lets it be written once however
many ticks or daemons run, and a daemon that was down drafts it when it comes
back that week (a digest of an older week is not worth sending late). It goes
through the same review policy ([review] digest) and outbox as every draft.

Here in ops/ because it joins the report figures (review/) with the scheduled
mail's mailbox and templates (schedule/, drafts/), two layers that do not
import each other.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from mailflow.config.settings import Settings
from mailflow.drafts.acknowledgements import mailbox_context
from mailflow.drafts.headers import UnsafeHeader
from mailflow.drafts.problems import DraftingProblems
from mailflow.drafts.rows import new_draft_row
from mailflow.drafts.store import Outbox
from mailflow.drafts.templates import TemplateProblem, Templates
from mailflow.review.report_figures import AGEING_BUCKETS, Period, iso_week
from mailflow.review.reports import ReportQueries
from mailflow.schedule.scheduled_drafts import scheduled_mailbox
from mailflow.store.engine import Store

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")

KIND = "digest"
NEGLECTED_SHOWN = 10  # the digest names the longest neglected; the page has the rest


def digest_week(now: datetime, weekday: int, at: time, zone: str) -> Period | None:
    """The week whose digest is due at `now`: the ISO week before this one once this week's
    weekday and time have passed in `zone`; None before then."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday + timedelta(days=weekday), at, ZoneInfo(zone)):
        return None
    return Period(monday - timedelta(weeks=1), monday - timedelta(days=1))


class WeeklyDigest:
    def __init__(self, settings: Settings, store: Store, templates: Templates | None = None) -> None:
        self.settings = settings
        self.digest = settings.schedule.digest
        self.reports = ReportQueries(store, settings.schedule.default_timezone)
        self.outbox = Outbox(store)
        self.templates = templates or Templates(settings.replies.templates_dir)

    def run(self, now: datetime, problems: DraftingProblems | None = None) -> bool:
        """Draft the digest that is due; True when this call wrote it. A broken template is a
        drafting problem (logged once, /healthz), tried again at the next tick."""
        if not self.digest.enabled:
            return False
        period = digest_week(now, self.digest.weekday, self.digest.at, self.digest.timezone)
        if period is None:
            return False
        key = f"{KIND}:{iso_week(period.first)}"
        if self.outbox.has_draft(key):  # cheap: the figures are read once a week, not at every tick
            return False
        drafting = (problems or DraftingProblems()).begin(KIND)
        written = False
        try:
            written = self.outbox.create_draft(self.row(key, self.context(period, now)))
        except (TemplateProblem, UnsafeHeader) as exc:
            drafting.failed(key, exc)
        drafting.finish()
        if written:
            audit.info("drafted the weekly digest %s for %s", key, ", ".join(self.digest.to))
        return written

    def context(self, period: Period, now: datetime) -> dict[str, Any]:
        """What the digest template may use (drafts/template_check.sample_context("digest") too):
        the overview page's figures for that week, in one read."""
        figures = self.reports.page(
            period,
            now,
            self.settings.schedule.cadence,
            self.settings.reports.answer_target_business_days,
            None,  # ageing and neglect now, each invoice on its customer's own date
        )
        overdue = [row for row in figures.ageing if row["bucket"] != AGEING_BUCKETS[0]]
        (week,) = figures.response_times  # the period is one ISO week
        mailbox = scheduled_mailbox(self.settings)
        return {
            "week": iso_week(period.first),
            "first_day": period.first.isoformat(),
            "last_day": period.last.isoformat(),
            "now": figures.counts,
            "answers": week,
            "complaints": figures.complaints["weeks"],  # one week: a row per category
            "top_customers": figures.complaints["customers"][:5],
            "overdue": _per_currency(overdue),
            "neglected": {"count": len(figures.neglected), "first": figures.neglected[:NEGLECTED_SHOWN]},
            "links": self.links(period.first, period.last),
            "company": {"name": self.settings.replies.company_name},
            "mailbox": mailbox_context(mailbox, self.settings.replies.company_name),
        }

    def links(self, first: date, last: date) -> dict[str, str]:
        """The pages behind the figures; empty without schedule.digest.site_url."""
        site = self.digest.site_url
        pages = {
            "overview": ("/overview", {"from": first.isoformat(), "to": last.isoformat()}),
            "queue": ("/", {}),
            "unanswered": ("/cases", {"status": "unanswered"}),
            "overdue": ("/invoices", {"state": "overdue"}),
            "neglected": ("/customers", {"neglected": "1"}),
        }
        return {
            name: (f"{site}{path}?{urlencode(query)}" if query else f"{site}{path}") if site else ""
            for name, (path, query) in pages.items()
        }

    def row(self, key: str, context: dict[str, Any]) -> dict[str, Any]:
        name = self.templates.choose(KIND, None, self.digest.language)
        rendered = self.templates.render(name, context)
        policy = self.settings.replies.review[KIND]
        return new_draft_row(
            KIND, policy, scheduled_mailbox(self.settings), list(self.digest.to), rendered, key, context
        )


def _per_currency(rows: list[dict[str, Any]]) -> list[dict[str, str | int]]:
    """Overdue money per currency (every bucket past due), as decimal strings."""
    totals: dict[str, tuple[Decimal, int]] = {}
    for row in rows:
        amount, count = totals.get(row["currency"], (Decimal(0), 0))
        totals[row["currency"]] = (amount + Decimal(row["amount"]), count + row["invoices"])
    return [
        {"currency": currency, "amount": str(amount), "invoices": count}
        for currency, (amount, count) in sorted(totals.items())
    ]
