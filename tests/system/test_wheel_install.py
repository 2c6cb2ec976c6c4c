"""mailflow as an operator installs it: a wheel in a fresh virtualenv, far from the checkout (issue #18).

The wheel is built from the checkout's sources, installed into a new venv
without its dependencies (they come from this venv's site-packages through a
plain .pth path line, which does not run that folder's own .pth files, so
the checkout's editable install stays out of it), and run from a folder
outside the checkout with a relative `--config team/settings.toml` and no
`templates.dir`: the shipped templates must come from the wheel, and every
path from the settings file must work wherever the command runs.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import format_datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailflow.demo.embedded import free_port
from mailflow.demo.messages import fake_jpeg
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.smtp_sink import running_sink

pytestmark = pytest.mark.dovecot

CHECKOUT = Path(__file__).resolve().parents[2]
BUYER = "buyer@harbor-imports.example"
PHOTO = fake_jpeg(30_000, 7)
REVIEWER_PASSWORD = "correct horse battery"


def _build_wheel(tmp_path: Path) -> Path:
    """The checkout's package, built as a wheel. From a copy of its sources: an in-tree build
    would leave build/ and egg-info changes in a checkout others are working in."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(CHECKOUT / name, source / name)
    shutil.copytree(CHECKOUT / "mailflow", source / "mailflow", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
         str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = wheels.glob("mailflow-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # Only then the dependencies: pip would otherwise find this venv's record of the editable mailflow.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv


def _complaint(date: datetime) -> bytes:
    message = EmailMessage()
    message["From"] = f"Maria Lopez <{BUYER}>"
    message["To"] = "sales@ningbo-homeware.example"
    message["Subject"] = "Cracked mugs on PO 4500123"
    message["Date"] = format_datetime(date)
    message["Message-ID"] = "<old-date-complaint@harbor-imports.example>"
    message.set_content("Half of the mugs arrived cracked. The photo of the cartons is attached.")
    message.add_attachment(PHOTO, maintype="image", subtype="jpeg", filename="cartons.jpg")
    return message.as_bytes()


def _settings(work: Path, imap_port: int, imap_user: str, smtp_port: int) -> None:
    team = work / "team"
    team.mkdir(parents=True)
    # Every path left relative (the database, data_dir, the templates): all of them beside the file.
    (team / "settings.toml").write_text(
        f"""
[company]
name = "Ningbo Homeware Co., Ltd."

[classify]
model = "off"

[schedule]
enabled = false

[[mailbox]]
name = "sales"
address = "sales@ningbo-homeware.example"
display_name = "Ningbo Homeware Sales"

[mailbox.imap]
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{imap_user}"
password = "{PASSWORD}"
folders = ["INBOX"]

[mailbox.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
save_sent = false
""",
        encoding="utf-8",
    )


class Installed:
    """The new venv's `mailflow`, run from `work` with the relative --config."""

    def __init__(self, venv: Path, work: Path) -> None:
        self.venv, self.work = venv, work
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MAILFLOW_", "PYTHON", "VIRTUAL_ENV"))
        } | {"MAILFLOW_REVIEWER": "wang"}

    def command(self, *args: str) -> list[str]:
        return [str(self.venv / "bin" / "mailflow"), "--config", "team/settings.toml", *args]

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), cwd=self.work, env=self.env, input=stdin,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def python(self, code: str) -> str:
        return subprocess.run(
            [str(self.venv / "bin" / "python"), "-c", code], cwd=self.work, env=self.env,
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout.strip()  # fmt: skip


def test_the_wheel_drafts_sends_and_serves_a_photo_from_a_fresh_venv_with_a_relative_config(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "mailflow/drafts/shipped_templates/ack.en.txt.j2" in names
    assert "mailflow/drafts/shipped_templates/news/2026-W49.md" in names
    venv = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "operator"
    installed = Installed(venv, work)
    with running_sink() as (sink, smtp_port):
        _settings(work, dovecot.port, imap_user, smtp_port)
        where = installed.python("import mailflow; print(mailflow.__file__)")
        assert Path(where).is_relative_to(venv) and not Path(where).is_relative_to(CHECKOUT), where

        assert installed.run("db", "upgrade").returncode == 0
        first = installed.run("run", "--once")  # the first sync of an empty INBOX
        assert first.returncode == 0, first.stderr
        # Written two years ago, arriving now: it arrived while mailflow watched, so it is answered.
        imap_client.append("INBOX", _complaint(datetime.now(UTC) - timedelta(days=730)))
        second = installed.run("run", "--once")
        assert second.returncode == 0, second.stderr
        assert "1 acknowledgement(s) drafted" in second.stderr, second.stderr

        (draft,) = json.loads(installed.run("drafts", "list", "--json").stdout)
        assert draft["status"] == "pending_review"
        approved = installed.run("drafts", "approve", str(draft["id"]))
        assert approved.returncode == 0, approved.stderr
        third = installed.run("run", "--once")
        assert third.returncode == 0, third.stderr
    assert sink.envelopes == [[BUYER]], third.stderr
    sent = BytesParser(policy=default).parsebytes(sink.received[0])
    assert sent["In-Reply-To"] == "<old-date-complaint@harbor-imports.example>"
    assert "photo" in sent.get_body(("plain",)).get_content().lower()  # a shipped acknowledgement

    added = installed.run("reviewers", "add", "wang", "--password-stdin", stdin=REVIEWER_PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert _photo_from_the_review_page(installed, draft["id"]) == PHOTO


def _photo_from_the_review_page(installed: Installed, draft_id: int) -> bytes:
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        installed.command("review", "serve", "--port", str(port)),
        cwd=installed.work, env=installed.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        browser.addheaders = [("Origin", site)]
        login = _wait_for_page(browser, f"{site}/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login)
        assert token, login
        form = {"username": "wang", "password": REVIEWER_PASSWORD, "csrf_token": token.group(1)}
        browser.open(f"{site}/login", urllib.parse.urlencode(form).encode(), timeout=10).read()
        page = browser.open(f"{site}/drafts/{draft_id}", timeout=10).read().decode()
        thumbnail = re.search(r'class="thumb" src="([^"]+)"', page)
        assert thumbnail, page
        with browser.open(site + thumbnail.group(1), timeout=10) as response:
            assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
            return bytes(response.read())
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=15)
        assert "Traceback" not in errors.decode(errors="replace"), errors


def _wait_for_page(browser: urllib.request.OpenerDirector, url: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with browser.open(url, timeout=5) as response:
                return str(response.read().decode())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
