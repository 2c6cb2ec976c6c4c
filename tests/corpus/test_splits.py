"""The train/dev/test split: the test split is frozen by the checksum committed with it."""

from __future__ import annotations

from pathlib import Path

from mailflow.inbound.classify.corpus import checksum, read_corpus, read_splits

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_the_test_split_is_the_frozen_one() -> None:
    messages, splits = read_corpus(CORPUS), read_splits(CORPUS)
    test = splits.select(messages, "test")
    assert {message.id for message in test} == splits.test, "a test id names no message"
    assert checksum(test) == splits.test_sha256, "the test split changed: it is frozen (docs/labelling.md)"


def test_the_splits_are_disjoint_and_big_enough() -> None:
    messages, splits = read_corpus(CORPUS), read_splits(CORPUS)
    assert not splits.dev & splits.test and splits.dev <= {message.id for message in messages}
    test = splits.select(messages, "test")
    assert len(test) >= 300 and sum(message.complaint for message in test) >= 100
    assert len(splits.select(messages, "dev")) >= 150
