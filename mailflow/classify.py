"""Named rules -> tags, severity, reasons, language and trade references. Pure.

The rules are data (mailflow/rules.toml, or the operator's own in settings).
Each hit keeps the rule's name and the words that matched, which is what the
reviewer reads next to a draft.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from mailflow import language
from mailflow.domain import Attachment, Classification, InboundMail, TagHit
from mailflow.errors import ConfigError
from mailflow.references import find_references
from mailflow.subjects import continues_a_thread

_SENTENCE_END = re.compile(r"[.!?。！？;；\n]+")
_CLAUSE_BREAK = re.compile(r"[,，:：、()（）]")
_LOGO_MAX_BYTES = 30_000
_LOGO_NAME = re.compile(r"logo|signature|sig|banner|icon|spacer|^image\d{3}\.", re.I)
# A buyer's complaint is at the top; past this it is a pasted log or a newsletter.
_MAX_CLASSIFIED_CHARS = 20_000
_SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    tag: str
    severity: str
    fallback: bool
    pattern: re.Pattern[str]
    triggers: frozenset[str] | None = None  # word beginnings that make a match possible
    non_ascii: bool = False  # has patterns that only non-ASCII text can match

    def may_match(self, text_keys: frozenset[str], ascii_only: bool) -> bool:
        if self.triggers is None or (self.non_ascii and not ascii_only):
            return True
        return not self.triggers.isdisjoint(text_keys)


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    negations: re.Pattern[str]
    mentions: re.Pattern[str]


def default_rules_text() -> str:
    return resources.files("mailflow").joinpath("rules.toml").read_text(encoding="utf-8")


def load_rules(document: dict[str, Any], where: str = "rules") -> RuleSet:
    """Compile a rules document; any mistake is a ConfigError naming the rule and key."""
    rules: list[Rule] = []
    for index, entry in enumerate(document.get("rule", [])):
        rules.append(_compile_rule(entry, f"{where}.rule[{index}]"))
    return RuleSet(
        rules=tuple(rules),
        negations=_compile(document.get("negations", r"(?!x)x"), f"{where}.negations"),
        mentions=_compile(document.get("mentions", r"(?!x)x"), f"{where}.mentions"),
    )


def default_ruleset() -> RuleSet:
    return load_rules(tomllib.loads(default_rules_text()), "mailflow/rules.toml")


def _compile(pattern: object, key: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise ConfigError(f"{key} must be a string (a regular expression)")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{key}: bad regular expression: {exc}") from exc


def _compile_rule(entry: dict[str, Any], key: str) -> Rule:
    allowed = {"name", "description", "tag", "severity", "fallback", "patterns"}
    unknown = set(entry) - allowed
    if unknown:
        raise ConfigError(f"{key}.{sorted(unknown)[0]}: unknown key")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{key}.name is required")
    tag, severity = entry.get("tag", ""), entry.get("severity", "")
    if not tag and not severity:
        raise ConfigError(f"{key} ({name}) needs a tag or a severity")
    if severity and severity not in _SEVERITY_ORDER:
        raise ConfigError(f"{key}.severity must be one of high, medium, low")
    patterns = entry.get("patterns")
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise ConfigError(f"{key}.patterns must be a non-empty list of strings")
    # One leading \b for all word patterns lets the engine skip mid-word positions at
    # once instead of trying every branch there: about three times faster. Patterns that
    # start with a CJK, Cyrillic or Arabic letter are skipped at ASCII positions in one step.
    worded = [pattern[2:] for pattern in patterns if pattern.startswith(r"\b")]
    parts = [r"\b(?:" + "|".join(f"(?:{pattern})" for pattern in worded) + ")"] if worded else []
    parts += [
        f"(?=[^\\x00-\\x7f])(?:{pattern})" if not pattern[:1].isascii() else f"(?:{pattern})"
        for pattern in patterns
        if not pattern.startswith(r"\b")
    ]
    joined = "|".join(parts)
    return Rule(
        name,
        str(tag),
        str(severity),
        bool(entry.get("fallback", False)),
        _compile(joined, f"{key}.patterns"),
        triggers=_trigger_keys(patterns),
        non_ascii=any(not p.startswith(r"\b") and not p[:1].isascii() for p in patterns),
    )


_PREFIX_END = re.compile(r"[^\w]|\\")
_WORDS = re.compile(r"\w+")


def _trigger_keys(patterns: list[str]) -> frozenset[str] | None:
    r"""The word beginnings a rule needs to see before its regex is worth running.

    For `\bcrack(?:ed|s)?` that is "crac": a text without a word starting so
    cannot match it. None when some ASCII pattern has no such literal start (the
    rule then always runs). Patterns for non-ASCII scripts are the caller's.
    """
    keys: set[str] = set()
    for pattern in patterns:
        if not pattern.startswith(r"\b"):
            if pattern[:1].isascii():
                return None
            continue
        prefixes = _literal_prefixes(pattern[2:])
        if prefixes is None:
            return None
        keys.update(prefix[:4].lower() for prefix in prefixes)
    return frozenset(keys)


def _literal_prefixes(body: str) -> list[str] | None:
    """Literal word starts of a pattern body: "(?:poor|bad)\\s+q" -> ["poor", "bad"]."""
    if body.startswith("(?:"):
        close = _group_end(body)
        if close < 0 or body[close + 1 : close + 2] in ("?", "*", "{"):
            return None
        found: list[str] = []
        for alternative in _alternatives(body[3:close]):
            prefixes = _literal_prefixes(alternative)
            if prefixes is None:
                return None
            found += prefixes
        return found
    cut = _PREFIX_END.search(body)
    prefix = body[: cut.start()] if cut else body
    if cut and body[cut.start() : cut.start() + 1] in ("?", "*", "{"):
        prefix = prefix[:-1]  # the letter before the quantifier is optional
    return [prefix] if prefix else None


def _group_end(body: str) -> int:
    depth, index = 0, 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index
        index += 1
    return -1


def _alternatives(inner: str) -> list[str]:
    parts, depth, start, index = [], 0, 0, 0
    while index < len(inner):
        char = inner[index]
        if char == "\\":
            index += 2
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(inner[start:index])
            start = index + 1
        index += 1
    return [*parts, inner[start:]]


def _text_keys(text: str) -> frozenset[str]:
    keys: set[str] = set()
    for word in _WORDS.findall(text.lower()):
        keys.update((word[:1], word[:2], word[:3], word[:4]))
    return frozenset(keys)


def classify(mail: InboundMail, rules: RuleSet, automatic: bool = False) -> Classification:
    """Tag one message. Automatic mail keeps only the `automatic` tag and low severity."""
    text = _text_to_classify(mail)
    photos = has_photos(mail.attachments)
    refs = find_references(f"{mail.subject}\n{mail.new_text[:_MAX_CLASSIFIED_CHARS]}")
    lang = language.detect(mail.new_text or mail.subject)
    if automatic:
        hits: tuple[TagHit, ...] = (TagHit("automatic", "guard", "automatic message"),)
        return Classification(hits, "low", lang, refs, photos)
    found = _match(text, rules)
    tag_hits = [hit for hit, _ in found]
    if photos:
        tag_hits.append(TagHit("photos", "attachments", "images attached"))
    severity = _severity(found, tag_hits)
    return Classification(tuple(tag_hits), severity, lang, refs, photos)


def _text_to_classify(mail: InboundMail) -> str:
    # A reply's subject repeats the old thread's words: only a fresh subject counts.
    subject = "" if continues_a_thread(mail.subject) else mail.subject
    return f"{subject}\n{mail.new_text}"


def _match(text: str, rules: RuleSet) -> list[tuple[TagHit, Rule]]:
    found: list[tuple[TagHit, Rule]] = []
    tagged: set[str] = set()
    text = text[:_MAX_CLASSIFIED_CHARS]
    # Sentence boundaries, so each match is judged within its own sentence.
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    keys, ascii_only = _text_keys(text), text.isascii()
    for rule in rules.rules:
        if rule.fallback and any(tag.split(":")[0] == rule.tag.split(":")[0] for tag in tagged):
            continue
        if not rule.may_match(keys, ascii_only):
            continue
        words = _first_real_match(rule, text, ends, rules)
        if words:
            found.append((TagHit(rule.tag, rule.name, words), rule))
            tagged.add(rule.tag or f"severity:{rule.severity}")
    return found


def _first_real_match(rule: Rule, text: str, ends: list[int], rules: RuleSet) -> str:
    for match in rule.pattern.finditer(text):
        index = bisect.bisect_right(ends, match.start())
        sentence_start = ends[index - 1] if index else 0
        sentence_end = ends[index] if index < len(ends) else len(text)
        if rule.tag.startswith("complaint:") and rules.mentions.search(text, sentence_start, sentence_end):
            continue  # about someone else, or hypothetical
        before = _CLAUSE_BREAK.split(text[sentence_start : match.start()])[-1]
        window = " ".join(before.split()[-4:]) if before.isascii() else before[-10:]
        if not rules.negations.search(window):
            return match.group(0).strip()
    return ""


def _severity(found: list[tuple[TagHit, Rule]], tag_hits: list[TagHit]) -> str:
    level = "low"
    if any(hit.tag.startswith("complaint:") or hit.tag == "payment:dispute" for hit in tag_hits):
        level = "medium"
    for _, rule in found:
        if rule.severity and _SEVERITY_ORDER[rule.severity] > _SEVERITY_ORDER[level]:
            level = rule.severity
    return level


def has_photos(attachments: tuple[Attachment, ...]) -> bool:
    """Images the buyer attached, not the logo in their signature."""
    return any(is_photo(attachment) for attachment in attachments)


def is_photo(attachment: Attachment) -> bool:
    if not attachment.is_image:
        return False
    looks_like_logo = attachment.inline and (
        attachment.size < _LOGO_MAX_BYTES or bool(_LOGO_NAME.search(attachment.filename))
    )
    return not looks_like_logo
