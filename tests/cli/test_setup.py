"""`mailflow init` and `mailflow doctor` against a real Dovecot, aiosmtpd and both databases."""

from __future__ import annotations

from pathlib import Path

from mailflow.store.engine import Store
from tests.support.cli import run_mailflow
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.file_modes import modes_under, permissive_umask
from tests.support.settings import write_settings
from tests.support.smtp_sink import PASSWORD as SMTP_PASSWORD
from tests.support.smtp_sink import USER as SMTP_USER
from tests.support.smtp_sink import running_sink


def test_init_writes_commented_settings_and_a_migrated_database(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "team" / "settings.toml"
    made = run_mailflow(path, "init", "--database", db_url)
    assert made.returncode == 0, made.stderr
    assert "# mailflow settings." in path.read_text() and f'url = "{db_url}"' in path.read_text()
    assert (tmp_path / "team" / "templates" / "ack.en.txt.j2").exists()  # the operator's copy to adapt
    assert run_mailflow(path, "db", "status").returncode == 0  # migrated
    again = run_mailflow(path, "init")
    assert again.returncode == 1 and "exists; not overwritten" in again.stderr


def test_doctor_passes_on_a_working_setup_and_names_each_broken_part(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    with running_sink(auth=True) as (_, port):
        smtp = (
            f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nallow_insecure = true\n'
            f'username = "{SMTP_USER}"\npassword = "env:SMTP_SECRET"\n'
        )
        path = write_settings(
            tmp_path, db_url, dovecot.port, imap_user, "env:IMAP_SECRET", extra=smtp, migrate=False
        )
        secrets = {"IMAP_SECRET": PASSWORD, "SMTP_SECRET": SMTP_PASSWORD}
        unmigrated = run_mailflow(path, "doctor", env=secrets)
        assert unmigrated.returncode == 1
        assert "FAIL database" in unmigrated.stdout and "fix: run `mailflow db upgrade`" in unmigrated.stdout

        Store(db_url).create_schema()
        healthy = run_mailflow(path, "doctor", env=secrets)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert "ok   imap sales: logged in" in healthy.stdout and "IDLE yes" in healthy.stdout
        assert "SPECIAL-USE yes" in healthy.stdout and "ok   smtp sales: logged in" in healthy.stdout
        assert "ok   templates" in healthy.stdout and "all checks passed" in healthy.stdout

        broken = run_mailflow(
            path, "doctor", env={"IMAP_SECRET": "wrong-password-123", "SMTP_SECRET": SMTP_PASSWORD}
        )
        assert broken.returncode == 1 and "FAIL imap sales" in broken.stdout and "fix:" in broken.stdout
        assert "wrong-password-123" not in broken.stdout + broken.stderr  # never the secret
        unset = run_mailflow(path, "doctor", env={"IMAP_SECRET": PASSWORD})
        assert (
            "FAIL secret mailbox[0].smtp.password: environment variable SMTP_SECRET is not set"
            in unset.stdout
        ), unset.stdout


def test_init_writes_its_settings_templates_and_database_for_its_owner_only(tmp_path: Path) -> None:
    """settings.toml may hold secret references and the database buyer mail and password hashes."""
    path = tmp_path / "team" / "settings.toml"
    with permissive_umask():
        made = run_mailflow(path, "init")
    assert made.returncode == 0, made.stderr
    modes = modes_under(tmp_path / "team")
    assert modes["."] == "0o700" and modes["settings.toml"] == "0o600" and modes["mailflow.db"] == "0o600"
    assert modes["templates"] == "0o700" and modes["templates/ack.en.txt.j2"] == "0o600"
    assert set(modes.values()) == {"0o700", "0o600"}, modes
