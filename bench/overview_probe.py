"""What bench/overview.py looks into when a page is slow: its SQL statements, their time and plans.

`StatementLog` counts the statements an engine runs (and the time the driver
took to execute them) while it is switched on; `explain` prints the plan of a
statement as the database would run it, on SQLite (EXPLAIN QUERY PLAN) and
PostgreSQL (EXPLAIN ANALYZE). `PureTimer` wraps the pure figure functions
review/reports imported, so that a report's time splits into the database's
and the arithmetic's.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class Statement:
    sql: str
    parameters: Any
    seconds: float


@dataclass
class StatementLog:
    engine: Engine
    on: bool = False
    statements: list[Statement] = field(default_factory=list)

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        if self.on:
            seconds = time.perf_counter() - conn.info.pop("bench_started")
            self.statements.append(Statement(sql, parameters, seconds))

    def record(self) -> StatementLog:
        self.statements, self.on = [], True
        return self

    def stop(self) -> list[Statement]:
        self.on = False
        return self.statements


def explain(engine: Engine, statement: Statement) -> str:
    """The plan, one line per step; on PostgreSQL with the real row counts and times."""
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement.sql, statement.parameters).all()
        connection.rollback()
    if postgres:
        return "\n".join(row[0] for row in rows)
    return "\n".join(str(row[-1]) for row in rows)


class PureTimer:
    """Wraps the named functions of a module (as it imported them) to add up the time spent in them."""

    def __init__(self, module: ModuleType, names: tuple[str, ...]) -> None:
        self.seconds = 0.0
        for name in names:
            if hasattr(module, name):
                setattr(module, name, self._timed(getattr(module, name)))

    def _timed(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed
