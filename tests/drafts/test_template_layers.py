"""The operator's templates over the shipped ones, name by name; their check; and copying the shipped ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.drafts.template_check import check, sample_context
from mailflow.drafts.template_copy import copy_shipped
from mailflow.drafts.templates import SHIPPED_TEMPLATES, TemplateProblem, Templates
from tests.support.file_modes import modes_under, permissive_umask

OWN_ACK = {
    "ack.en.subject.j2": "Our answer: {{ message.subject }}",
    "ack.en.txt.j2": "Dear {{ customer.name }},\nWe are on it. Please send us photos of the damage.\n",
}


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_operators_template_replaces_only_the_shipped_one_of_its_name(tmp_path: Path) -> None:
    templates = Templates(_folder(tmp_path, OWN_ACK))
    rendered = templates.render("ack.en", sample_context())
    assert rendered.subject.startswith("Our answer:") and "We are on it." in rendered.text
    assert templates.source("ack.en") == tmp_path / "templates"
    # Everything else is still there, from the package.
    assert templates.choose("ack", "shipping", "es") == "ack.shipping.es"
    assert templates.source("ack.shipping.es") == SHIPPED_TEMPLATES
    assert "reminder.due.zh" in templates.names


def test_without_an_operator_folder_the_shipped_templates_are_used(tmp_path: Path) -> None:
    templates = Templates(tmp_path / "templates")  # no such folder: templates.dir was left out
    assert templates.choose("ack", "quality", "zh") == "ack.quality.zh"
    assert "照片" in templates.render("ack.quality.zh", sample_context()).text


def test_an_operator_template_missing_a_part_does_not_borrow_it_from_the_shipped_one(tmp_path: Path) -> None:
    templates = Templates(_folder(tmp_path, {"ack.en.subject.j2": "Only a subject"}))
    with pytest.raises(TemplateProblem, match=r"needs both ack\.en\.subject\.j2 and ack\.en\.txt\.j2"):
        templates.render("ack.en", sample_context())


def test_the_check_of_the_set_in_use_takes_the_fallbacks_from_the_shipped_ones(tmp_path: Path) -> None:
    french = {
        "ack.fr.subject.j2": "Re: {{ message.subject }}",
        "ack.fr.txt.j2": "Bonjour,\nNous regardons. Merci de nous envoyer des photos.\n",
    }
    folder = _folder(tmp_path, french)
    alone = [str(problem) for problem in check(folder)]
    assert any("no fallback: ack.en is missing" in problem for problem in alone)
    assert [str(problem) for problem in check(folder, SHIPPED_TEMPLATES)] == []


def test_the_check_names_the_operators_file_with_its_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {**OWN_ACK, "ack.en.txt.j2": "Dear buyer,\nI will look. Photos please.\n"})
    problems = check(folder, SHIPPED_TEMPLATES)
    assert [(p.path, p.line) for p in problems] == [(str(folder / "ack.en.txt.j2"), 2)]
    assert "first person singular 'I'" in problems[0].message


def test_copying_the_shipped_templates_makes_private_files_and_keeps_the_operators(tmp_path: Path) -> None:
    folder = tmp_path / "team" / "templates"
    with permissive_umask():
        copied, kept = copy_shipped(folder)
    assert "ack.en.txt.j2" in copied and "README.md" in copied and kept == []
    assert sorted(path.name for path in folder.iterdir()) == sorted(copied)
    modes = modes_under(folder)
    assert modes["."] == "0o700" and set(modes.values()) == {"0o700", "0o600"}, modes

    (folder / "ack.en.txt.j2").write_text("ours", encoding="utf-8")
    copied, kept = copy_shipped(folder)
    assert copied == [] and "ack.en.txt.j2" in kept
    assert (folder / "ack.en.txt.j2").read_text(encoding="utf-8") == "ours"
    copied, kept = copy_shipped(folder, force=True)
    assert (
        kept == []
        and (folder / "ack.en.txt.j2").read_bytes() == (SHIPPED_TEMPLATES / "ack.en.txt.j2").read_bytes()
    )


def test_the_news_example_ships_beside_the_templates_and_is_not_a_template() -> None:
    example = SHIPPED_TEMPLATES / "news" / "2026-W49.md"
    assert example.read_text(encoding="utf-8").strip()
    assert not any(name.startswith("news") for name in Templates(None).names)
