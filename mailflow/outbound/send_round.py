"""The database's side of one send round, done by a second thread while SMTP is busy.

Sending a draft is mostly waiting for the SMTP server; so is a claim or a commit
waiting for the database. A second thread claims the next batch while this one
is on the wire and commits a batch's outcomes while the next one is, so the
database's share hides in the SMTP round trips. The order stays what makes a
crash harmless (sender.py, beside this): commits run in order, at most one behind the
sending, and every message one covers is in the Sent folder already.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from mailflow.outbound.claimed import ClaimedDraft
from mailflow.outbound.outcome import Outcome
from mailflow.outbound.send_queue import SendQueue

Drafts = list[ClaimedDraft]


class SendRound:
    """Claims ahead and commits behind; keeps the claims of the drafts it holds fresh.

    A draft is held from its claim until its outcome is handed to record(). Held
    drafts are renewed every `renew_every` seconds (a third of claim_timeout), so
    that no other sender takes a batch waiting its turn for an abandoned one.
    """

    def __init__(self, queue: SendQueue, renew_every: float) -> None:
        self.queue, self.renew_every = queue, renew_every
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="send-db")
        self.claimed: Future[tuple[Drafts, float]] | None = None
        self.commits: list[Future[None]] = []
        self.held: set[int] = set()
        self.held_ahead: Future[tuple[Drafts, float]] | None = None  # the claim ahead, once held
        self.renewed = 0.0  # monotonic: the oldest claim or renewal among the held drafts
        _quick_handover.enter()

    def claim(self, claim: Callable[[], Drafts]) -> Drafts:
        """Claims and waits for the batch; next() hands it over."""
        self.claim_ahead(claim)
        assert self.claimed is not None
        return self.claimed.result()[0]

    def claim_ahead(self, claim: Callable[[], Drafts]) -> None:
        self.claimed = self.pool.submit(_timed, claim)

    def next(self) -> Drafts:
        """The batch claimed last, now held; empty when there was nothing to claim."""
        claimed, self.claimed = self.claimed, None
        if claimed is None:
            return []
        drafts, at = claimed.result()
        if claimed is not self.held_ahead:
            self._hold(drafts, at)
        return drafts

    def keep_claims(self) -> None:
        self._hold_ahead()
        if self.held and time.monotonic() - self.renewed > self.renew_every:
            self.queue.renew(self.held, datetime.now(UTC))
            self.renewed = time.monotonic()

    def _hold_ahead(self) -> None:
        """The batch claimed ahead is held from the moment its claim is done, not from its turn.

        On a slow server it waits a whole batch for its turn; unrenewed, it would look
        abandoned to another sender before it is tried.
        """
        claimed = self.claimed
        if claimed is None or claimed is self.held_ahead or not claimed.done():
            return  # checked before every message: a batch claimed ahead is held once
        if claimed.exception() is None:  # a failed claim is raised by next()
            self.held_ahead = claimed
            self._hold(*claimed.result())

    def _hold(self, drafts: Drafts, at: float) -> None:
        if drafts:
            self.renewed = min(self.renewed, at) if self.held else at
            self.held.update(draft.id for draft in drafts)

    def record(self, outcomes: list[Outcome], drafts: dict[int, ClaimedDraft], now: datetime) -> None:
        self.held.difference_update(drafts)
        while self.commits:  # the previous batch's commit ran while this batch was sent
            self.commits.pop(0).result()  # a failed commit (database gone) stops the round here
        self.commits.append(self.pool.submit(self.queue.record, outcomes, drafts, now))

    def release_ahead(self) -> int:
        """A batch claimed ahead and never tried goes back to approved; how many drafts it held."""
        left = self.next()
        if left:
            now = datetime.now(UTC)
            released = [Outcome(draft.id, "released", now) for draft in left]
            self.record(released, {draft.id: draft for draft in left}, now)
        return len(left)

    def finish(self) -> None:
        """Waits for the commits, after releasing what was claimed ahead (the round ended early)."""
        try:
            self.release_ahead()
        finally:
            try:
                self.pool.shutdown(wait=True)
            finally:
                _quick_handover.leave()
            for future in self.commits:
                future.result()


def _timed(claim: Callable[[], Drafts]) -> tuple[Drafts, float]:
    at = time.monotonic()  # before the claim: its claimed_at is no older than this
    return claim(), at


class _QuickHandover:
    """While a round runs, the interpreter lock changes hands every 0.1 ms instead of every 5 ms.

    After each SMTP reply the sending thread needs the lock back, and the database
    thread may be holding it: processing a claimed batch's rows is pure Python for a
    few milliseconds. By default Python makes the waiting thread wait up to 5 ms,
    while the SMTP server sits idle. The setting is the whole process's, so it is
    counted: the last round to finish puts back what was there before.
    """

    INTERVAL = 0.0001

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rounds = 0
        self.before = sys.getswitchinterval()

    def enter(self) -> None:
        with self.lock:
            if self.rounds == 0:
                self.before = sys.getswitchinterval()
                sys.setswitchinterval(min(self.before, self.INTERVAL))
            self.rounds += 1

    def leave(self) -> None:
        with self.lock:
            self.rounds -= 1
            if self.rounds == 0:
                sys.setswitchinterval(self.before)


_quick_handover = _QuickHandover()
