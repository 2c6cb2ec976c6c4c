"""The thorough tier's last step: per output, a small logistic regression over the three tiers' log-odds.

An average would trust the n-gram tier, the whole-text embedding and the best
sentence alike, for every output. The stacker learns, per output, how far each
tier is to be trusted, and across outputs (a sure payment message is less likely
a complaint). It is fitted on out-of-fold probabilities of the training split
(each tier refitted five times without a fifth of it), so it learns how the
tiers do on mail they were not trained on; its thresholds are then chosen on
those rows and dev's together (classify/training).
Chosen by 5-fold cross-validation over train and dev (913 messages), rules OR
model: complaint F1 0.866 -> 0.887 (precision 0.79 -> 0.83), payment kind
0.845 -> 0.860, category 0.891 either way. Log-odds rather than probabilities
as its inputs (tools/tagging_cv.py, 1,633 messages): complaint F1 0.855 -> 0.871,
severity 0.769 -> 0.788, category 0.881 -> 0.868, payment kind 0.876 -> 0.872;
with other folds (--seed 1) F1 +0.014, severity +0.010, payment +0.016, category -0.014.
Used by classify/training only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mailflow.inbound.classify.model import log_odds, sigmoid

FOLDS = 5
REGULARISATION = 1.0


def tier_rows(tiers: Sequence[dict[str, np.ndarray]], outputs: Sequence[str]) -> np.ndarray:
    """(messages, tiers * outputs): each tier's log-odds by output name, tier after tier."""
    return log_odds(np.column_stack([tier[name] for tier in tiers for name in outputs]))


def out_of_fold(count: int, predict: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Each row predicted by tiers fitted without its fold; `predict(fitted_on, held_out)` takes masks."""
    folds = np.arange(count) % FOLDS  # the corpus mixes its batches, so round robin mixes them too
    rows: np.ndarray | None = None
    for fold in range(FOLDS):
        held = folds == fold
        predicted = predict(~held, held)
        if rows is None:
            rows = np.zeros((count, predicted.shape[1]))
        rows[held] = predicted
    assert rows is not None
    return rows


def fit(
    rows: np.ndarray,
    labels: dict[str, np.ndarray],
    outputs: Sequence[str],
    fit_one: Callable[[Any, np.ndarray, float], Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Per output, weights over every tier's probability of every output, and a bias."""
    weights, bias = np.zeros((rows.shape[1], len(outputs))), np.zeros(len(outputs))
    for column, name in enumerate(outputs):
        fitted = fit_one(rows, labels[name], REGULARISATION)
        weights[:, column], bias[column] = fitted.coef_[0], fitted.intercept_[0]
    return weights, bias


def apply(rows: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The stacked probabilities, a column per output: what TagModel.thorough does for one message."""
    return sigmoid(rows @ weights + bias)
