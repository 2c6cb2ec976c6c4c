"""Why drafts could not be written: each cause logged once while it lasts, and counted for /healthz.

A broken or missing template stops every draft that needs it, at every round:
logging it per case and per tick would bury the one line that matters. A
drafting round (the acknowledgements after new mail, a schedule tick) reports
each failed item here; a cause is logged as an error the first time a round
meets it, then only counted, and logged as fixed after a round of the same
source no longer meets it. The failed items stay due: fixing the template is
enough, nothing has to be replayed. Thread-safe: watchers and ticks share one.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class DraftingProblems:
    def __init__(self, logged: bool = True) -> None:
        self.logged = logged  # False: the caller reports current() itself (`run --once`)
        self._lock = threading.Lock()
        # source -> cause -> the items it stopped in the source's latest complete round.
        self._open: dict[str, dict[str, list[str]]] = {}

    def begin(self, source: str, failing: str = "not drafted") -> DraftingRound:
        """A round of `source` ("acknowledgements", "schedule"); `failing` says what an item missed."""
        return DraftingRound(self, source, failing)

    def current(self) -> list[str]:
        """One line per open cause: 'acknowledgements: no template for ack (...) (case 7, case 9)'."""
        with self._lock:
            found = [
                (source, cause, list(items))
                for source, causes in sorted(self._open.items())
                for cause, items in sorted(causes.items())
            ]
        return [f"{source}: {cause} {_items(items)}" for source, cause, items in found]

    def _settle(self, source: str, failing: str, seen: dict[str, list[str]], complete: bool) -> None:
        with self._lock:
            before = self._open.get(source, {})
            # A round cut short saw only part of what is due: it may add causes, never clear one.
            now = dict(seen) if complete else {**before, **seen}
            self._open[source] = now
        if not self.logged:
            return
        for cause, items in seen.items():
            if cause not in before:
                log.error("%s: %s: %s %s; logged once until fixed", source, failing, cause, _items(items))
        for cause in before:
            if cause not in now:
                log.info("%s: fixed: %s", source, cause)


class DraftingRound:
    """The failures of one drafting round; `finish` hands them over."""

    def __init__(self, problems: DraftingProblems, source: str, failing: str) -> None:
        self.problems, self.source, self.failing = problems, source, failing
        self.failures: dict[str, list[str]] = {}

    def failed(self, item: str, problem: Exception) -> None:
        # The cause is the problem's own words (a template's name and error, a header's name):
        # the same for every item it stops, and never the buyer's text.
        cause = str(problem)
        self.failures.setdefault(cause, []).append(item)
        log.debug("%s: %s: %s", item, self.failing, cause)

    def finish(self, complete: bool = True) -> None:
        self.problems._settle(self.source, self.failing, self.failures, complete)


def _items(items: list[str]) -> str:
    """(case 3, case 5) or (case 3, case 5, case 8, ...: 12 in all)."""
    shown = ", ".join(items[:3])
    return f"({shown}, ...: {len(items)} in all)" if len(items) > 3 else f"({shown})"
