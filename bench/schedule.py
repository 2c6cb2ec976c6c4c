"""Scheduling at the size of a company's book: 10,000 customers, 30,000 invoices.

1. Weekly updates for all 10,000 customers drafted by one tick (the book read,
   planned, every update rendered with the customer's open invoices and the
   week's news, 10,000 drafts and their audit events written), against the raw
   cost of rendering the same template with the same context and building an
   EmailMessage for each, in a loop, same run. Goal (issue #5): at least 0.7.
2. `schedule preview` over 90 days for the same book (every update slot and
   every reminder level, held to business hours and the weekly limit). Goal:
   under 5 s.

Customers are spread over ten countries and time zones (holidays, Gulf
weekends, DST); invoices fall due over the coming year, so that the tick
drafts updates only. Every class gets the weekly cadence, so every customer
has an update due in the tick's window.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT
from send import drop_schema, fresh_schema
from sqlalchemy import func, insert, select

from mailflow.config import settings as config
from mailflow.drafts.templates import Templates
from mailflow.schedule.scheduled_drafts import invoice_context
from mailflow.schedule.tick import Scheduler
from mailflow.store.engine import Store
from mailflow.store.models import Customer, Draft, Invoice

PLACES = [
    ("ES", "Europe/Madrid", "es"), ("DE", "Europe/Berlin", "de"), ("US", "America/Los_Angeles", "en"),
    ("CN", "Asia/Shanghai", "zh"), ("SA", "Asia/Riyadh", "en"), ("AE", "Asia/Dubai", "en"),
    ("BR", "America/Sao_Paulo", "pt"), ("RU", "Europe/Moscow", "ru"), ("FR", "Europe/Paris", "fr"),
    ("GB", "Europe/London", "en"),
]  # fmt: skip
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday morning: Tuesday's updates are within the lead
NEWS = "## New this week\n\nStoneware mugs in six glazes; samples on request.\n\nOur factory is closed 1-7 October.\n"


def settings_file(directory: Path, database: str) -> Path:
    (directory / "news").mkdir()
    (directory / "news" / "2026-W48.md").write_text(NEWS, encoding="utf-8")
    path = directory / "settings.toml"
    path.write_text(
        f"""
[database]
url = "{database}"

[templates]
dir = "{ROOT / "mailflow" / "drafts" / "shipped_templates"}"

[company]
name = "Ningbo Homeware"

[schedule]
draft_ahead_hours = 48

[schedule.updates]
news_dir = "news"
cadence = {{ A = "weekly", B = "weekly", C = "weekly" }}

[[mailbox]]
name = "sales"
address = "sales@ningbo-homeware.example"
display_name = "Ningbo Homeware Sales"

[mailbox.imap]
host = "127.0.0.1"
username = "u"
password = "p"
""",
        encoding="utf-8",
    )
    return path


def fill(store: Store, customers: int, invoices: int) -> None:
    """The book, written with bulk INSERTs (the import path is measured by its own tests)."""
    rows = []
    for n in range(customers):
        country, zone, language = PLACES[n % len(PLACES)]
        rows.append(
            {
                "email": f"buyer{n}@importer{n}.example", "name": f"Buyer {n}", "company": f"Importer {n}",
                "domain": f"importer{n}.example", "country": country, "language": language, "timezone": zone,
                "class_set": "", "annual_sales": Decimal(1000 + (n * 7919) % 500000), "opted_out": False,
                "listed": True, "created_at": NOW,
            }
        )  # fmt: skip
    with store.sessions.begin() as session:
        session.execute(insert(Customer), rows)
        ids = list(session.scalars(select(Customer.id).order_by(Customer.id)))
        session.execute(
            insert(Invoice),
            [
                {
                    "number": f"INV-{n:06d}", "customer_id": ids[n % len(ids)], "amount": Decimal("12480.00"),
                    "currency": ("USD", "EUR", "CNY")[n % 3], "issued": date(2026, 11, 1),
                    "due": date(2026, 12, 10) + timedelta(days=n % 365), "paid_amount": Decimal(n % 2 * 4000),
                    "order_ref": f"PO {4500000 + n}", "cancelled": False, "hold": "", "created_at": NOW,
                }
                for n in range(invoices)
            ],
        )  # fmt: skip


def raw_updates(store: Store, templates: Templates, scheduler: Scheduler) -> float:
    """Render the same template with the same context and build an EmailMessage, per customer."""
    items = scheduler.due(NOW, NOW + timedelta(hours=48))[1]
    customers = scheduler.store.customers(item.customer_id for item in items)
    open_invoices = scheduler.store.open_invoices(item.customer_id for item in items)
    contexts = []
    for item in items:
        customer = dict(customers[item.customer_id])
        language = customer.pop("language")
        contexts.append(
            (
                templates.choose("update", None, language),
                {
                    "customer": customer,
                    "company": {"name": "Ningbo Homeware"},
                    "mailbox": {"name": "sales", "address": "sales@ningbo-homeware.example",
                                "display_name": "Ningbo Homeware Sales", "signature": "Ningbo Homeware Sales",
                                "callback_name": "", "callback_phone": ""},
                    "week": "2026-W48",
                    "news": NEWS.strip(),
                    "invoices": [invoice_context(i, language, NOW.date()) for i in open_invoices.get(item.customer_id, [])],
                    "cases": [],
                },
            )
        )  # fmt: skip
    started = time.perf_counter()
    for name, context in contexts:
        rendered = templates.render(name, context)
        message = EmailMessage()
        message["From"] = "Ningbo Homeware Sales <sales@ningbo-homeware.example>"
        message["To"] = context["customer"]["email"]
        message["Subject"] = rendered.subject
        message["List-Unsubscribe"] = "<mailto:sales@ningbo-homeware.example?subject=unsubscribe>"
        message.set_content(rendered.text)
    return time.perf_counter() - started


def one_round(args: argparse.Namespace, workdir: Path) -> tuple[float, float, float, int]:
    database = fresh_schema(workdir.name) if args.postgres else f"sqlite:///{workdir / 'book.db'}"
    try:
        settings = config.load(settings_file(workdir, database))
        store = Store(settings.database_url)
        store.create_schema()
        fill(store, args.customers, args.invoices)
        templates = Templates(settings.replies.templates_dir)
        scheduler = Scheduler(settings, store, templates)
        raw_seconds = raw_updates(store, templates, scheduler)
        started = time.perf_counter()
        report = scheduler.tick(NOW)
        our_seconds = time.perf_counter() - started
        with store.sessions() as session:
            drafted = session.scalar(select(func.count()).select_from(Draft).where(Draft.kind == "update"))
        assert report.drafted == drafted == args.customers, (report, drafted)
        started = time.perf_counter()
        preview = scheduler.preview(NOW, NOW + timedelta(days=90))
        preview_seconds = time.perf_counter() - started
        store.close()
    finally:
        if args.postgres:
            drop_schema(workdir.name)
    return raw_seconds, our_seconds, preview_seconds, len(preview)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL at 127.0.0.1 (default: SQLite)")
    args = parser.parse_args()
    raws, ours, previews, items = [], [], [], 0
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as workdir:
            raw, our, preview, items = one_round(args, Path(workdir))
        raws.append(raw)
        ours.append(our)
        previews.append(preview)
    raw, our, preview = statistics.median(raws), statistics.median(ours), statistics.median(previews)
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.customers} customers, {args.invoices} invoices, {database}, {args.rounds} rounds (medians)")
    print(f"raw render + EmailMessage: {raw:.2f} s  rounds: {', '.join(f'{t:.2f}' for t in raws)}")
    print(f"mailflow tick (updates drafted): {our:.2f} s  rounds: {', '.join(f'{t:.2f}' for t in ours)}")
    print(f"ratio (mailflow / raw throughput): {raw / our:.2f}  (goal >= 0.7)")
    print(f"schedule preview, 90 days: {preview:.2f} s for {items} items  (goal < 5 s)")


if __name__ == "__main__":
    main()
