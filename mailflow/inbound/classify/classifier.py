"""Named rules -> tags, severity, reasons, language and trade references. Pure.

The rules are data (mailflow/config/rules.toml, or the operator's own in settings),
compiled with the settings (mailflow.config.rules).
Each hit keeps the rule's name and the words that matched, which is what the
reviewer reads next to a draft.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from mailflow.config.rules import COMPLAINT_CATEGORIES, PAYMENT_KINDS, SEVERITY_ORDER, Rule, RuleSet
from mailflow.inbound.classify import language
from mailflow.inbound.classify.details import detail_hits
from mailflow.inbound.classify.facts import clause_before, stated_in, words_before
from mailflow.inbound.classify.features import sentences
from mailflow.inbound.classify.model import TagModel, Verdict
from mailflow.inbound.classify.model import load as load_model
from mailflow.inbound.classify.references import find_references
from mailflow.inbound.message import Attachment, Classification, InboundMail, TagHit
from mailflow.inbound.parsing.subjects import continues_a_thread

_SENTENCE_END = re.compile(r"[.!?。！？;；\n]+")
_LOGO_MAX_BYTES = 30_000
_LOGO_NAME = re.compile(r"logo|signature|sig|banner|icon|spacer|^image\d{3}\.", re.I)
# A buyer's complaint is at the top; past this it is a pasted log or a newsletter.
_MAX_CLASSIFIED_CHARS = 20_000
_REASON_CHARS = 200
_VETO_MIN_SENTENCES = 5


_WORDS = re.compile(r"\w+")


def _text_keys(text: str) -> frozenset[str]:
    keys: set[str] = set()
    for word in _WORDS.findall(text.lower()):
        keys.update((word[:1], word[:2], word[:3], word[:4]))
    return frozenset(keys)


def classify(
    mail: InboundMail, rules: RuleSet, automatic: bool = False, thorough: bool = False
) -> Classification:
    """Tag one message: the rules OR the model. Automatic mail keeps `automatic` and payment kinds, low.

    `thorough`: the mail may get a reply, so the model's slower tier that reads meaning across
    languages runs too (classify/model); history gets the quick tier.
    """
    text = _text_to_classify(mail)
    photos = has_photos(mail.attachments)
    refs = find_references(f"{mail.subject}\n{mail.new_text[:_MAX_CLASSIFIED_CHARS]}")
    lang = language.detect(mail.new_text or mail.subject)
    found = _match(text, rules)
    model = tagging_model(rules)
    verdict: Verdict | None = None
    if model is not None:
        # The thorough tier is for mail that may get a reply; a robot's payment kinds need no more
        # than the quick one (a newsletter or bounce of today would otherwise cost ~0.3 s).
        verdict = model.thorough(text) if thorough and not automatic else model.quick(text)
        if verdict.probabilities["complaint"] < rules.rule_veto and _whole_message(text):
            # The model, reading the whole message, is sure it is no complaint: the built-in rule's
            # words were praise, a question or another supplier's story (40 false alarms in 2,273
            # cross-validated messages went, 1 complaint was lost). The operator's rules stand.
            found = [
                (hit, rule) for hit, rule in found if not (rule.builtin and hit.tag.startswith("complaint:"))
            ]
    tag_hits = [hit for hit, _ in found]
    severity = _severity(found, tag_hits)
    if verdict is not None:
        learned, high = model_hits(verdict, {hit.tag for hit in tag_hits})
        tag_hits += learned
        if high and any(hit.tag.startswith("complaint:") for hit in tag_hits):
            severity = "high"
        elif learned and severity == "low" and any(h.tag.startswith("complaint:") for h in tag_hits):
            severity = "medium"
    if automatic:
        # A robot is never answered, but a remittance advice from the buyer's accounting system
        # still says they paid: its payment tags hold the reminders (inbound/schedule_effects).
        payments = [hit for hit in tag_hits if hit.tag in PAYMENT_KINDS]
        return Classification((TagHit("automatic", "guard", "automatic message"), *payments), "low", lang, refs,
                              photos)  # fmt: skip
    # Which kind of shipping or quality complaint, from the rules' category or the model's alike.
    categories = [hit.tag.split(":", 1)[1] for hit in tag_hits if hit.tag.startswith("complaint:")]
    tag_hits += detail_hits(text[:_MAX_CLASSIFIED_CHARS], categories)
    if photos:
        tag_hits.append(TagHit("photos", "attachments", "images attached"))
    return Classification(tuple(tag_hits), severity, lang, refs, photos)


def _whole_message(text: str) -> bool:
    """Long enough for the model's certainty to count: it learned from whole messages (greeting,
    body, signature: 95 % of the corpus has 5 sentences or more), and on one line such as "We are
    very disappointed with the quality of the last shipment." it can be sure and wrong (0.09)."""
    return len(sentences(text)) >= _VETO_MIN_SENTENCES


def describe_tagging(rules: RuleSet) -> str:
    """Loads the model the settings name (a ModelError says what is wrong) and says how tagging works."""
    model = tagging_model(rules)
    if model is None:
        return 'tagging: the rules alone (classify.model = "off")'
    meta = model.meta
    return (
        f"tagging: the rules OR the model ({meta.get('features')} features, "
        f"trained on {meta.get('training_messages')} labelled messages)"
    )


def tagging_model(rules: RuleSet) -> TagModel | None:
    """The model the settings name, with the operator's thresholds; None in rules-only mode."""
    if rules.model == "off":
        return None
    return _with_thresholds(load_model(rules.model), rules.thresholds)


@lru_cache(maxsize=8)
def _with_thresholds(model: TagModel, thresholds: tuple[tuple[str, float], ...]) -> TagModel:
    return model.with_thresholds(dict(thresholds)) if thresholds else model


def model_hits(verdict: Verdict, already: set[str]) -> tuple[list[TagHit], bool]:
    """Tags the model adds to the rules' (each with the sentence that fired), and whether it says high."""
    passed = verdict.passed()
    tags = [  # in the model's order of outputs, which its probabilities keep
        name
        for name in verdict.probabilities
        if name in passed and ":" in name and not name.startswith("severity")
    ]
    # Sure it is a complaint (or about a payment), unsure of the kind: the likeliest kind, so that
    # it gets a case (or holds the reminders).
    for umbrella, kinds in (("complaint", COMPLAINT_CATEGORIES), ("payment", PAYMENT_KINDS)):
        if umbrella in passed and not any(tag in kinds for tag in [*tags, *already]):
            tags.append(max(kinds, key=lambda tag: verdict.probabilities[tag]))
    hits = []
    for tag in tags:
        if tag in already:
            continue
        sentence, _ = verdict.sentences[tag]
        quoted = sentence if len(sentence) <= _REASON_CHARS else f"{sentence[: _REASON_CHARS - 1]}…"
        hits.append(TagHit(tag, f"model {verdict.probabilities[tag]:.2f}", quoted))
    return hits, "severity:high" in passed


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
        clause = clause_before(text, match.start())
        if rule.tag.startswith("complaint:") and (
            rules.mentions.search(text, sentence_start, sentence_end) or not stated_in(clause)
        ):
            continue  # about someone else, hypothetical, prevented or denied
        # The operator's negations, a word further back than the built-in ones: they are the rules' own.
        if not rules.negations.search(words_before(clause, 4, 10)):
            return match.group(0).strip()
    return ""


def _severity(found: list[tuple[TagHit, Rule]], tag_hits: list[TagHit]) -> str:
    level = "low"
    if any(hit.tag.startswith("complaint:") or hit.tag == "payment:dispute" for hit in tag_hits):
        level = "medium"
    for _, rule in found:
        if rule.severity and SEVERITY_ORDER[rule.severity] > SEVERITY_ORDER[level]:
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
