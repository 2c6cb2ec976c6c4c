"""The shipped tagging model: it loads, it matches the corpus, it survives any text, it fails loudly."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import numpy as np
import pytest

from mailflow.config.rules import MODEL_OUTPUTS, PAYMENT_KINDS, as_builtin, default_ruleset, load_rules
from mailflow.inbound.classify import model as tagging_model
from mailflow.inbound.classify.classifier import _text_to_classify, classify, model_hits
from mailflow.inbound.classify.corpus import checksum, read_corpus, read_splits
from mailflow.inbound.parsing.parse import parse

CORPUS = Path(__file__).resolve().parents[3] / "corpus"


def test_the_shipped_model_loads_and_was_trained_on_todays_corpus() -> None:
    model = tagging_model.load(tagging_model.BUILTIN)
    assert model.outputs == MODEL_OUTPUTS
    messages, splits = read_corpus(CORPUS), read_splits(CORPUS)
    used = [*splits.select(messages, "train"), *splits.select(messages, "dev")]
    assert model.meta["corpus_sha256"] == checksum(used), "the corpus changed: run `make model`"
    assert model.meta["training_messages"] == len(splits.select(messages, "train"))


def test_a_missing_or_broken_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(tagging_model.ModelError, match=r"file not found .*model train"):
        tagging_model.load(str(tmp_path / "nothing.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(tagging_model.ModelError, match="cannot read it"):
        tagging_model.load(str(tmp_path / "junk.npz"))
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(tagging_model.ModelError, match="not a mailflow model"):
        tagging_model.load(str(tmp_path / "other.npz"))


def test_an_object_array_is_refused_not_unpickled(tmp_path: Path) -> None:
    arrays = {name: np.zeros(1) for name in ("vocabulary", "idf", "weights", "bias", "outputs", "thresholds")}
    np.savez(tmp_path / "pickled.npz", meta=np.array([{"format": 1}], dtype=object), **arrays)
    with pytest.raises(tagging_model.ModelError, match="cannot read it"):
        tagging_model.load(str(tmp_path / "pickled.npz"))


def _mail(text: str, subject: str = "order") -> bytes:
    message = EmailMessage()
    message["From"] = "Buyer <buyer@acme-trading.example>"
    message["To"] = "sales@ningbo-homeware.example"
    message["Subject"] = subject
    message.set_content(text)
    return message.as_bytes()


def _image_only() -> bytes:
    message = EmailMessage()
    message["From"] = "Buyer <buyer@acme-trading.example>"
    message["Subject"] = ""
    message.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64, maintype="image", subtype="png", filename="a.png"
    )
    return message.as_bytes()


BAD_INPUT = {
    "1 MB of text": _mail("The cartons are fine. " * 48_000),
    "only an image": _image_only(),
    "only a signature": _mail("--\nLi Hua\nPurchasing\nHuamei Home\n+86 574 0000 0000"),
    "mixed scripts": _mail("The 杯子 are 破了 and коробки мокрые, بعض الأكواب مكسورة"),
    "right to left": _mail("\u202eدرجة الحرارة\u202c السلام عليكم، وصلت الشحنة ولكن الكراتين مبللة"),
    "emoji": _mail("😡😡😡 💔📦 🙏"),
    "a language the corpus lacks": _mail("Habari, mzigo umefika lakini boksi tatu zimevunjika kabisa."),
    "nothing at all": _mail("", subject=""),
}


@pytest.mark.parametrize("raw", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_any_text_gets_tags_or_none_and_a_language_or_und(raw: bytes) -> None:
    result = classify(parse(raw), default_ruleset())
    assert result.severity in ("high", "medium", "low")
    assert result.language == "und" or result.language.isalpha()


def test_rules_only_mode_uses_no_model() -> None:
    text = "The lid measures 14.2 cm, the mouth 14.6 cm: the lid falls inside on all 60 pieces we checked."
    rules_only = classify(parse(_mail(text)), replace(default_ruleset(), model="off"))
    assert all(not hit.rule.startswith("model") for hit in rules_only.hits)


def test_a_model_tag_carries_the_sentence_that_fired_and_its_probability() -> None:
    text = (
        "Dear Lily,\n\nThanks for the quick shipment last month.\n\n"
        "We opened the cartons of PO 4500123 today: 17 of 40 cartons came crushed and 230 mugs are broken, "
        "the rest is fine.\n\nPlease advise how you will compensate.\n\nBest regards,\nTom"
    )
    result = classify(parse(_mail(text, "PO 4500123")), replace(default_ruleset(), model="builtin"))
    model_hits = [hit for hit in result.hits if hit.rule.startswith("model ")]
    for hit in model_hits:
        assert 0.0 < float(hit.rule.split()[1]) <= 1.0
        assert hit.matched and hit.matched.rstrip("…") in " ".join(text.split())


def test_sure_it_is_about_a_payment_unsure_of_the_kind_gives_the_likeliest_kind() -> None:
    model = tagging_model.load("builtin")
    text = "Regarding the invoice for the October order, the money question is settled on our side."
    verdict = model.quick(text)
    unsure = model.with_thresholds({"payment": 0.0, **{kind: 1.0 for kind in PAYMENT_KINDS}})
    hits, _ = model_hits(unsure.quick(text), set())
    likeliest = max(PAYMENT_KINDS, key=lambda kind: verdict.probabilities[kind])
    assert [hit.tag for hit in hits if hit.tag.startswith("payment:")] == [likeliest]
    # A kind the rules already found is enough: the model adds none.
    hits, _ = model_hits(unsure.quick(text), {"payment:extension"})
    assert not [hit for hit in hits if hit.tag.startswith("payment:")]


def test_automatic_mail_never_takes_the_thorough_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_embedding(texts: list[str]) -> np.ndarray:
        raise AssertionError("the thorough tier ran for a robot")

    monkeypatch.setattr(tagging_model.embeddings, "embed", no_embedding)
    advice = "Payment has been made for invoice INV-9, EUR 8,000.00, value date 07.12.2026."
    result = classify(parse(_mail(advice)), replace(default_ruleset(), model="builtin"), True, thorough=True)
    assert result.tags[0] == "automatic"


def test_a_built_in_rule_hit_the_model_is_sure_of_no_complaint_is_dropped() -> None:
    """A rule for "mould" meets a request for quotation; `classify.rule_veto` decides."""
    operators = replace(load_rules({"rule": [_MOULD]}), model="builtin")
    builtin = as_builtin(operators)
    text = (
        "Dear Ms Chen,\n\nPlease quote 2,000 pcs of the mould-resistant shower curtain, 180 x 200 cm, "
        "white and grey, FOB Ningbo, delivery in March. Each curtain in a PE bag with our barcode "
        "sticker, 24 pcs to an export carton.\n\nCould you also tell us the lead time for the "
        "first order? Two samples by courier first, please.\n\nKind regards,\nAnna Berg\nNordhem AB"
    )
    mail = parse(_mail(text, "RFQ shower curtains"))
    assert tagging_model.load("builtin").thorough(_text_to_classify(mail)).probabilities["complaint"] < 0.1
    assert "complaint:quality" not in classify(mail, builtin, thorough=True).tags
    assert "complaint:quality" in classify(mail, replace(builtin, rule_veto=0.0), thorough=True).tags
    assert "complaint:quality" in classify(mail, replace(builtin, model="off")).tags  # the rules alone
    assert "complaint:quality" in classify(mail, operators, thorough=True).tags  # the operator's own rule


def test_on_a_line_or_two_the_models_certainty_does_not_overrule_a_rule() -> None:
    builtin = as_builtin(replace(load_rules({"rule": [_MOULD]}), model="builtin"))
    mail = parse(_mail("Please quote 2,000 pcs of the mould-resistant shower curtain.", "RFQ"))
    assert tagging_model.load("builtin").thorough(_text_to_classify(mail)).probabilities["complaint"] < 0.1
    assert "complaint:quality" in classify(mail, builtin, thorough=True).tags


_MOULD = {"name": "mould", "tag": "complaint:quality", "patterns": ["mou?ldy?"]}
