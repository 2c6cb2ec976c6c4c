"""The Dockerfile and docker-compose.yml, built and run for real with podman: `make image-check`.

The image: built from the Dockerfile; it runs as uid 10001; `mailflow run` refuses an
unmigrated database in one line; `db upgrade` twice; `doctor` passes; the image's own
command takes in a complaint over IMAP, its draft is approved with `podman exec`, sent
once over SMTP; the HEALTHCHECK passes; SIGTERM (`podman stop`) ends it with exit 0.

The compose file: its `postgres` service (a local stand-in for postgres:16, see
postgres/Containerfile) until its healthcheck passes, its `migrate` service with
`podman-compose run`, then two `mailflow` workers as the file defines them, sharing
the database by leases: a complaint drafted, approved on the other worker, sent once,
both healthy, both stopped with exit 0. podman-compose 1.0.6 on podman 4.3 honours
neither `service_healthy` nor `service_completed_successfully`, so this script waits
where compose would.

The real servers are the tests' own: Dovecot, aiosmtpd and the machine's PostgreSQL.
`--compose-only` skips the first part.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from aiosmtpd.controller import Controller  # noqa: E402
from imapclient import IMAPClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

import tests.support.dovecot as dovecot_support  # noqa: E402
from mailflow.demo.embedded import free_port  # noqa: E402
from tests.support.daemon import wait_for  # noqa: E402
from tests.support.mail import buyer_mail  # noqa: E402
from tests.support.smtp_sink import FaultyHandler  # noqa: E402

IMAGE = "localhost/mailflow:check"
USER = "sales@ningbo-homeware.example"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COMPOSE = [sys.executable, "-m", "podman_compose"]


def sh(*args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run(args, check=False, capture_output=True, text=True, cwd=cwd)
    print(f"$ {' '.join(args)[:160]}  -> exit {done.returncode} in {time.monotonic() - started:.1f} s")
    for line in (done.stdout + done.stderr).strip().splitlines()[-8:]:
        if "systemd" not in line and "level=warning" not in line:  # podman without systemd timers
            print("    " + line[:200])
    if check and done.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(args)}")
    return done


def settings(database_url: str, host: str, imap_port: int, smtp_port: int, password: str) -> str:
    insecure = "" if host == "127.0.0.1" else "allow_insecure = true  # the test servers have no TLS\n"
    return f"""
[database]
url = "{database_url}"
[health]
enabled = true
[fetch]
lease_seconds = 9
[[mailbox]]
name = "sales"
address = "{USER}"
display_name = "Ningbo Homeware Sales"
[mailbox.imap]
host = "{host}"
port = {imap_port}
security = "none"
{insecure}username = "{USER}"
password = "{password}"
folders = ["INBOX"]
[mailbox.smtp]
host = "{host}"
port = {smtp_port}
security = "none"
{insecure}"""


def complaint_goes_through(
    imap_port: int, handler: FaultyHandler, drafting: str, approving: str, subject: str
) -> None:
    with IMAPClient("127.0.0.1", port=imap_port, ssl=False) as client:
        client.login(USER, dovecot_support.PASSWORD)
        client.append("INBOX", buyer_mail(subject, "14 cartons arrived crushed.", to=USER))

    def drafts() -> list[dict[str, object]]:
        command = ["podman", "exec", drafting, "mailflow", "drafts", "list", "--json"]
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        return json.loads(done.stdout or "[]") if done.returncode == 0 else []

    found = wait_for(drafts, 60)  # a draft for the complaint
    print(f"    drafted: {found[0]['subject']} ({found[0]['status']})")
    sh("podman", "exec", approving, "mailflow", "drafts", "approve", str(found[0]["id"]))
    wait_for(lambda: handler.received, 60)  # the acknowledgement at the SMTP server
    time.sleep(2)
    if len(handler.received) != 1:
        raise SystemExit(f"FAILED: {len(handler.received)} messages reached the SMTP server, not 1")
    print("    sent once: " + handler.received[0].split(b"\r\n\r\n")[0].decode().splitlines()[2][:100])


def stopped_cleanly(*names: str) -> None:
    started = time.monotonic()
    for name in names:
        sh("podman", "stop", "-t", "15", name)
        print(f"    stopped in {time.monotonic() - started:.1f} s")
        sh("podman", "logs", "--tail", "5", name, check=False)
        started = time.monotonic()
    for name in names:
        code = sh("podman", "inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip()
        if code != "0":
            sh("podman", "logs", "--tail", "30", name, check=False)
            raise SystemExit(f"FAILED: {name} exited {code} after SIGTERM")


def remove(*names: str) -> None:
    for name in names:  # one at a time: podman gives up on a list at its first unknown name
        subprocess.run(["podman", "stop", "-t", "2", name], check=False, capture_output=True)
        subprocess.run(["podman", "rm", "-f", name], check=False, capture_output=True)


def check_image(work: Path) -> None:
    print("== the image")
    config = sh("podman", "image", "inspect", IMAGE).stdout
    image = json.loads(config)[0]
    assert image["Config"]["User"] == "mailflow", image["Config"]["User"]
    assert image.get("Healthcheck") or image["Config"].get("Healthcheck"), (
        "no HEALTHCHECK (build with --format docker)"
    )
    assert "uid=10001(mailflow)" in sh("podman", "run", "--rm", IMAGE, "id").stdout
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS image_check CASCADE"))
        connection.execute(text("CREATE SCHEMA image_check"))
    data = work / "image"
    data.mkdir()
    (data / "database_url").write_text(f"{POSTGRES}?options=-csearch_path%3Dimage_check\n")
    dovecot = dovecot_support.Dovecot().start()
    handler, smtp_port = FaultyHandler(), free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    remove("mailflow-check")
    try:
        url = "file:/var/lib/mailflow/database_url"
        (data / "settings.toml").write_text(
            settings(url, "127.0.0.1", dovecot.port, smtp_port, "env:IMAP_PASSWORD")
        )
        os.chown(data, 10001, 0)
        run = [
            "podman",
            "run",
            "--rm",
            "--network",
            "host",
            "-e",
            f"IMAP_PASSWORD={dovecot_support.PASSWORD}",
        ]
        run += ["-v", f"{data}:/var/lib/mailflow", IMAGE, "mailflow"]
        refused = sh(*run, "run", "--once", check=False)
        assert refused.returncode == 1 and "run `mailflow db upgrade`" in refused.stderr, refused.stderr
        assert "migrated from nothing" in sh(*run, "db", "upgrade").stdout
        assert "already at" in sh(*run, "db", "upgrade").stdout
        assert "all checks passed" in sh(*run, "doctor").stdout
        sh("podman", "run", "-d", "--name", "mailflow-check", *run[3:-1])  # the image's own CMD
        complaint_goes_through(
            dovecot.port, handler, "mailflow-check", "mailflow-check", "货物破损 Crushed cartons"
        )
        sh("podman", "healthcheck", "run", "mailflow-check")
        stopped_cleanly("mailflow-check")
    finally:
        remove("mailflow-check")
        smtp.stop()
        dovecot.cleanup()
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS image_check CASCADE"))


def check_compose(work: Path) -> None:
    print("== docker-compose.yml")
    project = work / "compose"
    project.mkdir()
    for name in ("docker-compose.yml",):
        shutil.copy(REPO / name, project / name)
    (project / "secrets").mkdir()
    (project / "data").mkdir()
    (project / "secrets" / "postgres_password").write_text("compose-check-password\n")
    url = "postgresql+psycopg://mailflow:compose-check-password@postgres:5432/mailflow"
    (project / "secrets" / "database_url").write_text(url + "\n")
    os.chown(project / "data", 10001, 0)
    for service in ("mailflow", "migrate"):  # what `build: .` would have built
        sh("podman", "tag", IMAGE, f"localhost/compose_{service}")
    # The containers reach the host's Dovecot and SMTP server through the compose network's gateway.
    dovecot_support.CONFIG = dovecot_support.CONFIG.replace("127.0.0.1", "*")
    dovecot = dovecot_support.Dovecot().start()
    handler, smtp_port = FaultyHandler(), free_port()
    smtp = Controller(handler, hostname="0.0.0.0", port=smtp_port)  # noqa: S104 - the bridge must reach it
    smtp.start()
    workers = ("compose_mailflow_1", "compose_mailflow_2")
    try:
        sh(*COMPOSE, "up", "-d", "postgres", cwd=project)
        healthcheck = ["podman", "healthcheck", "run", "compose_postgres_1"]
        wait_for(
            lambda: (
                [True]
                if subprocess.run(healthcheck, check=False, capture_output=True).returncode == 0
                else []
            ),
            90,
        )
        network = json.loads(sh("podman", "network", "inspect", "compose_default").stdout)[0]
        host = network["subnets"][0]["gateway"]
        config = settings(
            "file:/run/secrets/database_url", host, dovecot.port, smtp_port, dovecot_support.PASSWORD
        )
        (project / "data" / "settings.toml").write_text(config)
        sh(*COMPOSE, "run", "--rm", "migrate", cwd=project)
        remove(*workers)
        for name in workers:  # the `mailflow` service, scaled to two
            sh("podman", "run", "-d", "--name", name, "--net", "compose_default", "-v", f"{project}/data:/var/lib/mailflow",
               "-v", f"{project}/secrets/database_url:/run/secrets/database_url:ro", "localhost/compose_mailflow",
               "mailflow", "run")  # fmt: skip
        complaint_goes_through(dovecot.port, handler, workers[0], workers[1], "Crushed cartons, PO 45002")
        time.sleep(10)  # a lease round: each worker settles on its share
        for name in workers:
            sh("podman", "healthcheck", "run", name)
        stopped_cleanly(*workers)
    finally:
        remove(*workers)
        subprocess.run([*COMPOSE, "down", "-v"], cwd=project, check=False, capture_output=True)
        smtp.stop()
        dovecot.cleanup()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mailflow-image-check-") as folder:
        work = Path(folder)
        os.chmod(work, 0o755)  # noqa: S103 - the containers' uid 10001 must get in
        if "--compose-only" not in sys.argv:
            check_image(work)
        check_compose(work)
    print("image check: everything passed")


if __name__ == "__main__":
    main()
