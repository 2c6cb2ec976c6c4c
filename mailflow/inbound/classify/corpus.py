"""The labelled buyer-mail corpus (corpus/*.toml, docs/labelling.md): read and checked.

Training, the regression test and bench/tagging.py read messages through here, so
that a message breaking the guide is refused in one place, with its file and id.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

from mailflow.config.rules import TAGS
from mailflow.inbound.parsing.quotes import without_history

LANGUAGES = frozenset(
    [
        "en",
        "zh",
        "es",
        "pt",
        "ru",
        "de",
        "fr",
        "ar",
        "it",
        "tr",
        "ja",
        "ko",
        "vi",
        "pl",
        "nl",
        "uk",
        "id",
        "th",
        "hi",
        "ms",
    ]
)
SEVERITIES = ("high", "medium", "low")
SPLITS_FILE = "splits.toml"
_FIELDS = {"id", "language", "from", "subject", "headers", "body", "tags", "severity", "evidence", "note"}
_REQUIRED = {"id", "language", "from", "subject", "body", "tags"}


@dataclass(frozen=True)
class LabelledMessage:
    id: str
    language: str
    sender: str
    subject: str
    headers: tuple[tuple[str, str], ...]
    body: str
    tags: tuple[str, ...]  # the main complaint category first
    severity: str
    evidence: tuple[tuple[str, str], ...]  # (tag, sentence)

    @property
    def complaint(self) -> bool:
        return any(tag.startswith("complaint:") for tag in self.tags)

    @property
    def main_category(self) -> str:
        return next((tag for tag in self.tags if tag.startswith("complaint:")), "")


class CorpusError(ValueError):
    """A corpus message that breaks the labelling guide; the text names file and id."""


def problems(message: dict[str, Any]) -> list[str]:
    """What in one raw [[message]] table breaks docs/labelling.md (empty: nothing)."""
    found = []
    if unknown := set(message) - _FIELDS:
        found.append(f"unknown fields {sorted(unknown)}")
    if missing := _REQUIRED - set(message):
        return [*found, f"missing fields {sorted(missing)}"]
    if message["language"] not in LANGUAGES:
        found.append(f"language {message['language']!r} is not one of {sorted(LANGUAGES)}")
    if unknown_tags := set(message["tags"]) - set(TAGS):
        found.append(f"unknown tags {sorted(unknown_tags)}")
    if message.get("severity", "low") not in SEVERITIES:
        found.append(f"severity {message.get('severity')!r}")
    if message.get("severity") == "high" and not any(t.startswith("complaint:") for t in message["tags"]):
        found.append("severity high without a complaint tag")
    if len(message["body"].split()) < 15 and message["language"] not in ("zh", "ja"):
        found.append("body shorter than 15 words")
    return found + _evidence_problems(message)


def _evidence_problems(message: dict[str, Any]) -> list[str]:
    found = []
    new_text = without_history(message["body"])
    evidence = message.get("evidence", {})
    for tag in message["tags"]:
        # A machine may say it is one only in its headers (Auto-Submitted, a DSN's content type).
        if not evidence.get(tag) and not (tag == "automatic" and message.get("headers")):
            found.append(f"no evidence for {tag}")
    for tag, sentences in evidence.items():
        if tag not in message["tags"]:
            found.append(f"evidence for {tag}, which is not among the tags")
        for sentence in sentences:
            if sentence not in message["body"]:
                found.append(f"{tag}: {sentence!r} is not in the body")
            elif sentence not in new_text:
                found.append(f"{tag}: {sentence!r} stands only in quoted history")
    return found


def read_batch(path: Path) -> list[LabelledMessage]:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    messages = []
    for raw in document.get("message", []):
        if found := problems(raw):
            raise CorpusError(f"{path.name}: {raw.get('id')}: {'; '.join(found)}")
        messages.append(_labelled(raw))
    return messages


def batch_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*.toml") if path.name != SPLITS_FILE)


def read_corpus(folder: Path) -> list[LabelledMessage]:
    """Every message of every batch, in file then id order; ids must be unique."""
    messages = [message for path in batch_files(folder) for message in read_batch(path)]
    seen: set[str] = set()
    for message in messages:
        if message.id in seen:
            raise CorpusError(f"id {message.id} is used twice")
        seen.add(message.id)
    return messages


def checksum(messages: Iterable[LabelledMessage]) -> str:
    """SHA-256 over the messages' text and labels, in id order: what freezes a split."""
    digest = hashlib.sha256()
    for message in sorted(messages, key=lambda m: m.id):
        for part in (
            message.id,
            message.language,
            message.sender,
            message.subject,
            message.body,
            ",".join(sorted(message.tags)),
            message.severity,
            repr(message.evidence),
        ):
            digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def _labelled(raw: dict[str, Any]) -> LabelledMessage:
    return LabelledMessage(
        id=raw["id"],
        language=raw["language"],
        sender=raw["from"],
        subject=raw["subject"],
        headers=tuple(sorted((str(k), str(v)) for k, v in raw.get("headers", {}).items())),
        body=raw["body"],
        tags=tuple(raw["tags"]),
        severity=raw.get("severity", "low"),
        evidence=tuple(
            (tag, sentence)
            for tag, sentences in sorted(raw.get("evidence", {}).items())
            for sentence in sentences
        ),
    )


def as_rfc822(message: LabelledMessage) -> bytes:
    """The message as a mail server would hand it over, so it goes through the real parser."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = message.sender
    mail["To"] = "sales@mailflow-team.example"
    mail["Subject"] = message.subject
    mail["Date"] = "Mon, 30 Nov 2026 09:00:00 +0000"
    mail["Message-ID"] = f"<{message.id}@corpus.example>"
    content_type = ""
    for name, value in message.headers:
        if name.lower() == "content-type":
            content_type = value
        else:
            mail[name] = value
    mail.set_content(message.body)
    if content_type.startswith("multipart/report"):
        # A report as servers send it: the human-readable text first, inside multipart/report.
        mail.make_mixed()
        mail.set_type("multipart/report")
        for key, _, value in (p.strip().partition("=") for p in content_type.split(";")[1:]):
            mail.set_param(key, value.strip('"'))
    return mail.as_bytes()


@dataclass(frozen=True)
class Splits:
    """corpus/splits.toml: which ids are dev and test; every other message trains."""

    dev: frozenset[str]
    test: frozenset[str]
    test_sha256: str

    def of(self, message: LabelledMessage) -> str:
        return "test" if message.id in self.test else "dev" if message.id in self.dev else "train"

    def select(self, messages: Iterable[LabelledMessage], split: str) -> list[LabelledMessage]:
        return [message for message in messages if self.of(message) == split]


def read_splits(folder: Path) -> Splits:
    try:
        document = tomllib.loads((folder / SPLITS_FILE).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"{folder / SPLITS_FILE}: cannot read it: {exc}") from None
    return Splits(
        frozenset(document.get("dev", [])),
        frozenset(document.get("test", [])),
        str(document.get("test_sha256", "")),
    )
