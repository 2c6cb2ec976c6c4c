"""The classifier against labelled multilingual examples, and its rule plumbing."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mailflow.config.rules import default_ruleset, load_rules
from mailflow.errors import ConfigError
from mailflow.inbound.classify.classifier import classify, has_photos
from mailflow.inbound.message import Attachment
from mailflow.inbound.parsing.parse import parse

EXAMPLES = tomllib.loads((Path(__file__).resolve().parents[2] / "data" / "labelled.toml").read_text("utf-8"))[
    "example"
]
# The rules alone: these examples pin the rule plumbing; the model is judged on the corpus
# (tests/inbound/classify/test_tagging_regression.py).
RULES = replace(default_ruleset(), model="off")


def _mail(subject: str, text: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Buyer <buyer@acme-trading.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(text)
    return msg.as_bytes()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_labelled_example_gets_its_tags_severity_and_language(example: dict[str, Any]) -> None:
    result = classify(parse(_mail(example["subject"], example["text"])), RULES)
    # The kind within a category (`detail:`) has its own examples: tests/inbound/classify/test_details.py.
    assert sorted(tag for tag in result.tags if not tag.startswith("detail:")) == sorted(example["tags"])
    assert result.severity == example["severity"]
    assert result.language == example["language"]


def test_every_tag_carries_the_rule_and_the_words_that_matched() -> None:
    result = classify(parse(_mail("Shipment", "Twenty cartons arrived crushed.")), RULES)
    assert [hit.reason for hit in result.hits] == [
        "shipping: cartons arrived crushed",
        "shipping detail: cartons arrived crushed",
    ]


def test_a_re_subject_of_an_old_complaint_does_not_make_a_new_one() -> None:
    result = classify(
        parse(_mail("Re: Damaged goods and broken mugs", "Thank you, we received the credit note.")), RULES
    )
    assert result.tags == ()


@pytest.mark.parametrize(
    "subject", ["Fwd: Damaged goods", "Re[2]: Damaged goods", "转发：货物破损", "AW: Beschädigte Ware"]
)
def test_a_forwarded_or_replied_subject_does_not_make_a_complaint(subject: str) -> None:
    assert classify(parse(_mail(subject, "For your information.")), RULES).tags == ()


def test_a_fresh_subject_counts_for_tagging() -> None:
    result = classify(parse(_mail("Broken mugs in PO 4500123", "Please see the attached list.")), RULES)
    assert "complaint:quality" in result.tags


def test_quoted_history_does_not_count() -> None:
    body = "Thanks, all clear now.\n\nOn Mon, 2 Nov 2026 at 10:00, Buyer <b@x.example> wrote:\n> 30 cartons were crushed\n"
    assert classify(parse(_mail("Re: shipment", body)), RULES).tags == ()


def test_automatic_mail_keeps_only_the_automatic_tag() -> None:
    result = classify(parse(_mail("Out of office", "The goods were broken")), RULES, automatic=True)
    assert result.tags == ("automatic",)
    assert result.severity == "low"


def test_a_remittance_advice_is_automatic_and_says_paid_but_never_a_complaint() -> None:
    text = "Payment has been made for invoice INV-9. Amount deducted: damaged goods claim, cartons broken."
    result = classify(parse(_mail("Remittance advice", text)), RULES, automatic=True)
    assert result.tags[0] == "automatic" and "payment:paid" in result.tags
    assert not any(tag.startswith("complaint:") for tag in result.tags) and result.severity == "low"


def test_references_are_found_in_subject_and_text() -> None:
    result = classify(parse(_mail("PO 4500123", "Container CSQU3054383, B/L COSU6123456780")), RULES)
    kinds = {(ref.kind, ref.value) for ref in result.references}
    assert kinds == {("po", "4500123"), ("container", "CSQU3054383"), ("bl", "COSU6123456780")}


def _attachment(name: str, ctype: str, size: int, inline: bool = False) -> Attachment:
    return Attachment(name, ctype, size, "0" * 64, b"", inline=inline, content_id="logo@x" if inline else "")


def test_a_jpg_sent_as_octet_stream_is_a_photo() -> None:
    assert has_photos((_attachment("IMG_0001.JPG", "application/octet-stream", 80_000),))


def test_an_inline_signature_logo_is_not_a_photo() -> None:
    assert not has_photos((_attachment("image001.png", "image/png", 6_000, inline=True),))


def test_a_pdf_is_not_a_photo() -> None:
    assert not has_photos((_attachment("PI.pdf", "application/pdf", 80_000),))


def test_operator_rules_come_first_and_carry_their_names() -> None:
    rules = load_rules({"rule": [{"name": "mould", "tag": "complaint:quality", "patterns": ["mou?ldy?"]}]})
    result = classify(parse(_mail("Inspection", "We found mould on the wooden boards.")), rules)
    assert [hit.reason for hit in result.hits] == ["mould: mould"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "x", "tag": "complaint:quality", "patterns": ["("]}, "bad regular expression"),
        ({"name": "x", "patterns": ["a"]}, "needs a tag or a severity"),
        ({"name": "x", "tag": "t", "patterns": []}, "non-empty list"),
        ({"name": "x", "tag": "t", "patterns": ["a"], "colour": "red"}, "rule[0].colour: unknown key"),
    ],
)
def test_a_bad_rule_is_a_config_error_naming_it(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_rules({"rule": [rule]})


def test_the_word_prefilter_never_changes_a_result() -> None:
    """Skipping a rule whose words are absent is an optimisation, never a different answer."""
    from dataclasses import replace

    from tests.support.corpora import corpus_files

    unfiltered = replace(RULES, rules=tuple(replace(rule, triggers=None) for rule in RULES.rules))
    texts = [_mail(e["subject"], e["text"]) for e in EXAMPLES] + [
        path.read_bytes() for path in corpus_files()
    ]
    for raw in texts:
        mail = parse(raw)
        assert classify(mail, RULES).hits == classify(mail, unfiltered).hits


@pytest.mark.parametrize(
    "text",
    [
        "Please unsubscribe us from this list.",
        "退订",
        "请帮我们退订，谢谢",
        "Por favor, darme de baja.",
        "Bitte abmelden.",
    ],
)
def test_an_unsubscribe_request_is_tagged(text: str) -> None:
    assert "request:unsubscribe" in classify(parse(_mail("Re: news", text)), RULES).tags


def test_keeping_the_updates_is_no_unsubscribe_request() -> None:
    assert (
        "request:unsubscribe"
        not in classify(parse(_mail("Re: news", "Please do not unsubscribe us.")), RULES).tags
    )


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("Goods are at Port Botany and we have until the 14th to claim them before storage kicks in.", False),
        ("If anything does arrive damaged, who makes the claim - us as consignee, or you?", False),
        ("All 642 cartons counted and our team didn't find a single broken vase in the spot check.", False),
        ("Los revisamos todos y ni uno roto, ni uno. La separación funcionó perfecto.", False),
        ("Our forklift driver dropped a pallet and 96 units dented, our own fault entirely.", False),
        ("Last year we imported glassware from one supplier in Turkey and 8% was broken on arrival.", False),
        ("We will claim the full amount of the fine and the storage from you.", True),
        ("We are filing a claim against your company for the 40 broken panels.", True),
        ("We have sent the balance today less the claim for the short-shipped sets.", True),
    ],
)
def test_a_complaint_word_counts_only_when_stated_against_us(text: str, complaint: bool) -> None:
    tags = classify(parse(_mail("Container received", text)), RULES).tags
    assert any(tag.startswith("complaint:") for tag in tags) == complaint
