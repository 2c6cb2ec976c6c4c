"""The labelled buyer-mail corpus (corpus/*.toml) keeps to docs/labelling.md."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
TAGS = {
    "complaint:quality", "complaint:shipping", "complaint:contract", "complaint:service",
    "payment:paid", "payment:partial", "payment:extension", "payment:dispute", "automatic",
}  # fmt: skip
FIELDS = {"id", "language", "from", "subject", "headers", "body", "tags", "severity", "evidence", "note"}
LANGUAGES = {
    "en", "zh", "es", "pt", "ru", "de", "fr", "ar", "it", "tr", "ja", "ko", "vi", "pl", "nl",
}  # fmt: skip


def _messages() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(CORPUS.glob("*.toml")):
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        found += [(f"{path.name}:{message.get('id')}", message) for message in document.get("message", [])]
    return found


MESSAGES = _messages()


def test_the_corpus_has_messages() -> None:
    assert len(MESSAGES) >= 100


def test_ids_are_unique() -> None:
    ids = [message["id"] for _, message in MESSAGES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("where", "message"), MESSAGES, ids=[where for where, _ in MESSAGES])
def test_each_message_keeps_to_the_labelling_guide(where: str, message: dict[str, Any]) -> None:
    assert set(message) <= FIELDS and {"id", "language", "from", "subject", "body", "tags"} <= set(message)
    assert message["language"] in LANGUAGES
    assert set(message["tags"]) <= TAGS
    assert message.get("severity", "low") in ("high", "medium", "low")
    assert len(message["body"].split()) >= 15 or message["language"] in ("zh", "ja")
    new_text = message["body"]
    for tag, sentences in message.get("evidence", {}).items():
        assert tag in message["tags"]
        for sentence in sentences:
            assert sentence in new_text, f"{tag}: {sentence!r} is not in the body"
