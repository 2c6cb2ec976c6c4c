"""A template that cannot draft: `run --once` exits 3 with one line per cause; /healthz names it."""

from __future__ import annotations

from pathlib import Path

from imapclient import IMAPClient

from mailflow.config import settings as config
from mailflow.demo.embedded import free_port
from mailflow.drafts.templates import Templates
from mailflow.ops.daemon import DRAFTING_FAILED
from mailflow.ops.health import Health
from mailflow.ops.http import health_app
from tests.support.cli import run_mailflow
from tests.support.daemon import http_get, running_daemon, wait_for
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import MINIMAL_MAILBOX, TEMPLATES, write_settings

BROKEN = "Dear {{ customer.nickname }}, please send us photos.\n"


def _broken_templates(tmp_path: Path) -> Path:
    """The operator's acknowledgements, every one of them broken the same way."""
    folder = tmp_path / "own"
    folder.mkdir()
    for name in (name for name in Templates(None).names if name.startswith("ack.")):  # every shipped one
        (folder / f"{name}.subject.j2").write_text("{{ message.subject }}", encoding="utf-8")
        (folder / f"{name}.txt.j2").write_text(BROKEN, encoding="utf-8")
    return folder


def _with_templates(path: Path, folder: Path) -> None:
    path.write_text(path.read_text().replace(f'dir = "{TEMPLATES}"', f'dir = "{folder}"'), encoding="utf-8")


def test_run_once_exits_3_with_one_line_per_cause_and_drafts_once_the_template_is_fixed(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    own = _broken_templates(tmp_path)
    _with_templates(path, own)
    assert run_mailflow(path, "run", "--once").returncode == 0  # the first sync: what is there is history
    imap_client.append(
        "INBOX", buyer_mail("Cracked mugs", "The mugs arrived cracked.", "A <a@buyer.example>")
    )
    imap_client.append("INBOX", buyer_mail("Broken cups", "The cups arrived cracked.", "B <b@buyer.example>"))

    done = run_mailflow(path, "run", "--once")
    assert done.returncode == DRAFTING_FAILED == 3, done.stderr
    causes = [line for line in done.stderr.splitlines() if line.startswith("error: drafting:")]
    assert len(causes) == 1 and done.stderr.count("nickname") == 1, done.stderr  # one line, not a log too
    assert "nickname" in causes[0] and "(case 1, case 2)" in causes[0]
    assert "0 acknowledgement(s) drafted" in done.stderr

    for broken in own.iterdir():  # fixed: the operator's broken copies go, the shipped ones are used
        broken.unlink()
    again = run_mailflow(path, "run", "--once")
    assert again.returncode == 0, again.stderr
    assert "2 acknowledgement(s) drafted" in again.stderr and "error:" not in again.stderr


def test_healthz_is_not_ok_while_a_drafting_problem_lasts(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(MINIMAL_MAILBOX, encoding="utf-8")
    health = Health(config.load(tmp_path / "settings.toml"))
    app = health_app(health)
    answers: list[str] = []

    def get() -> tuple[str, str]:
        body = b"".join(
            app({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda s, h: answers.append(s))
        )
        return answers[-1], body.decode()

    assert get() == ("200 OK", "ok\n")
    failures = health.drafting.begin("schedule")
    failures.failed("reminder:INV-1:level-2", ValueError("no template for reminder (looked for reminder.en)"))
    failures.finish()
    status, body = get()
    assert status == "503 Service Unavailable"
    assert (
        body
        == "drafting: schedule: no template for reminder (looked for reminder.en) (reminder:INV-1:level-2)\n"
    )
    health.drafting.begin("schedule").finish()  # a tick without the problem
    assert get() == ("200 OK", "ok\n")


def test_the_daemon_logs_a_drafting_cause_once_and_healthz_names_it(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    port = free_port()
    fast = {"noop_seconds": 1, "poll_seconds": 1, "timeout_seconds": 1, "max_backoff_seconds": 1}
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD, fetch=fast)
    _with_templates(path, _broken_templates(tmp_path))
    path.write_text(path.read_text() + f"\n[health]\nenabled = true\nport = {port}\n", encoding="utf-8")
    assert run_mailflow(path, "run", "--once").returncode == 0  # the first sync: what is there is history
    base = f"http://127.0.0.1:{port}"
    with running_daemon(path) as daemon:
        imap_client.append(
            "INBOX", buyer_mail("Cracked mugs", "The mugs arrived cracked.", "A <a@buyer.example>")
        )
        wait_for(lambda: [text for code, text in [http_get(f"{base}/healthz")] if "drafting:" in text])
        # More mail, more drafting rounds meeting the same cause.
        imap_client.append(
            "INBOX", buyer_mail("Broken cups", "The cups arrived cracked.", "B <b@buyer.example>")
        )
        wait_for(lambda: [text for code, text in [http_get(f"{base}/healthz")] if "case 2" in text])
        code, text = http_get(f"{base}/healthz")
        assert code == 503 and "nickname" in text, text
        logged = daemon.stop()
    assert logged.count("logged once until fixed") == 1, logged
