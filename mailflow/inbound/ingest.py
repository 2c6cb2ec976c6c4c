"""Fetch -> process -> record for one folder, batch by batch, from the checkpoint on.

This is the unit of work both `run --once` and the daemon's folder watchers
repeat. The checkpoint only moves in the transaction that records the batch,
so whatever happens between two batches, nothing is lost and nothing doubled.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from mailflow.config.settings import ACKNOWLEDGE_WITHIN, MailboxSettings, Settings
from mailflow.inbound import workers
from mailflow.inbound.attachments import AttachmentStore
from mailflow.inbound.classify.classifier import describe_tagging
from mailflow.inbound.pipeline import Arrival, Failed, Processed
from mailflow.inbound.recording import record_batch, start_watching
from mailflow.mailservers.imap import FetchedMessage, FolderStatus
from mailflow.store.engine import Store

log = logging.getLogger(__name__)


def arrival_of(uid: int, arrived: datetime | None, watch_from_uid: int, now: datetime) -> Arrival:
    """History: in the folder before mailflow first synced it, or reached the server before the window.

    Decided by arrival, never by the Date header, which a wrong clock or a resend can put anywhere.
    """
    old = arrived is not None and arrived < now - ACKNOWLEDGE_WITHIN
    return Arrival(arrived, history=uid < watch_from_uid or old)


class MailSource(Protocol):
    """What ingest needs from a mail server (ImapConnection is the real one)."""

    def examine(self, folder: str) -> FolderStatus: ...
    def uids_after(self, last_uid: int) -> list[int]: ...
    def sizes(self, uids: Sequence[int]) -> dict[int, int]: ...
    def fetch(self, uids: Sequence[int]) -> dict[int, FetchedMessage]: ...


@dataclass
class SyncReport:
    fetched: int = 0
    recorded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    tags: Counter[str] = field(default_factory=Counter)  # for the metrics

    def add(self, other: SyncReport) -> None:
        self.fetched += other.fetched
        self.recorded += other.recorded
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.tags.update(other.tags)


class Ingest:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        # A missing or broken model stops mailflow here, at start-up, never silently mid-run.
        log.info("%s", describe_tagging(settings.rules))
        self.attachments = AttachmentStore.of(settings)

    def sync_folder(
        self,
        source: MailSource,
        mailbox: MailboxSettings,
        folder: str,
        sent_folder: bool = False,
        stop: threading.Event | None = None,
    ) -> SyncReport:
        """Process everything new in `folder`; stops between batches when `stop` is set."""
        status = source.examine(folder)
        state = self.store.folder_state(mailbox.name, folder)
        last_uid = watch_from = 0
        if state is not None and state.uidvalidity == status.uidvalidity:
            last_uid, watch_from = state.last_uid, state.watch_from_uid
        elif state is not None:
            # We were watching: what is not logged yet is judged by its arrival time alone.
            log.warning(
                "%s/%s: UIDVALIDITY changed %s -> %s; rescanning, duplicates are skipped",
                mailbox.name, folder, state.uidvalidity, status.uidvalidity,
            )  # fmt: skip
        uids = source.uids_after(last_uid)
        if state is None:
            # The first sync: what is in the folder now is the mailbox's history, logged, never answered.
            watch_from = status.uidnext or (max(uids) + 1 if uids else 1)
            if not uids:
                start_watching(self.store, mailbox.name, folder, status.uidvalidity, watch_from)
            log.info(
                "%s/%s: first sync; %d messages already there are history", mailbox.name, folder, len(uids)
            )
        # One message is a batch of its own whatever it weighs: no need to ask.
        sizes = source.sizes(uids) if len(uids) > 1 else {}
        batches = cut_batches(uids, sizes, self.settings.fetch.batch_size, self.settings.fetch.batch_bytes)
        parallel = self.settings.fetch.workers > 0 and len(batches) >= _PARALLEL_FROM_BATCHES
        run = self._run_parallel if parallel else self._run_inline
        target = _Target(mailbox, folder, status.uidvalidity, sent_folder, watch_from)
        return run(source, target, batches, stop)

    def _run_inline(
        self, source: MailSource, target: _Target, batches: list[list[int]], stop: threading.Event | None
    ) -> SyncReport:
        report = SyncReport()
        own, rules = self.settings.own_addresses, self.settings.rules
        for batch in batches:
            if stop is not None and stop.is_set():
                break
            raw_by_uid, arrivals = target.fetch(source, batch)
            messages = [(uid, raw_by_uid[uid]) for uid in batch if uid in raw_by_uid]
            done = workers.process_batch(
                messages, rules, own, self.attachments, target.sent, arrivals, self.settings.parse
            )
            del messages
            report.add(self._record(target, batch, raw_by_uid, *done))
            del raw_by_uid, done  # before the next batch is fetched, not after
        return report

    def _run_parallel(
        self, source: MailSource, target: _Target, batches: list[list[int]], stop: threading.Event | None
    ) -> SyncReport:
        """Fetch batch n+1 and commit batch n-1 while a worker parses and classifies batch n.

        Batches are committed strictly in order, so the checkpoint only moves
        forward over work that is done. If the workers cannot run (a broken pool,
        a host program without a main guard), the rest is done inline.
        """
        report = SyncReport()
        committed = 0
        in_flight: deque[tuple[list[int], dict[int, bytes], Future[_WorkerResult]]] = deque()
        own = self.settings.own_addresses
        try:
            with workers.pool(
                self.settings.fetch.workers, self.settings.rules, own, self.attachments, self.settings.parse
            ) as pool:
                for batch in batches:
                    if stop is not None and stop.is_set():
                        break
                    raw_by_uid, arrivals = target.fetch(source, batch)
                    messages = [(uid, raw_by_uid[uid]) for uid in batch if uid in raw_by_uid]
                    future = pool.submit(workers.process_and_save, messages, target.sent, arrivals)
                    # The raw bytes stay here until the batch is committed: a message the
                    # database refuses goes to quarantine with them.
                    in_flight.append((batch, raw_by_uid, future))
                    del raw_by_uid, messages
                    while len(in_flight) > self.settings.fetch.workers or (
                        in_flight and batch is batches[-1]
                    ):
                        done_batch, done_raw, done = in_flight.popleft()
                        report.add(self._record(target, done_batch, done_raw, *done.result()))
                        committed += 1
                        del done_raw, done  # not alive while the next batch is fetched
        except BrokenProcessPool:
            log.warning(
                "%s/%s: worker processes failed; continuing in this process",
                target.mailbox.name,
                target.folder,
            )
            report.add(self._run_inline(source, target, batches[committed:], stop))
        return report

    def _record(
        self,
        target: _Target,
        batch: list[int],
        raw_by_uid: dict[int, bytes],
        results: list[Processed | Failed],
        stored: dict[str, bool],
    ) -> SyncReport:
        outcome = record_batch(
            self.store,
            target.mailbox.name,
            target.folder,
            target.uidvalidity,
            results,
            stored,
            max(batch),
            raw_by_uid,
            target.watch_from,
            self.settings.cases,
            self.settings.colleague_addresses,
        )
        tags = Counter(
            tag for item in results if isinstance(item, Processed) for tag in item.classification.tags
        )
        return SyncReport(len(results), outcome.recorded, outcome.duplicates, outcome.quarantined, tags)

    def save_attachments(self, results: Sequence[Processed | Failed]) -> dict[str, bool]:
        return workers.save_all(self.attachments, results)


def cut_batches(
    uids: Sequence[int], sizes: Mapping[int, int], max_count: int, max_bytes: int
) -> list[list[int]]:
    """UIDs in order, in batches of at most `max_count` messages and `max_bytes` raw bytes.

    A message bigger than `max_bytes` is a batch of its own. A UID without a size
    (expunged since SEARCH) weighs nothing: the fetch will not find it either.
    """
    batches: list[list[int]] = []
    batch: list[int] = []
    weight = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= max_count or weight + size > max_bytes):
            batches.append(batch)
            batch, weight = [], 0
        batch.append(uid)
        weight += size
    if batch:
        batches.append(batch)
    return batches


_WorkerResult = tuple[list[Processed | Failed], dict[str, bool]]


@dataclass(frozen=True)
class _Target:
    mailbox: MailboxSettings
    folder: str
    uidvalidity: int
    sent: bool
    watch_from: int  # the folder's UIDNEXT at mailflow's first sync: mail below it is history

    def fetch(self, source: MailSource, batch: list[int]) -> tuple[dict[int, bytes], dict[int, Arrival]]:
        """The batch's raw bytes and arrivals by UID."""
        fetched = source.fetch(batch)
        now = datetime.now(UTC)
        raw = {uid: message.raw for uid, message in fetched.items()}
        arrivals = {uid: arrival_of(uid, m.arrived, self.watch_from, now) for uid, m in fetched.items()}
        return raw, arrivals


# Starting a worker costs a few hundred milliseconds: only worth it for a real backlog.
_PARALLEL_FROM_BATCHES = 4
