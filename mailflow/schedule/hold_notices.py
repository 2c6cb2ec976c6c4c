"""Credit holds re-evaluated, and the people who ship goods told when one starts or ends.

The hold rule is ledger/credit_holds', its storage ledger/credit_hold_store's;
this writes the notices: an internal draft (kind `internal`, policy auto, so
approved at once and never reviewed) to `[ledger] hold_notify` only, never to
the buyer, from the scheduled mail's mailbox, templates `hold.start.en` and
`hold.end.en`. Run by every schedule tick, and by `mailflow invoices paid`,
`invoices import` and `customers import` right after they commit, so a payment
that clears a hold ends it at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mailflow.config.settings import Settings
from mailflow.drafts.acknowledgements import mailbox_context
from mailflow.drafts.rows import new_draft_row
from mailflow.drafts.templates import Templates
from mailflow.ledger.credit_hold_store import CreditHolds, HoldChange
from mailflow.schedule.scheduled_drafts import scheduled_mailbox
from mailflow.store.engine import Store

KIND = "internal"
LANGUAGE = "en"  # the team's own language for internal mail; an operator's hold.start.en may say it otherwise


class HoldNotices:
    def __init__(self, settings: Settings, store: Store, templates: Templates | None = None) -> None:
        self.settings = settings
        self.holds = CreditHolds(store)
        self.templates = templates or Templates(settings.replies.templates_dir)

    def evaluate(self, now: datetime | None = None) -> list[HoldChange]:
        """Re-evaluate every customer's hold, drafting a notice per start and end.

        Raises TemplateProblem or UnsafeHeader (a notice cannot be written): then nothing
        changes, and the next evaluation tries again.
        """
        return self.holds.evaluate(
            now or datetime.now(UTC),
            self.settings.ledger.hold_after_days_overdue,
            self.settings.schedule.default_timezone,
            self.rows,
        )

    def rows(self, changes: Sequence[HoldChange]) -> list[dict[str, Any]]:
        """The notices' draft rows; none without `hold_notify` addresses or a mailbox to send from."""
        notify = list(self.settings.ledger.hold_notify)
        if not notify or not self.settings.mailboxes:
            return []
        mailbox = scheduled_mailbox(self.settings)
        company = self.settings.replies.company_name
        site = self.settings.schedule.digest.site_url
        rows = []
        for change in changes:
            context = {
                "company": {"name": company},
                "mailbox": mailbox_context(mailbox, company),
                "customer": {"email": change.email, "name": change.name, "company": change.company},
                "hold": {
                    "reason": change.reason,
                    "since": _when(change.since),
                    "ended": "" if change.started else _when(change.at),
                    "page": f"{site}/customers/{change.customer_id}" if site else "",
                },
            }
            name = self.templates.choose("hold", "start" if change.started else "end", LANGUAGE)
            rendered = self.templates.render(name, context)
            # No customer_id: the notice is not a contact with the buyer (the sender logs one per customer).
            rows.append(new_draft_row(KIND, "auto", mailbox, notify, rendered, change.key, context))
        return rows


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
