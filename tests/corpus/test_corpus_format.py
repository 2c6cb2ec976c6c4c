"""The labelled buyer-mail corpus (corpus/*.toml) keeps to docs/labelling.md and holds what issue #16 asks."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mailflow.inbound.classify.corpus import LabelledMessage, batch_files, problems, read_corpus

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
WAITING = CORPUS / "waiting"  # batches written but not yet trained on (corpus/README.md)


def _raw_messages() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in [*batch_files(CORPUS), *batch_files(WAITING)]:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        found += [(f"{path.name}:{message.get('id')}", message) for message in document.get("message", [])]
    return found


RAW = _raw_messages()


@pytest.mark.parametrize(("where", "message"), RAW, ids=[where for where, _ in RAW])
def test_each_message_keeps_to_the_labelling_guide(where: str, message: dict[str, Any]) -> None:
    # Fields, tags, severity, and each evidence sentence copied from the new text, not the quoted history.
    assert problems(message) == []


def test_ids_are_unique_and_the_corpus_reads() -> None:
    ids = [message.id for message in [*read_corpus(CORPUS), *read_corpus(WAITING)]]
    assert len(ids) == len(set(ids)) == len(RAW)


def _counts(messages: list[LabelledMessage]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for message in messages:
        counts.update(message.tags)
        counts[f"language {message.language}"] += 1
        counts["high"] += message.severity == "high"
        counts["negative"] += not message.complaint and "automatic" not in message.tags
    return counts


def test_the_corpus_holds_what_the_issue_asks() -> None:
    messages = read_corpus(CORPUS)
    counts = _counts(messages)
    languages = {key for key in counts if key.startswith("language ") and counts[key] >= 5}
    assert len(messages) >= 1200 and len(languages) >= 12
    assert counts["language en"] / len(messages) >= 0.35 and counts["language zh"] / len(messages) >= 0.12
    assert all(counts[f"language {code}"] >= 40 for code in ("es", "pt", "ru", "de", "fr", "ar"))
    assert all(counts[f"complaint:{kind}"] >= 150 for kind in ("quality", "shipping", "contract", "service"))
    assert all(counts[f"payment:{kind}"] >= 60 for kind in ("paid", "partial", "extension", "dispute"))
    assert counts["high"] >= 80 and counts["automatic"] >= 100 and counts["negative"] >= 300
