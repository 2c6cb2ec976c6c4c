"""Parsing and classifying a big backlog in worker processes, next to the fetching one.

The pure stages are CPU work; on a machine with two cores the main process can
fetch the next batch and commit the previous one while a worker parses and
classifies the current one. Workers are started with `spawn` (no fork of a
threaded daemon), get the rules once through their initializer, save
attachments themselves and send back results without attachment payloads.
A batch done in the main process goes the same way (`process_batch`).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from mailflow.config.parse_limits import DEFAULT_LIMITS, ParseLimits
from mailflow.config.rules import RuleSet
from mailflow.inbound.attachments import AttachmentBatch, AttachmentStore
from mailflow.inbound.pipeline import Arrival, Failed, Processed, process

_state: dict[str, object] = {}


def _init(
    rules: RuleSet, own: frozenset[str], limits: ParseLimits, attachments_root: Path, max_bytes: int
) -> None:
    _state["rules"], _state["own"], _state["limits"] = rules, own, limits
    _state["attachments"] = AttachmentStore(attachments_root, max_bytes)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A parent killed with SIGKILL cannot stop its workers: they notice and leave by themselves."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def process_and_save(
    messages: Sequence[tuple[int, bytes]], sent_folder: bool, arrivals: Mapping[int, Arrival]
) -> tuple[list[Processed | Failed], dict[str, bool]]:
    """The pure stages plus attachment storage for one batch; runs in a worker."""
    rules, own, attachments = _state["rules"], _state["own"], _state["attachments"]
    limits = _state["limits"]
    assert (
        isinstance(rules, RuleSet) and isinstance(own, frozenset) and isinstance(attachments, AttachmentStore)
    )
    assert isinstance(limits, ParseLimits)
    return process_batch(messages, rules, own, attachments, sent_folder, arrivals, limits)


def process_batch(
    messages: Sequence[tuple[int, bytes]],
    rules: RuleSet,
    own: frozenset[str],
    attachments: AttachmentStore,
    sent_folder: bool,
    arrivals: Mapping[int, Arrival],
    limits: ParseLimits = DEFAULT_LIMITS,
) -> tuple[list[Processed | Failed], dict[str, bool]]:
    """Each message through the pure stages, its attachments saved and their payloads let go at once.

    So only one message's decoded attachments are alive at a time, not a whole batch's:
    six 25 MB attachments would otherwise add 110 MB to the batch's raw bytes.
    """
    results: list[Processed | Failed] = []
    stored: dict[str, bool] = {}
    with attachments.batch() as saving:
        for uid, raw in messages:
            result = process(uid, raw, rules, own, sent_folder, arrivals.get(uid), limits)
            _save(saving, result, stored)
            results.append(_without_payloads(result))
    return results, stored


def save_all(attachments: AttachmentStore, results: Sequence[Processed | Failed]) -> dict[str, bool]:
    stored: dict[str, bool] = {}
    with attachments.batch() as saving:
        for result in results:
            _save(saving, result, stored)
    return stored


def _save(saving: AttachmentBatch, result: Processed | Failed, stored: dict[str, bool]) -> None:
    """Each attachment not saved yet; `stored` says, per SHA-256, whether its bytes are (at the flush) on disk."""
    if isinstance(result, Processed):
        for attachment in result.mail.attachments:
            if attachment.sha256 not in stored:
                stored[attachment.sha256] = saving.add(attachment)


def _without_payloads(result: Processed | Failed) -> Processed | Failed:
    """Attachment bytes are on disk by now; keeping them, or sending them back, would only cost memory."""
    if isinstance(result, Failed) or not result.mail.attachments:
        return result
    light = tuple(replace(attachment, payload=b"") for attachment in result.mail.attachments)
    return replace(result, mail=replace(result.mail, attachments=light))


def pool(
    workers: int, rules: RuleSet, own: frozenset[str], attachments: AttachmentStore, limits: ParseLimits
) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init,
        initargs=(rules, own, limits, attachments.root, attachments.max_bytes),
    )
