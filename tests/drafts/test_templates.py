"""Templates: choice by language with fallbacks, sandboxed strict rendering, and the checker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mailflow.drafts.template_check import check, sample_context
from mailflow.drafts.templates import TemplateProblem, Templates, fallback_chain

SHIPPED = Path(__file__).resolve().parents[2] / "mailflow" / "drafts" / "shipped_templates"


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


GOOD = {
    "ack.en.subject.j2": "{{ message.subject }}",
    "ack.en.txt.j2": "Dear {{ customer.name }},\nWe are sorry. Please send us photos of the damage.\n",
}


def test_the_fallback_chain_prefers_the_buyers_language() -> None:
    assert fallback_chain("ack", "shipping", "es") == [
        "ack.shipping.es",
        "ack.es",
        "ack.shipping.en",
        "ack.en",
    ]
    assert fallback_chain("ack", None, "en") == ["ack.en"]


def test_an_unknown_language_falls_back_to_english() -> None:
    assert Templates(SHIPPED).choose("ack", "quality", "tlh") == "ack.quality.en"


def test_no_template_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match="no template for reminder"):
        Templates(tmp_path).choose("reminder", None, "en")


def test_buyer_text_with_template_syntax_stays_literal(tmp_path: Path) -> None:
    templates = Templates(_write(tmp_path, GOOD))
    context = sample_context()
    context["customer"]["name"] = "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}"
    context["message"]["subject"] = "Re: {{ config }}\r\nBcc: evil@x.example"
    rendered = templates.render("ack.en", context)
    assert "Dear {{ 7*7 }} {% for x in range(3) %}x{% endfor %}," in rendered.text
    assert rendered.subject == "Re: {{ config }} Bcc: evil@x.example"


def test_an_undefined_variable_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    templates = Templates(
        _write(tmp_path, {**GOOD, "ack.en.txt.j2": "Dear {{ customer.nickname }}, photos please"})
    )
    with pytest.raises(TemplateProblem, match="nickname"):
        templates.render("ack.en", sample_context())


def test_the_sandbox_refuses_reaching_into_python(tmp_path: Path) -> None:
    evil = "{{ customer.__class__.__mro__[1].__subclasses__() }} photos"
    templates = Templates(_write(tmp_path, {**GOOD, "ack.en.txt.j2": evil}))
    with pytest.raises(TemplateProblem):
        templates.render("ack.en", sample_context())


def test_html_is_escaped_and_text_is_not(tmp_path: Path) -> None:
    files = {
        **GOOD,
        "ack.en.html.j2": "<p>{{ message.text }}</p>",
        "ack.en.txt.j2": "{{ message.text }} photos",
    }
    context = sample_context()
    context["message"]["text"] = "<script>alert(1)</script> & more"
    rendered = Templates(_write(tmp_path, files)).render("ack.en", context)
    assert rendered.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>"
    assert rendered.text.startswith("<script>alert(1)</script> & more")


def test_every_shipped_template_passes_the_check() -> None:
    assert [str(problem) for problem in check(SHIPPED)] == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"ack.en.txt.j2": "Dear {{ customer.name }\nphotos"}, "ack.en.txt.j2:1: syntax error"),
        ({"ack.en.txt.j2": "Hello\nDear {{ customer.nickname }}, photos"}, "ack.en.txt.j2:2: render error"),
        (
            {"ack.en.txt.j2": "Dear buyer,\nI am sorry. Photos please."},
            "ack.en.txt.j2:2: first person singular 'I'",
        ),
        (
            {"ack.en.txt.j2": "Please send photos to my colleague."},
            "ack.en.txt.j2:1: first person singular 'my'",
        ),
        (
            {"ack.en.txt.j2": "We are sorry. Nothing else."},
            "ack.en.txt.j2:1: acknowledgement without a photo request",
        ),
        (
            {"ack.zh.subject.j2": "回复", "ack.zh.txt.j2": "我很抱歉，请发照片。"},
            "ack.zh.txt.j2:1: first person singular '我'",
        ),
        (
            {"ack.es.subject.j2": "Re", "ack.es.txt.j2": "Yo lo siento, envíe fotos."},
            "ack.es.txt.j2:1: first person singular 'Yo'",
        ),
        ({"ack.de.txt.j2": "Fotos bitte"}, "ack.de.subject.j2:0: missing: ack.de needs a subject file"),
        (
            {"reminder.de.subject.j2": "Erinnerung", "reminder.de.txt.j2": "Bitte zahlen"},
            "no fallback: reminder.en is missing",
        ),
    ],
)
def test_the_check_names_file_line_and_reason(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    problems = [str(problem) for problem in check(_write(tmp_path, {**GOOD, **files}))]
    assert any(expected in problem for problem in problems), problems


def test_we_forms_pass_the_first_person_check(tmp_path: Path) -> None:
    files = {
        "ack.zh.subject.j2": "回复",
        "ack.zh.txt.j2": "我们非常抱歉，我司将尽快处理，我方请您发送照片。",
        "ack.es.subject.j2": "Re",
        "ack.es.txt.j2": "Lo sentimos mucho. Por favor, envíenos fotos. Mismo día.",
    }
    assert [str(p) for p in check(_write(tmp_path, {**GOOD, **files}))] == []


def test_the_cli_check_fails_with_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, {**GOOD, "ack.en.txt.j2": "Dear buyer,\nI will look. Photos please."})
    done = subprocess.run(
        [sys.executable, "-m", "mailflow", "templates", "check", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert f"{tmp_path / 'ack.en.txt.j2'}:2: first person singular 'I'" in done.stdout


@pytest.mark.parametrize("category", ["quality", "shipping", "contract", "service"])
@pytest.mark.parametrize("language", ["en", "zh", "es"])
def test_each_complaint_category_has_its_own_acknowledgement_in_english_chinese_and_spanish(
    category: str, language: str
) -> None:
    assert Templates(SHIPPED).choose("ack", category, language) == f"ack.{category}.{language}"


@pytest.mark.parametrize("language", ["pt", "ru", "de", "fr"])
def test_portuguese_russian_german_and_french_buyers_get_the_generic_one_in_their_language(
    language: str,
) -> None:
    assert Templates(SHIPPED).choose("ack", "shipping", language) == f"ack.{language}"
