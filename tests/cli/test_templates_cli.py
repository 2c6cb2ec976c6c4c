"""`mailflow templates copy DIR` and `mailflow templates check` on the set mailflow really uses."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_mailflow
from tests.support.settings import MINIMAL_MAILBOX


def _settings(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.toml"
    path.write_text(extra + MINIMAL_MAILBOX, encoding="utf-8")
    return path


def test_copy_prints_what_it_copied_and_keeps_the_operators_files_without_force(tmp_path: Path) -> None:
    path = _settings(tmp_path)
    target = tmp_path / "mine"
    first = run_mailflow(path, "templates", "copy", str(target))
    assert first.returncode == 0, first.stderr
    assert f"copied {target / 'ack.en.txt.j2'}" in first.stdout
    (target / "ack.en.txt.j2").write_text("ours", encoding="utf-8")
    second = run_mailflow(path, "templates", "copy", str(target))
    assert second.returncode == 0
    assert f"kept {target / 'ack.en.txt.j2'} (exists; --force overwrites it)" in second.stdout
    assert "0 copied" in second.stdout and (target / "ack.en.txt.j2").read_text() == "ours"
    forced = run_mailflow(path, "templates", "copy", str(target), "--force")
    assert forced.returncode == 0 and (target / "ack.en.txt.j2").read_text() != "ours"


def test_check_without_templates_dir_checks_the_shipped_templates(tmp_path: Path) -> None:
    done = run_mailflow(_settings(tmp_path), "templates", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(0 of them the operator's), the shipped ones" in done.stdout and "all good" in done.stdout


def test_check_takes_the_operators_folder_from_the_settings_and_names_its_broken_file(tmp_path: Path) -> None:
    own = tmp_path / "team" / "own"
    own.mkdir(parents=True)
    (own / "ack.en.subject.j2").write_text("{{ message.subject }}", encoding="utf-8")
    (own / "ack.en.txt.j2").write_text("Dear buyer,\nI will look. Photos please.\n", encoding="utf-8")
    path = _settings(tmp_path / "team", '[templates]\ndir = "own"\n')
    done = run_mailflow(path, "templates", "check")
    assert done.returncode == 1
    assert f"{own / 'ack.en.txt.j2'}:2: first person singular 'I'" in done.stdout
    assert "1 problem(s) in" in done.stderr


def test_check_of_a_folder_that_is_not_there_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = run_mailflow(_settings(tmp_path), "templates", "check", "--dir", str(tmp_path / "nothing"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"{tmp_path / 'nothing'}: templates folder not found"


def test_doctor_names_a_templates_dir_that_is_not_there(tmp_path: Path) -> None:
    done = run_mailflow(_settings(tmp_path, '[templates]\ndir = "gone"\n'), "doctor")
    assert done.returncode == 1
    assert f"FAIL settings: templates.dir: folder {tmp_path / 'gone'} not found" in done.stdout
