"""The batch transaction: what a batch of messages produced, and the folder's checkpoint, in ONE commit.

A crash either keeps both or neither. Unique keys on the Message-ID (or
raw-bytes hash) and on (mailbox, folder, uidvalidity, uid) make replaying a
batch harmless; the rows themselves are built and written by the BatchWriter.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from mailflow.config.cases import DEFAULT_CASES, CaseSettings
from mailflow.inbound.batch_writer import REFUSED_DATA, BatchOutcome, BatchWriter
from mailflow.inbound.pipeline import Failed, Processed
from mailflow.store.engine import Store
from mailflow.store.models import Checkpoint, QuarantinedMessage, utcnow

log = logging.getLogger(__name__)


def record_batch(
    store: Store,
    mailbox: str,
    folder: str,
    uidvalidity: int,
    results: Sequence[Processed | Failed],
    stored: dict[str, bool],
    last_uid: int,
    raw: Mapping[int, bytes] | None = None,
    watch_from_uid: int = 0,
    cases: CaseSettings = DEFAULT_CASES,
    colleagues: frozenset[str] = frozenset(),
) -> BatchOutcome:
    """Record a batch and move the checkpoint to `last_uid`, all or nothing.

    `stored` says, per attachment SHA-256, whether its bytes are on disk. When
    the database refuses the batch as a whole (another process recorded one of
    its messages a moment ago, or one message has data it will not take), the
    batch is redone message by message in savepoints: duplicates are skipped,
    and a message the database still refuses goes to quarantine with its raw
    bytes (`raw`, by UID), so one bad message can never block the folder. A
    database that is down (OperationalError) is not the messages' fault: that
    propagates, and the batch is retried later as a whole. `watch_from_uid` is kept
    with a new checkpoint: the folder's UIDNEXT when mailflow first synced it. A buyer's
    complaint within [cases] reopen_days of a case's resolution reopens it (`cases`);
    mail from `colleagues` (Settings.colleague_addresses) makes no customer and opens no case.
    """
    try:
        with store.sessions.begin() as session:
            writer = BatchWriter(session, mailbox, folder, uidvalidity, stored, raw or {}, cases, colleagues)
            outcome = writer.record_all(results, savepoints=False)
            _advance(session, mailbox, folder, uidvalidity, last_uid, watch_from_uid)
            return outcome
    except REFUSED_DATA as exc:
        log.info("%s/%s: batch refused (%s); recording one by one", mailbox, folder, type(exc).__name__)
    with store.sessions.begin() as session:
        writer = BatchWriter(session, mailbox, folder, uidvalidity, stored, raw or {}, cases, colleagues)
        outcome = writer.record_all(results, savepoints=True)
        _advance(session, mailbox, folder, uidvalidity, last_uid, watch_from_uid)
        return outcome


def resolve_quarantine(
    store: Store,
    quarantine_id: int,
    result: Processed | Failed,
    stored: dict[str, bool],
    cases: CaseSettings = DEFAULT_CASES,
    colleagues: frozenset[str] = frozenset(),
) -> BatchOutcome:
    """Record a retried message; on success the quarantine entry is closed, else its reason updated."""
    with store.sessions.begin() as session:
        row = session.get(QuarantinedMessage, quarantine_id)
        if row is None:
            return BatchOutcome(0, 0, 0)
        if isinstance(result, Failed):
            row.reason = result.reason
            row.attempts += 1
            return BatchOutcome(0, 0, 1)
        recorder = BatchWriter(
            session,
            row.mailbox,
            row.folder,
            row.uidvalidity,
            stored,
            {row.uid: row.raw},
            cases,
            colleagues,
        )
        outcome = recorder.record_all([result], savepoints=True)
        row.resolved_at = utcnow()
        return outcome


def start_watching(store: Store, mailbox: str, folder: str, uidvalidity: int, watch_from_uid: int) -> None:
    """The checkpoint of a folder first synced while empty: what arrives from now on is new mail."""
    with store.sessions.begin() as session:
        _advance(session, mailbox, folder, uidvalidity, 0, watch_from_uid)


def _advance(
    session: Session, mailbox: str, folder: str, uidvalidity: int, last_uid: int, watch_from_uid: int = 0
) -> None:
    row = session.get(Checkpoint, (mailbox, folder))
    if row is None:
        session.add(
            Checkpoint(
                mailbox=mailbox,
                folder=folder,
                uidvalidity=uidvalidity,
                last_uid=last_uid,
                watch_from_uid=watch_from_uid,
            )
        )
        return
    if row.uidvalidity != uidvalidity:
        row.uidvalidity, row.last_uid, row.watch_from_uid = uidvalidity, last_uid, watch_from_uid
    else:
        row.last_uid = max(row.last_uid, last_uid)
    row.updated_at = utcnow()
