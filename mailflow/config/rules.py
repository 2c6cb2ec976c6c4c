"""The operator's classification rules, compiled: `[classify]` settings and the shipped rules.toml.

Rules are settings (readable, editable by the operator), so they are compiled
and checked when the settings are read, and any mistake is a ConfigError that
names the rule and its key. Matching them against a message is the inbound
classifier's business (mailflow.inbound.classify.classifier).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from mailflow.errors import ConfigError

SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}
# The tags a message can carry (docs/labelling.md): what the corpus labels, reviewers correct and
# the model learns. Other hit names ("photos", "manual:call") are facts, not tags to learn.
COMPLAINT_CATEGORIES = ("complaint:quality", "complaint:shipping", "complaint:contract", "complaint:service")
PAYMENT_KINDS = ("payment:paid", "payment:partial", "payment:extension", "payment:dispute")
TAGS = (*COMPLAINT_CATEGORIES, *PAYMENT_KINDS, "automatic")
# What the learned model gives a probability for; `[classify.thresholds]` may set each.
MODEL_OUTPUTS = ("complaint", *COMPLAINT_CATEGORIES, "payment", *PAYMENT_KINDS, "severity:high")


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    tag: str
    severity: str
    fallback: bool
    pattern: re.Pattern[str]
    triggers: frozenset[str] | None = None  # word beginnings that make a match possible
    non_ascii: bool = False  # has patterns that only non-ASCII text can match
    # One of mailflow's own rules (config/rules.toml), which the model may overrule
    # (RuleSet.rule_veto); the operator's own rules always stand.
    builtin: bool = False

    def may_match(self, text_keys: frozenset[str], ascii_only: bool) -> bool:
        if self.triggers is None or (self.non_ascii and not ascii_only):
            return True
        return not self.triggers.isdisjoint(text_keys)


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    negations: re.Pattern[str]
    mentions: re.Pattern[str]
    # The learned model beside the rules: "builtin", a file, or "off" (rules alone).
    model: str = "builtin"
    thresholds: tuple[tuple[str, float], ...] = ()  # the operator's, over the model's own
    # A built-in rule's complaint hit stands unless the model gives the message less complaint
    # probability than this: "broken" also comes in praise, questions and other suppliers' stories.
    rule_veto: float = 0.1


def default_rules_text() -> str:
    return resources.files("mailflow.config").joinpath("rules.toml").read_text(encoding="utf-8")


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
    return as_builtin(load_rules(tomllib.loads(default_rules_text()), "mailflow/config/rules.toml"))


def as_builtin(rules: RuleSet, after: int = 0) -> RuleSet:
    """The rules from index `after` on marked as mailflow's own (config/rules.toml)."""
    marked = tuple(replace(rule, builtin=index >= after) for index, rule in enumerate(rules.rules))
    return replace(rules, rules=marked)


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
    if severity and severity not in SEVERITY_ORDER:
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
