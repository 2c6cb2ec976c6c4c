"""Training: the stacker learns only from mail its tiers did not see, and the same corpus gives the same model."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from mailflow.config.rules import MODEL_OUTPUTS
from mailflow.inbound.classify import embeddings, stacking, training
from mailflow.inbound.classify import model as tagging_model
from mailflow.inbound.classify.corpus import LabelledMessage, read_corpus, read_splits

CORPUS = Path(__file__).resolve().parents[3] / "corpus"


def test_each_out_of_fold_row_comes_from_tiers_that_never_saw_it() -> None:
    seen: list[tuple[np.ndarray, np.ndarray]] = []

    def predict(chosen: np.ndarray, held: np.ndarray) -> np.ndarray:
        seen.append((chosen, held))
        return np.flatnonzero(held)[:, None].astype(float)  # each row says which message it is

    rows = stacking.out_of_fold(23, predict)
    assert rows[:, 0].tolist() == list(range(23))
    assert len(seen) == stacking.FOLDS
    assert all(not (chosen & held).any() and (chosen | held).all() for chosen, held in seen)


def _small_corpus(size: int, split: str) -> list[training.Example]:
    """A slice of a split with a few positives of every output, so every regression has both classes."""
    examples = [training.example(message) for message in _split(split)]
    picked: list[training.Example] = []
    for name in [*MODEL_OUTPUTS, ""]:
        wanted = sorted(  # the shortest: e5 reads every sentence, and the test should take seconds
            (item for item in examples if (name in item.outputs if name else not item.outputs)),
            key=lambda item: len(item.text),
        )
        picked += [item for item in wanted if item not in picked][: size // (len(MODEL_OUTPUTS) + 1)]
    return picked


def _split(split: str) -> list[LabelledMessage]:
    messages, splits = read_corpus(CORPUS), read_splits(CORPUS)
    return splits.select(messages, split)


def test_the_same_corpus_gives_the_same_model_whose_thorough_tier_is_stacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # e5 is one thread and deterministic; reading each text once keeps the test to seconds.
    embed = embeddings.embed
    once = lru_cache(maxsize=None)(lambda texts: embed(list(texts)))
    monkeypatch.setattr(embeddings, "embed", lambda texts: once(tuple(texts)))
    train, dev = _small_corpus(36, "train"), _small_corpus(12, "dev")
    for name in ("first.npz", "second.npz"):
        training.train(train, dev, "checksum", tmp_path / name)
    with np.load(tmp_path / "first.npz") as first, np.load(tmp_path / "second.npz") as second:
        assert sorted(first.files) == sorted(second.files)
        assert all(np.array_equal(first[name], second[name]) for name in first.files)
    model = tagging_model.load(str(tmp_path / "first.npz"))
    assert model.has_thorough_tier and set(model.thorough_thresholds) == set(MODEL_OUTPUTS)
    verdict = model.thorough(
        "Dear Li, 14 of the 40 cartons arrived crushed and the glasses inside are broken."
    )
    assert set(verdict.probabilities) == set(MODEL_OUTPUTS)
    assert all(0.0 <= p <= 1.0 for p in verdict.probabilities.values())
