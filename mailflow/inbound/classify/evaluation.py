"""How well tagging does on labelled corpus messages: the figures bench/tagging.py prints.

Each message goes the way real mail goes, as bytes through parse -> guard ->
classify, so the figures judge what a buyer's mail really gets.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from mailflow.config.rules import PAYMENT_KINDS, TAGS, RuleSet
from mailflow.inbound import guard
from mailflow.inbound.classify.classifier import classify
from mailflow.inbound.classify.corpus import LabelledMessage, as_rfc822
from mailflow.inbound.message import Classification
from mailflow.inbound.parsing.parse import parse


@dataclass
class Counts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, predicted: bool, labelled: bool) -> None:
        self.true_positive += predicted and labelled
        self.false_positive += predicted and not labelled
        self.false_negative += labelled and not predicted

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 0.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass
class Figures:
    messages: int = 0
    complaint: Counts = field(default_factory=Counts)
    tags: dict[str, Counts] = field(default_factory=lambda: {tag: Counts() for tag in TAGS})
    complaints: int = 0
    category_found: int = 0
    severity_right: int = 0
    payments: int = 0
    payment_right: int = 0
    language_right: int = 0
    automatic: int = 0
    automatic_clean: int = 0  # tagged automatic, and no complaint tag
    by_language: dict[str, Counts] = field(default_factory=dict)
    seconds: float = 0.0  # in classify() alone
    misses: list[str] = field(default_factory=list)

    def ratio(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    def summary(self) -> dict[str, float]:
        """The headline figures, the ones the README records and the regression test guards."""
        return {
            "complaint precision": self.complaint.precision,
            "complaint recall": self.complaint.recall,
            "complaint F1": self.complaint.f1,
            "main category in the predicted set": self.ratio(self.category_found, self.complaints),
            "payment kind": self.ratio(self.payment_right, self.payments),
            "severity on complaints": self.ratio(self.severity_right, self.complaints),
            "language": self.ratio(self.language_right, self.messages),
            "automatic tagged automatic, no complaint": self.ratio(self.automatic_clean, self.automatic),
        }


def evaluate(
    messages: Sequence[LabelledMessage], rules: RuleSet, thorough: bool = True, into: Figures | None = None
) -> Figures:
    """`thorough`: as new mail that may get a reply is tagged; False: as history is. `into`: figures
    to add to (tools/tagging_cv.py sums its folds)."""
    figures = into if into is not None else Figures()
    for message in messages:
        mail = parse(as_rfc822(message))
        verdict = guard.check(mail, frozenset({"sales@mailflow-team.example"}))
        started = time.perf_counter()
        result = classify(mail, rules, automatic=verdict.automatic, thorough=thorough)
        figures.seconds += time.perf_counter() - started
        _score(figures, message, result)
    return figures


def _score(figures: Figures, message: LabelledMessage, result: Classification) -> None:
    # The corpus labels categories, not their kinds: `detail:` tags are judged by their own tests
    # (tests/inbound/classify/test_details.py), so the figures here stay comparable.
    predicted = {tag for tag in result.tags if not tag.startswith("detail:")}
    figures.messages += 1
    said_complaint = any(tag.startswith("complaint:") for tag in predicted)
    figures.complaint.add(said_complaint, message.complaint)
    for tag, counts in figures.tags.items():
        counts.add(tag in predicted, tag in message.tags)
    figures.by_language.setdefault(message.language, Counts()).add(said_complaint, message.complaint)
    figures.language_right += result.language == message.language
    if message.complaint:
        figures.complaints += 1
        figures.category_found += message.main_category in predicted
        figures.severity_right += result.severity == message.severity
    wanted_payment = {tag for tag in message.tags if tag in PAYMENT_KINDS}
    if wanted_payment:
        figures.payments += 1
        figures.payment_right += wanted_payment <= predicted
    if "automatic" in message.tags:
        figures.automatic += 1
        figures.automatic_clean += "automatic" in predicted and not said_complaint
    if said_complaint != message.complaint:
        kind = "missed" if message.complaint else "false alarm"
        figures.misses.append(
            f"{message.id} ({message.language}): {kind}; labelled {list(message.tags)}, "
            f"got {sorted(predicted)}"
        )
