"""The manager's overview (GET /overview), the page a reviewer lands on after logging in.

What needs a person now, how fast complaints got a first answer, complaints per
week by category, receivables ageing per currency and the customers nobody has
contacted within their cadence: the figures of `mailflow report`
(review/reports), drawn as SVG on the server (web/charts) with the numbers in a
table beside each chart. Every number links to the list behind it.

The counts are always now. The weeks are those of ?from=&to= (default: the last
8 weeks). Ageing and neglect are counted on the day ?to= names, as `report
ageing --to` and `report neglected --to` count; without it, now, each invoice
on its customer's own date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from mailflow.config.settings import Settings
from mailflow.review.report_figures import AGEING_BUCKETS, Period, default_period, weeks_of
from mailflow.review.reports import OverviewFigures, ReportQueries
from mailflow.review.web.charts import bars, stacked_bars
from mailflow.review.web.i18n import text
from mailflow.review.web.layout import waited
from mailflow.store.engine import Store

NEGLECTED_SHOWN = 20  # the oldest; the customers list (?neglected=1) has them all
_MONEY = Decimal("0.01")


class BadPeriod(ValueError):
    """?from= or ?to= is no date, or the first day comes after the last."""


def register_overview(app: Flask, settings: Settings, store: Store) -> None:
    queries = ReportQueries(store, settings.schedule.default_timezone)
    target_days = settings.reports.answer_target_business_days

    @app.get("/overview")
    def overview() -> ResponseReturnValue:
        now = datetime.now(UTC)
        given = {"first": request.args.get("from", ""), "last": request.args.get("to", "")}
        try:
            first, last = _asked_days(g.lang, given["first"], given["last"])
        except BadPeriod as exc:
            return render_template("overview.html", error=str(exc), given=given), 400
        period = default_period(now.date(), first, last)
        figures = queries.page(period, now, settings.schedule.cadence, target_days, last)
        return render_template(
            "overview.html", given=given, period=period, target_days=target_days,
            **overview_view(figures, period, g.lang),
        )  # fmt: skip


def _asked_days(language: str, first: str, last: str) -> tuple[date | None, date | None]:
    days = []
    for value in (first, last):
        try:
            days.append(date.fromisoformat(value.strip()) if value.strip() else None)
        except ValueError:
            raise BadPeriod(text(language, "ov_bad_date").format(value=value[:40])) from None
    if days[0] and days[1] and days[0] > days[1]:
        raise BadPeriod(text(language, "ov_bad_period").format(first=days[0], last=days[1]))
    return days[0], days[1]


def overview_view(figures: OverviewFigures, period: Period, language: str) -> dict[str, Any]:
    """The figures arranged for the template, with their charts."""
    no_data = text(language, "ov_no_data")
    weeks = weeks_of(period)
    return {
        "counts": figures.counts,
        "oldest_draft": _age(language, figures.counts["oldest_draft_hours"]),
        "oldest_unanswered": _age(language, figures.counts["oldest_unanswered_hours"]),
        "response_times": figures.response_times,
        "response_chart": _svg(
            bars(
                text(language, "ov_response"),
                [_short(week) for week in weeks],
                [
                    (text(language, "ov_median"), [row["median_hours"] for row in figures.response_times]),
                    (text(language, "ov_p90"), [row["p90_hours"] for row in figures.response_times]),
                ],
                no_data,
            )
        ),
        **_complaints_view(figures.complaints, weeks, language, no_data),
        **_ageing_view(figures.ageing, language, no_data),
        "neglected": figures.neglected[:NEGLECTED_SHOWN],
        "neglected_count": len(figures.neglected),
        "customer_ids": figures.customer_ids,
    }


def _complaints_view(
    complaints: dict[str, Any], weeks: list[str], language: str, no_data: str
) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)  # category -> week -> complaints
    for row in complaints["weeks"]:
        counts[row["category"]][row["week"]] = row["complaints"]
    categories = sorted(counts)
    # A category without a word of its own (an operator's rule may add one) shows as it is named.
    names = {category: _word(language, f"ov_cat_{category}", category) for category in categories}
    chart = stacked_bars(
        text(language, "ov_by_category"),
        [_short(week) for week in weeks],
        [(names[category], [counts[category].get(week, 0) for week in weeks]) for category in categories],
        no_data,
    )
    return {
        "categories": categories,
        "category_names": names,
        "category_weeks": [
            (week, [counts[category].get(week, 0) for category in categories]) for week in weeks
        ],
        "complaints_chart": _svg(chart),
        "top_customers": complaints["customers"],
    }


def _ageing_view(ageing: list[dict[str, Any]], language: str, no_data: str) -> dict[str, Any]:
    """One chart and table per currency: amounts in different currencies do not add up."""
    cells: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # currency -> bucket -> row
    for row in ageing:
        cells[row["currency"]][row["bucket"]] = row
    currencies = []
    for currency, buckets in sorted(cells.items()):
        amounts = [
            Decimal(buckets[bucket]["amount"]) if bucket in buckets else None for bucket in AGEING_BUCKETS
        ]
        chart = bars(
            text(language, "ov_ageing_of").format(currency=currency),
            # Short under the bars ("1-30", "90+"): five must fit a phone; the table has the words.
            [
                text(language, "ov_not_due_short") if bucket == "not_due" else bucket
                for bucket in AGEING_BUCKETS
            ],
            [(currency, [float(amount) if amount is not None else None for amount in amounts])],
            no_data,
        )
        rows = [
            (bucket, money(amount or Decimal(0)), buckets[bucket]["invoices"] if bucket in buckets else 0)
            for bucket, amount in zip(AGEING_BUCKETS, amounts, strict=True)
        ]
        total = sum((amount for amount in amounts if amount is not None), Decimal(0))
        invoices = sum(row[2] for row in rows)
        currencies.append({"currency": currency, "chart": _svg(chart), "rows": rows, "total": money(total),
                           "invoices": invoices})  # fmt: skip
    return {"ageing": currencies, "buckets": AGEING_BUCKETS}


def _svg(chart: str) -> Markup:
    """pygal's SVG goes into the page as it is: its text (categories, titles) is escaped by the XML
    serialiser, and charts.py took the script out."""
    return Markup(chart)  # noqa: S704


def money(amount: Decimal) -> str:
    return f"{amount.quantize(_MONEY):,}"


def _word(language: str, key: str, otherwise: str) -> str:
    found = text(language, key)
    return otherwise if found == key else found


def _short(week: str) -> str:
    """2026-W48 -> W48 under a chart's bar: nine weeks must fit a phone's width. The table says the year."""
    return week.partition("-")[2]


def _age(language: str, hours: float | None) -> str:
    return "" if hours is None else waited(language, hours)
