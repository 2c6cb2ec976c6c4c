"""What the daemon knows about itself: each mailbox's last good fetch, and the Prometheus metrics.

`/healthz` answers 200 while every mailbox this daemon watches (the ones it
holds the lease of) fetched successfully within its expected interval (a watcher syncs at least every fetch.noop_seconds, or every
poll_seconds without IDLE, plus the timeouts), 503 naming the failing ones
otherwise, 503 when the daemon could not reach the database for its lease
heartbeat for longer than that, and 503 naming each cause (a missing or broken
template, an unsafe header) that stopped drafts in the latest round, until a
round drafts without it (drafts/problems). `/metrics` is Prometheus's text format: messages fetched, tagged by
tag and quarantined, drafts by state (counted in the database at each scrape,
so it is true for every worker on it), sends and send failures, the fetch lag
per mailbox, and tick durations. One registry per daemon, not the global one.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client import Counter as PromCounter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics import Histogram
from prometheus_client.registry import Collector

from mailflow.config.settings import Settings
from mailflow.drafts.problems import DraftingProblems


class Health:
    """Thread-safe: watchers, the send loop and the ticks report here; the endpoints read."""

    def __init__(self, settings: Settings, draft_counts: Any = None) -> None:
        fetch = settings.fetch
        # A healthy watcher syncs at least this often: after every IDLE wake-up, NOOP or poll.
        self.expected_seconds = max(fetch.noop_seconds, fetch.poll_seconds) + 2 * fetch.timeout_seconds + 5
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.watched: dict[str, float] = {}  # mailbox -> when this daemon began watching it
        self.last_beat = self.started
        self.beat_error = ""
        self.last_ok: dict[str, float] = {}
        self.last_error: dict[str, str] = {}
        self.drafting = DraftingProblems()  # the acknowledgements' and the ticks' open causes
        self.registry = CollectorRegistry(auto_describe=True)
        self.fetched = PromCounter(
            "mailflow_messages_fetched", "Messages fetched", ["mailbox"], registry=self.registry
        )
        self.tagged = PromCounter(
            "mailflow_messages_tagged", "Messages tagged, by tag", ["tag"], registry=self.registry
        )
        self.quarantined = PromCounter(
            "mailflow_messages_quarantined", "Messages quarantined", ["mailbox"], registry=self.registry
        )
        self.sends = PromCounter("mailflow_sends", "Drafts sent", registry=self.registry)
        self.send_failures = PromCounter(
            "mailflow_send_failures", "Send attempts that failed (retried or final)", registry=self.registry
        )
        self.ticks = Histogram(
            "mailflow_tick_seconds", "Duration of scheduler ticks", ["tick"], registry=self.registry,
            buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300),
        )  # fmt: skip
        self.registry.register(_Lag(self))
        if draft_counts is not None:
            self.registry.register(_Drafts(draft_counts))

    # -- reported by the workers ---------------------------------------------------

    def watch(self, mailbox: str) -> None:
        with self.lock:
            self.watched[mailbox] = time.monotonic()
            self.last_ok.pop(mailbox, None)
            self.last_error.pop(mailbox, None)

    def unwatch(self, mailbox: str) -> None:
        with self.lock:
            self.watched.pop(mailbox, None)

    def beat(self, error: str = "") -> None:
        """The lease heartbeat reached the database (no error) or not."""
        with self.lock:
            if error:
                self.beat_error = error
            else:
                self.last_beat, self.beat_error = time.monotonic(), ""

    def fetch_ok(self, mailbox: str, fetched: int, quarantined: int, tags: Iterable[tuple[str, int]]) -> None:
        with self.lock:
            self.last_ok[mailbox] = time.monotonic()
            self.last_error.pop(mailbox, None)
        if fetched:
            self.fetched.labels(mailbox).inc(fetched)
        if quarantined:
            self.quarantined.labels(mailbox).inc(quarantined)
        for tag, count in tags:
            self.tagged.labels(tag).inc(count)

    def fetch_failed(self, mailbox: str, error: str) -> None:
        with self.lock:
            self.last_error[mailbox] = error

    def sent(self, report: Counter[str]) -> None:
        if report["sent"] or report["found"]:
            self.sends.inc(report["sent"] + report["found"])
        if report["retry"] or report["failed"]:
            self.send_failures.inc(report["retry"] + report["failed"])

    # -- read by the endpoints -------------------------------------------------------

    def lag(self) -> dict[str, float]:
        now = time.monotonic()
        with self.lock:
            return {name: now - self.last_ok.get(name, since) for name, since in self.watched.items()}

    def failing(self) -> list[str]:
        """Mailboxes without a good fetch within the expected interval, each with why if known;
        then what stops drafts from being written."""
        with self.lock:
            errors = dict(self.last_error)
            silent, beat_error = time.monotonic() - self.last_beat, self.beat_error
        found = []
        if beat_error and silent > self.expected_seconds:
            found.append(f"database: no lease heartbeat for {silent:.0f} s ({beat_error})")
        for name, seconds in self.lag().items():
            if seconds > self.expected_seconds:
                reason = errors.get(name, "no fetch yet")
                found.append(f"{name}: no successful fetch for {seconds:.0f} s ({reason})")
        found += [f"drafting: {problem}" for problem in self.drafting.current()]
        return found


class _Lag(Collector):
    def __init__(self, health: Health) -> None:
        self.health = health

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "mailflow_fetch_lag_seconds",
            "Seconds since the mailbox's last successful fetch",
            labels=["mailbox"],
        )
        for name, seconds in self.health.lag().items():
            gauge.add_metric([name], seconds)
        yield gauge


class _Drafts(Collector):
    def __init__(self, counts: Any) -> None:
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily("mailflow_drafts", "Drafts in the database, by state", labels=["state"])
        for state, count in self.counts().items():
            gauge.add_metric([state], count)
        yield gauge
