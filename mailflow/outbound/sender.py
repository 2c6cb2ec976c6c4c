"""The send loop: claimed drafts out over SMTP, one connection per mailbox and batch.

Order for each draft, chosen so a crash can never send it twice unnoticed:
  1. the server says 250;
  2. a copy goes into the mailbox's Sent folder (unless smtp.save_sent = false:
     the provider files it there itself);
  3. the batch's outcomes are committed.
A process killed after 2 leaves the draft 'sending'; the next sender finds it
abandoned (send.claim_timeout_seconds), looks its Message-ID up in the
contact log and the Sent folder, and records it as sent instead of sending it
again. What remains is the moment between 1 and 2 (one APPEND): SMTP has no
way to ask a server whether it already has a message.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from mailflow.config.settings import MailboxSettings, Settings
from mailflow.drafts.headers import UnsafeHeader
from mailflow.errors import MailflowError
from mailflow.inbound.attachments import AttachmentStore
from mailflow.ledger.business_hours import Place, next_open
from mailflow.mailservers.imap import ImapConnection
from mailflow.mailservers.outgoing import Outgoing
from mailflow.mailservers.smtp import SendFailed, SmtpConnection, dead_addresses, partly_refused
from mailflow.outbound.claimed import AttachedFile, ClaimedDraft
from mailflow.outbound.compose import outgoing_message
from mailflow.outbound.outcome import Outcome, after_failure, sent
from mailflow.outbound.send_queue import SendQueue
from mailflow.outbound.send_round import SendRound
from mailflow.store.engine import Store

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")

_DEFAULT_SENT = "Sent"


class Sender:
    """Sends what is approved; safe to run in several threads or processes at once."""

    def __init__(self, settings: Settings, store: Store, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.queue = SendQueue(store)
        self.stop = stop or threading.Event()
        # Drafts of a mailbox without SMTP settings stay approved until it has some.
        self.mailboxes = {box.name: box for box in settings.mailboxes if box.smtp is not None}

    def run_until_empty(self) -> Counter[str]:
        """Send batch after batch until nothing approved is due; counts by outcome.

        The connections stay open for the whole round, and a second thread does the
        database's share while the SMTP server answers: it claims the next batch while
        this one is on the wire, and commits a batch's outcomes while the next one is.
        """
        return self._round(until_empty=True)

    def run_batch(self, recover: bool = True) -> Counter[str]:
        """One claimed batch (drafts abandoned by a crash first, when `recover`), sent and recorded."""
        return self._round(until_empty=False, recover=recover)

    def _round(self, until_empty: bool, recover: bool = True) -> Counter[str]:
        send = self.settings.send
        names = list(self.mailboxes)

        def claim() -> list[ClaimedDraft]:
            return self.queue.claim(names, datetime.now(UTC), send.batch_size)

        deliveries: dict[str, _MailboxDelivery] = {}
        round_ = SendRound(self.queue, send.claim_timeout_seconds / 3)
        totals: Counter[str] = Counter()
        try:
            # Abandoned drafts are looked at once per round: one whose Sent folder cannot be
            # checked stays 'sending', and must not be claimed again and again.
            unsure = recover and bool(round_.claim(self._abandoned))
            if not unsure:
                round_.claim(claim)
            while drafts := round_.next():
                if until_empty and not self.stop.is_set():
                    round_.claim_ahead(claim)
                totals.update(self._batch(drafts, unsure, deliveries, round_))
                unsure = False
                if self.stop.is_set():
                    totals["released"] += round_.release_ahead()
                    break
        finally:
            try:
                round_.finish()
            finally:
                for delivery in deliveries.values():
                    delivery.close()
        return +totals

    def _abandoned(self) -> list[ClaimedDraft]:
        now = datetime.now(UTC)
        stale_before = now - timedelta(seconds=self.settings.send.claim_timeout_seconds)
        return self.queue.claim_abandoned(
            list(self.mailboxes), stale_before, now, self.settings.send.batch_size
        )

    def _batch(
        self,
        drafts: list[ClaimedDraft],
        unsure: bool,
        deliveries: dict[str, _MailboxDelivery],
        round_: SendRound,
    ) -> Counter[str]:
        report: Counter[str] = Counter()
        by_mailbox: dict[str, list[ClaimedDraft]] = {}
        for draft in drafts:
            by_mailbox.setdefault(draft.mailbox, []).append(draft)
        for name, group in by_mailbox.items():
            if name not in deliveries:
                deliveries[name] = _MailboxDelivery(
                    self.mailboxes[name], self.settings, self.queue, self.stop
                )
            outcomes = deliveries[name].deliver(group, unsure, round_.keep_claims)
            round_.record(outcomes, {draft.id: draft for draft in group}, datetime.now(UTC))
            report.update(outcome.result for outcome in outcomes)
            report["unsure"] += len(group) - len(outcomes)
        return report


class _MailboxDelivery:
    """One mailbox's share of a batch: at most one SMTP and one IMAP connection."""

    def __init__(
        self, mailbox: MailboxSettings, settings: Settings, queue: SendQueue, stop: threading.Event
    ) -> None:
        assert mailbox.smtp is not None
        self.mailbox, self.settings, self.queue, self.stop = mailbox, settings, queue, stop
        self.save_sent = mailbox.smtp.save_sent
        self.attachments = AttachmentStore.of(settings)
        self.smtp: SmtpConnection | None = None
        self.imap: ImapConnection | None = None
        self.sent_folder: str | None = None

    def deliver(
        self, drafts: list[ClaimedDraft], unsure: bool, keep_claims: Callable[[], None]
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if unsure:
            drafts = self._not_yet_sent(drafts, outcomes)
        drafts = self._in_business_hours(drafts, outcomes)
        drafts = self._not_bounced(drafts, outcomes)
        for index, draft in enumerate(drafts):
            if self.stop.is_set():
                now = datetime.now(UTC)
                outcomes += [Outcome(left.id, "released", now) for left in drafts[index:]]
                break
            keep_claims()  # a long batch, or one that waited its turn, must not look abandoned
            try:
                smtp = self._smtp()
            except SendFailed as exc:
                # Not the drafts' fault, whatever the code: every one left waits for a retry.
                log.error("%s; %d draft(s) wait for a retry", exc, len(drafts) - index)
                outcomes += [self._failed(left, str(exc), permanent=False) for left in drafts[index:]]
                break
            outcomes.append(self._send(smtp, draft))
        return outcomes

    def _send(self, smtp: SmtpConnection, draft: ClaimedDraft) -> Outcome:
        now = datetime.now(UTC)
        files, missing = self._files(draft)
        try:
            message = outgoing_message(draft, now, files)
            refused = smtp.send(message)
        except UnsafeHeader as exc:
            return self._failed(draft, f"unsafe header: {exc}", permanent=True)
        except SendFailed as exc:
            self._close_smtp()  # the server's state is unknown: the next draft gets a fresh connection
            return self._failed(draft, str(exc), exc.permanent, exc.refused)
        folder, copy_note = self._save_copy(message, now)
        note = "; ".join(text for text in (partly_refused(refused), copy_note, missing) if text)
        audit.info("<%s> sent to %s (draft %s)", draft.message_id, ", ".join(draft.to), draft.id)
        return sent(draft.id, draft.attempts, now, folder, note, dead_addresses(refused))

    def _files(self, draft: ClaimedDraft) -> tuple[list[tuple[AttachedFile, bytes]], str]:
        """The draft's files with their bytes, read now: one message's photos in memory at a time.

        A file gone from disk is no reason to keep colleagues from the rest: it is named in the draft's history.
        """
        if not draft.attachments:
            return [], ""
        files, missing = [], []
        for file in draft.attachments:
            try:
                files.append((file, self.attachments.path_for(file.sha256).read_bytes()))
            except OSError as exc:
                log.warning(
                    "<%s> draft %s: %s not attached: %s", draft.message_id, draft.id, file.filename, exc
                )
                missing.append(file.filename)
        return files, f"sent without {', '.join(missing)}: not found on disk" if missing else ""

    def _failed(
        self, draft: ClaimedDraft, error: str, permanent: bool, bounced: tuple[str, ...] = ()
    ) -> Outcome:
        outcome = after_failure(
            draft.id, draft.attempts, error, permanent, datetime.now(UTC), self.settings.send, bounced
        )
        if outcome.result == "failed":
            log.error("<%s> draft %s failed: %s", draft.message_id, draft.id, outcome.detail)
        else:
            when = outcome.next_attempt_at
            log.warning("<%s> draft %s: %s; retrying at %s", draft.message_id, draft.id, error, when)
        return outcome

    def _not_bounced(self, drafts: list[ClaimedDraft], outcomes: list[Outcome]) -> list[ClaimedDraft]:
        """A known-dead address only earns another bounce: such drafts fail until a person clears it."""
        alive: list[ClaimedDraft] = []
        for draft in drafts:
            if not draft.bounced:  # read with the claim
                alive.append(draft)
                continue
            dead = ", ".join(draft.bounced)
            reason = f"{dead} bounced before: `mailflow bounces clear` it, then approve the draft again"
            outcomes.append(self._failed(draft, reason, permanent=True))
        return alive

    def _in_business_hours(self, drafts: list[ClaimedDraft], outcomes: list[Outcome]) -> list[ClaimedDraft]:
        """Scheduled mail waits for the customer's business hours, however late it was approved."""
        if not any(draft.place for draft in drafts):  # read with the claim
            return drafts
        schedule = self.settings.schedule
        now = datetime.now(UTC)
        ready: list[ClaimedDraft] = []
        for draft in drafts:
            place = draft.place
            if place is not None and not place.timezone:
                place = Place(schedule.default_timezone, place.country)
            opens = next_open(now, place, schedule.hours) if place is not None else now
            if opens > now:
                outcomes.append(
                    Outcome(draft.id, "later", now, attempts=draft.attempts, next_attempt_at=opens)
                )
            else:
                ready.append(draft)
        return ready

    # -- recovering what a crash left 'sending' ------------------------------

    def _not_yet_sent(self, drafts: list[ClaimedDraft], outcomes: list[Outcome]) -> list[ClaimedDraft]:
        """Drafts the contact log and the Sent folder do not know; the others are recorded as sent."""
        logged = self.queue.logged(draft.message_id for draft in drafts)
        missing: list[ClaimedDraft] = []
        for draft in drafts:
            mid = draft.message_id
            try:
                went = mid in logged or self._in_sent_folder(mid)
            except MailflowError as exc:
                # Not knowing is no reason to send twice: it stays 'sending', looked at again later.
                log.warning("<%s> cannot check the Sent folder (%s); not resending yet", mid, exc)
                self._close_imap()
                continue
            if went:
                log.info("<%s> draft %s was sent before a restart; not sending it again", mid, draft.id)
                note = "found in the contact log or Sent after a restart; not sent again"
                attempts = draft.attempts or 1
                found = Outcome(draft.id, "found", datetime.now(UTC), note, attempts, None, self.sent_folder)
                outcomes.append(found)
            else:
                missing.append(draft)
        return missing

    def _in_sent_folder(self, message_id: str) -> bool:
        imap = self._imap()
        folder = self.sent_folder or imap.special_folder(b"\\Sent")
        if folder is None:
            return False
        self.sent_folder = folder
        return imap.has_message_id(folder, message_id)

    # -- connections ---------------------------------------------------------

    def _smtp(self) -> SmtpConnection:
        if self.smtp is None:
            smtp = SmtpConnection(self.mailbox, self.settings.send.timeout_seconds)
            smtp.connect()
            self.smtp = smtp
        return self.smtp

    def _imap(self) -> ImapConnection:
        if self.imap is None:
            imap = ImapConnection(self.mailbox, self.settings.fetch)
            imap.connect()
            self.imap = imap
        return self.imap

    def _save_copy(self, message: Outgoing, now: datetime) -> tuple[str | None, str]:
        """Append to Sent; a failure is noted on the draft but never undoes a send."""
        if not self.save_sent:
            return None, ""
        try:
            imap = self._imap()
            if self.sent_folder is None:
                self.sent_folder = imap.special_folder(b"\\Sent") or self._create_sent(imap)
            imap.append(self.sent_folder, message.raw, now)
        except MailflowError as exc:
            log.warning("<%s> sent, but no copy in the Sent folder: %s", message.message_id, exc)
            self._close_imap()
            return None, f"no copy in the Sent folder: {exc}"
        return self.sent_folder, ""

    def _create_sent(self, imap: ImapConnection) -> str:
        log.info("mailbox %s has no Sent folder; creating %r", self.mailbox.name, _DEFAULT_SENT)
        imap.create_folder(_DEFAULT_SENT)
        return _DEFAULT_SENT

    def _close_smtp(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            smtp.close()

    def _close_imap(self) -> None:
        imap, self.imap = self.imap, None
        if imap is not None:
            imap.close()

    def close(self) -> None:
        self._close_smtp()
        self._close_imap()


def describe(report: Counter[str]) -> str:
    parts = [f"{report[key]} {label}" for key, label in _LABELS if report[key]]
    return ", ".join(parts) or "nothing to send"


_LABELS: Sequence[tuple[str, str]] = (
    ("sent", "sent"),
    ("found", "found already sent"),
    ("retry", "to retry"),
    ("failed", "failed"),
    ("unsure", "left to check"),
    ("released", "put back"),
    ("later", "waiting for business hours"),
)
