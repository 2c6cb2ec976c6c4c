"""A run over big mail stays small: a fetch batch is bounded in bytes, not only in messages (issue #17)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailflow.inbound.ingest import Ingest
from mailflow.mailservers.imap import FetchedMessage, ImapConnection
from mailflow.store.engine import Store
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import load_settings, write_settings

pytestmark = pytest.mark.dovecot

# Runs the command it is given and prints the peak resident memory of the biggest process among
# it and its own children (the parsing workers), in KiB: what the kernel measured, not a sample.
_PEAK_OF = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], check=False).returncode\n"
    "print('peak-kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def _inspection_report(index: int) -> bytes:
    """About 25 MB: an 18.5 MB PDF or JPEG, base64-encoded, as a phone or a scanner sends it."""
    kind, name = ("application/pdf", f"inspection-{index}.pdf")
    if index % 2:
        kind, name = ("image/jpeg", f"IMG_{index}.jpg")
    head = (
        "From: Maria Lopez <maria@harbor-imports.example>\r\nTo: sales@ningbo-homeware.example\r\n"
        f"Subject: Inspection report {index}\r\nMessage-ID: <report-{index}@harbor-imports.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="part"\r\n\r\n'
        "--part\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe inspection report is attached.\r\n"
        f'--part\r\nContent-Type: {kind}; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    )
    payload = base64.encodebytes(os.urandom(18_500_000)).replace(b"\n", b"\r\n")
    return head.encode() + payload + b"--part--\r\n"


def test_six_25_mb_messages_are_all_recorded_in_under_300_mb(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    """SQLite only: the embedded default, and the raw bytes pass through the database driver only on quarantine."""
    for index in range(6):
        raw = _inspection_report(index)
        assert len(raw) > 25_000_000
        imap_client.append("INBOX", raw)
        del raw
    database = tmp_path / "mailflow.db"
    settings = write_settings(tmp_path, f"sqlite:///{database}", dovecot.port, imap_user, PASSWORD)
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_OF, sys.executable, "-m", "mailflow", "--config", str(settings),
         "run", "--once"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "6 fetched, 6 logged" in done.stderr, done.stderr
    store = Store(f"sqlite:///{database}")
    assert sorted(contact["message_id"] for contact in store.contacts()) == [
        f"report-{index}@harbor-imports.example" for index in range(6)
    ]
    store.close()
    peak_mb = int(done.stdout.rsplit("peak-kib", 1)[1]) / 1024
    assert peak_mb < 300, f"peak resident memory {peak_mb:.0f} MB"


class _FetchLog(ImapConnection):
    """The real adapter, noting the UIDs of each FETCH of bodies."""

    fetched: list[list[int]]

    def fetch(self, uids: Sequence[int]) -> dict[int, FetchedMessage]:
        self.fetched.append(list(uids))
        return super().fetch(uids)


def test_a_backlog_is_fetched_in_batches_cut_by_their_size_on_the_server(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    for index in range(5):
        imap_client.append("INBOX", buyer_mail(message_id=f"<b{index}@x>", padding=400_000))
    path = write_settings(
        tmp_path, f"sqlite:///{tmp_path / 'mailflow.db'}", dovecot.port, imap_user, PASSWORD,
        fetch={"batch_bytes": 1024 * 1024, "workers": 0},
    )  # fmt: skip
    settings = load_settings(path)
    store = Store(settings.database_url)
    connection = _FetchLog(settings.mailboxes[0], settings.fetch)
    connection.fetched = []
    connection.connect()
    report = Ingest(settings, store).sync_folder(connection, settings.mailboxes[0], "INBOX")
    connection.close()
    store.close()
    assert report.recorded == 5
    assert connection.fetched == [[1, 2], [3, 4], [5]]  # 400 KB each: two fit in 1 MB, three do not


def test_sizes_are_the_servers_and_a_message_expunged_meanwhile_has_none(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    raws = [buyer_mail(message_id=f"<s{index}@x>", padding=index * 1000) for index in range(3)]
    for raw in raws:
        imap_client.append("INBOX", raw)
    imap_client.select_folder("INBOX")
    imap_client.delete_messages([2])
    imap_client.expunge()
    settings = load_settings(
        write_settings(tmp_path, "sqlite://", dovecot.port, imap_user, PASSWORD, migrate=False)
    )
    connection = ImapConnection(settings.mailboxes[0], settings.fetch)
    connection.connect()
    connection.examine("INBOX")
    sizes = connection.sizes([1, 2, 3])
    connection.close()
    # Dovecot counts line ends as CRLF, as RFC822.SIZE says; these messages were appended with LF.
    assert sizes == {1: len(raws[0].replace(b"\n", b"\r\n")), 3: len(raws[2].replace(b"\n", b"\r\n"))}
