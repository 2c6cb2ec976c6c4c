"""The manager's pages on a year of records: server-side time of each page through the real Flask app.

A database with 10,000 customers, 200,000 contacts, 30,000 invoices, 5,000
cases and 2,000 drafts (bench/overview_data.py) on SQLite (a file, cached
under /tmp for the day) and on PostgreSQL (a fresh schema). Each page is
fetched by a logged-in test client of create_app: one warm-up, then the
median of --runs. Goals (issue #19): the overview under 300 ms, each list
page of 50 rows and a search under 150 ms, a full ageing export under 3 s.
A page not built yet says so. Below the table: the statements each page ran
(and the driver's time for them), and each `mailflow report` figure split
into its SQL reads and its pure arithmetic (review/report_figures).

    .venv/bin/python bench/overview.py [--sqlite-only] [--scale 0.1] [--runs 5]
        [--revision 0005]   # the schema before the indexes of 0006, to measure them
        [--explain]         # the plans of each page's slowest statements
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import common  # noqa: F401  (puts the repository on sys.path)
from alembic import command
from alembic.config import Config
from flask.testing import FlaskClient
from overview_data import fill
from overview_probe import PureTimer, StatementLog, explain
from send import drop_schema, fresh_schema
from sqlalchemy import create_engine, text

import mailflow.review.reports as reports_module
from mailflow.cli.report import _tables
from mailflow.config import settings as config
from mailflow.review.accounts import Accounts
from mailflow.review.report_export import write_xlsx
from mailflow.review.report_figures import default_period
from mailflow.review.reports import ReportQueries
from mailflow.review.web.app import create_app
from mailflow.store.engine import Store
from tests.support.settings import write_settings

MIGRATIONS = Path(__file__).resolve().parents[1] / "mailflow" / "store" / "migrations"
CACHE = Path(tempfile.gettempdir()) / "mailflow-bench-overview"
DATA_VERSION = 5  # bump when overview_data changes what it writes: the cached files are then stale
PASSWORD = "bench password 19"
PAGE_GOAL, LIST_GOAL, EXPORT_GOAL = 300.0, 150.0, 3000.0
SLOW_SECONDS = 10.0
PURE = ("ageing_rows", "response_rows", "complaint_rows", "neglected_rows", "abc_classes")
PAGES = (
    ("queue /", "/", LIST_GOAL),
    ("customer page", "/customers/{customer}", LIST_GOAL),
    ("overview", "/overview", PAGE_GOAL),
    ("cases open", "/cases?status=open", LIST_GOAL),
    ("cases all, page 40", "/cases?status=all&page=40", LIST_GOAL),
    ("invoices overdue", "/invoices?state=overdue", LIST_GOAL),
    ("invoices USD 90+", "/invoices?state=open&currency=USD&bucket=90%2B", LIST_GOAL),
    ("customers", "/customers", LIST_GOAL),
    ("customers class A", "/customers?class=A", LIST_GOAL),
    ("customers neglected", "/customers?neglected=1", LIST_GOAL),
    ("sent mail", "/mail?status=sent", LIST_GOAL),
    ("search PO4500", "/search?q=PO4500", LIST_GOAL),
    ("search container", "/search?q=CSQU", LIST_GOAL),
    ("search customer", "/search?q=buyer4711", LIST_GOAL),
    ("search found nowhere", "/search?q=qqzx7", LIST_GOAL),
    ("search Cyrillic, nowhere", "/search?q=%D0%A9%D0%A9%D0%AE", LIST_GOAL),
)
EXPORTS = (
    ("invoices open XLSX", "/invoices?state=open&format=xlsx"),
    ("cases all CSV", "/cases?status=all&format=csv"),
)


@dataclass
class Figure:
    ms: float | None  # the median; None: not built (or refused, as `note` says)
    note: str = ""
    statements: int = 0
    sql_ms: float = 0.0


@dataclass
class Bench:
    store: Store
    client: FlaskClient
    settings_path: Path
    probe: StatementLog
    runs: int
    explain: bool

    def page(self, path: str) -> Figure:
        started = time.perf_counter()
        first = self.client.get(path)  # the warm-up: templates compiled, caches filled
        warm_up = time.perf_counter() - started
        if first.status_code == 404:
            return Figure(None, "not built")
        if first.status_code != 200:
            return Figure(None, f"HTTP {first.status_code}")
        if warm_up > SLOW_SECONDS:  # far off any goal: one run says enough
            return Figure(warm_up * 1000, "one run")
        return self.median(lambda: self.client.get(path).close(), path)

    def timed(self, work: Callable[[], object], name: str) -> Figure:
        work()  # the warm-up
        return self.median(work, name)

    def median(self, work: Callable[[], object], name: str) -> Figure:
        """The median of --runs runs of `work`, with the statements the last one ran."""
        times = []
        for _ in range(self.runs):
            started = time.perf_counter()
            self.probe.record()
            work()
            times.append(time.perf_counter() - started)
            statements = self.probe.stop()
        if self.explain:
            show_plans(self.store, name, statements)
        return Figure(
            statistics.median(times) * 1000, "", len(statements), sum(s.seconds for s in statements) * 1000
        )


def show_plans(store: Store, path: str, statements: list) -> None:  # type: ignore[type-arg]
    print(f"\n== {path} on {store.engine.dialect.name}: {len(statements)} statements")
    for statement in sorted(statements, key=lambda s: -s.seconds)[:3]:
        print(f"-- {statement.seconds * 1000:.1f} ms: {' '.join(statement.sql.split())[:600]}")
        print(explain(store.engine, statement))


def prepare_sqlite(scale: float, revision: str, fresh: bool) -> str:
    """A cached file per scale, schema revision and day (the rows are dated back from today)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"v{DATA_VERSION}-{scale}-{revision}-{datetime.now(UTC).date()}.db"
    url = f"sqlite:///{path}"
    if path.exists() and not fresh:
        print(f"sqlite: the cached {path}")
        migrate(url, revision)  # "head" moves with the code: a file cached earlier today may be behind
        return url
    for stale in CACHE.glob(f"v*-{scale}-{revision}-*.db"):
        stale.unlink()
    # Built aside and renamed when whole: another run of this bench may be reading the cache.
    building = path.with_suffix(f".{os.getpid()}.building")
    build(f"sqlite:///{building}", scale, revision, "sqlite")
    building.replace(path)
    return url


def build(url: str, scale: float, revision: str, name: str) -> None:
    migrate(url, revision)
    started = time.perf_counter()
    engine = create_engine(url)
    counts = fill(engine, scale, datetime.now(UTC).replace(microsecond=0))
    engine.dispose()
    print(
        f"{name}: {sum(counts.values()):,} rows generated and inserted in {time.perf_counter() - started:.1f} s"
    )


def migrate(url: str, revision: str) -> None:
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    store = Store(url)  # the engine as mailflow makes it: WAL on SQLite
    with store.engine.begin() as connection:
        alembic.attributes["connection"] = connection
        command.upgrade(alembic, revision)
    store.close()


def logged_in(url: str, workdir: Path) -> tuple[Store, FlaskClient, Path]:
    settings_path = write_settings(workdir, url, 1, "u", "p", migrate=False)
    settings = config.load(settings_path)
    store = Store(url)
    Accounts(store).add(f"bench{os.getpid()}", PASSWORD)
    app = create_app(settings, store, secret_key=b"b" * 32)
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token, "no CSRF token on the login page"
    form = {"username": f"bench{os.getpid()}", "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form).status_code == 302, "the bench could not log in"
    return store, client, settings_path


def measure(bench: Bench) -> dict[str, Figure]:
    found: dict[str, Figure] = {}
    with bench.store.engine.connect() as connection:
        busiest = connection.execute(
            text("SELECT customer_id FROM contacts WHERE customer_id IS NOT NULL "
                 "GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()  # fmt: skip
    for name, path, _ in PAGES:
        found[name] = bench.page(path.format(customer=busiest))
    found.update(measure_reports(bench))
    for name, path in EXPORTS:
        found[name] = bench.page(path)
    found["report ageing --xlsx (CLI)"] = cli_export(bench)
    return found


def measure_reports(bench: Bench) -> dict[str, Figure]:
    """Each `mailflow report` figure: the whole, and within it the pure arithmetic."""
    queries, now = ReportQueries(bench.store), datetime.now(UTC)
    period = default_period(now.date())
    cadence = {"A": "weekly", "B": "fortnightly", "C": "monthly"}
    work: dict[str, Callable[[], object]] = {
        "report overview": lambda: queries.overview(now),
        "report ageing": lambda: queries.ageing(now.date()),
        "report response-times": lambda: queries.response_times(period),
        "report complaints": lambda: queries.complaints(period),
        "report neglected": lambda: queries.neglected(cadence, now.date(), now),
    }
    found = {}
    for name, call in work.items():
        pure = PureTimer(reports_module, PURE)
        found[name] = figure = bench.timed(call, name)
        pure_ms = pure.seconds * 1000 / (bench.runs + 1)
        assert figure.ms is not None
        figure.note = f"pure {pure_ms:.0f} ms, SQL and rows {figure.ms - pure_ms:.0f} ms"
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "ageing.xlsx"
        export = bench.timed(
            lambda: write_xlsx(target, _tables("ageing", queries.ageing(now.date()))), "xlsx"
        )
    found["ageing export XLSX"] = export
    return found


def cli_export(bench: Bench) -> Figure:
    """`mailflow report ageing --xlsx` as a rep runs it: Python's start-up included."""
    with tempfile.TemporaryDirectory() as folder:
        command_line = [sys.executable, "-m", "mailflow", "--config", str(bench.settings_path), "report",
                        "ageing", "--xlsx", str(Path(folder) / "ageing.xlsx"), "--force"]  # fmt: skip
        times = []
        for _ in range(3):
            started = time.perf_counter()
            done = subprocess.run(command_line, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - started)
            if done.returncode != 0:  # at --revision 0005 it refuses a database behind the code
                print(f"report ageing --xlsx: {done.stderr.strip()}", file=sys.stderr)
                return Figure(None, "CLI refused")
    return Figure(statistics.median(times) * 1000, "with start-up")


def goal_of(name: str) -> float:
    for page, _, goal in PAGES:
        if page == name:
            return goal
    return EXPORT_GOAL if any(word in name.lower() for word in ("export", "xlsx", "csv")) else 0.0


def print_table(results: dict[str, dict[str, Figure]]) -> None:
    databases = list(results)
    names = list(next(iter(results.values())))
    print(f"\n{'what':32s}" + "".join(f"{db + ' ms':>18s}" for db in databases) + f"{'goal ms':>10s}  met")
    for name in names:
        goal, cells, met = goal_of(name), "", []
        for db in databases:
            figure = results[db][name]
            cells += f"{figure.ms:18.1f}" if figure.ms is not None else f"{figure.note:>18s}"
            if figure.ms is not None and goal:
                met.append(figure.ms < goal)
        built = any(results[db][name].note != "not built" for db in databases)
        verdict = ("yes" if all(met) else "NO") if met else ("-" if not goal or built else "not built")
        print(f"{name:32s}{cells}{(f'{goal:.0f}' if goal else ''):>10s}  {verdict}")
    print("\nstatements per page (driver time of them), and the reports' split:")
    for name in names:
        parts = []
        for db in databases:
            figure = results[db][name]
            if figure.statements:
                parts.append(f"{db}: {figure.statements} statements, {figure.sql_ms:.1f} ms {figure.note}")
            elif figure.note and figure.ms is not None:
                parts.append(f"{db}: {figure.note}")
        if parts:
            print(f"  {name:30s}" + "; ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0, help="a share of the full data set (0.1: quick)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page, after one warm-up")
    parser.add_argument("--revision", default="head", help="migrate only this far (0005: before the indexes)")
    parser.add_argument(
        "--explain", action="store_true", help="print the plans of each page's slowest statements"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached SQLite file")
    args = parser.parse_args()
    results: dict[str, dict[str, Figure]] = {}
    schema = f"overview{os.getpid()}"  # others may run this bench on the same server at the same time
    urls = {"SQLite": prepare_sqlite(args.scale, args.revision, args.fresh)}
    if not args.sqlite_only:
        urls["PostgreSQL"] = fresh_schema(schema)
        build(urls["PostgreSQL"], args.scale, args.revision, "postgresql")
    try:
        for name, url in urls.items():
            with tempfile.TemporaryDirectory() as folder:
                store, client, settings_path = logged_in(url, Path(folder))
                bench = Bench(
                    store, client, settings_path, StatementLog(store.engine), args.runs, args.explain
                )
                results[name] = measure(bench)
                store.close()
    finally:
        if not args.sqlite_only:
            drop_schema(schema)
    print(f"\nscale {args.scale}, schema {args.revision}, median of {args.runs} runs after a warm-up, "
          f"{datetime.now(UTC) - timedelta(microseconds=datetime.now(UTC).microsecond):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    print_table(results)


if __name__ == "__main__":
    main()
