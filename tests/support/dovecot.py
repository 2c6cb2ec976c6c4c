"""A real Dovecot for the tests: unprivileged instance, own config and maildir, free loopback port.

Any user name logs in with PASSWORD, so each test takes a fresh mailbox by
taking a fresh user name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from mailflow.demo.embedded import free_port

PASSWORD = "dovecot-test-password"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
passdb {{
  driver = static
  mechanisms = plain login
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u allow_all_users=yes
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Gesendet {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Entwürfe {{
    special_use = \\Drafts
    auto = subscribe
  }}
}}
imap_idle_notify_interval = 1 mins
# Every test logs in from 127.0.0.1: without this, each wrong password in the suite would lengthen
# the next one's delay (2, 4, 8, 15 s), and a login would time out depending on test order.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
{extra}
"""


class Dovecot:
    def __init__(self, tls: bool = False, extra_config: str = "", oauth2: bool = False) -> None:
        # Not under pytest's tmp_path: that is 0700 root-owned, and Dovecot's mail user must get in.
        self.root = Path(tempfile.mkdtemp(prefix="mailflow-dovecot-"))
        self.tls = tls
        self.tls_port = free_port() if tls else 0
        self.extra_config = extra_config
        self.oauth2_key = os.urandom(32) if oauth2 else b""
        if oauth2:
            self._oauth2_setup()
        self.port = free_port()
        self.host = "127.0.0.1"
        self.process: subprocess.Popen[bytes] | None = None
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise RuntimeError(
                "dovecot is not installed: `make test` installs Debian's dovecot-imapd "
                "(set MAILFLOW_SKIP_DOVECOT=1 to skip these tests explicitly)"
            )
        self.binary = binary

    def _identity(self) -> tuple[str, str, int, int]:
        if os.geteuid() == 0:
            # As root, Dovecot insists on its own unprivileged users for login and mail.
            mail_user = pwd.getpwnam("dovecot")
            return "dovenull", "dovecot", mail_user.pw_uid, mail_user.pw_gid
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me, os.geteuid(), os.getegid()

    def start(self) -> Dovecot:
        login_user, internal_user, uid, gid = self._identity()
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(self.root / "home", uid, gid)
            os.chmod(self.root, 0o755)  # noqa: S103 - Dovecot's mail user must reach its home
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                login_user=login_user,
                internal_user=internal_user,
                uid=uid,
                gid=gid,
                password=PASSWORD,
                port=self.port,
                tls_port=self.tls_port,
                ssl=self._ssl_settings(),
                extra=self.extra_config,
            )
        )
        self.process = subprocess.Popen([self.binary, "-F", "-c", str(config)])
        self._wait_listening()
        return self

    def _oauth2_setup(self) -> None:
        """XOAUTH2 as Gmail and Microsoft 365 do it, with Dovecot validating JWTs itself (HS256)."""
        keys = self.root / "keys" / "default" / "HS256"
        keys.mkdir(parents=True)
        (keys / "default").write_text(base64.b64encode(self.oauth2_key).decode())
        for folder in (self.root / "keys", self.root / "keys" / "default", keys):
            folder.chmod(0o755)
        conf = self.root / "oauth2.conf"
        conf.write_text(
            f"introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix={self.root}/keys/\n"
            "username_attribute = sub\n"
        )
        self.extra_config += (
            "\nauth_mechanisms = plain login xoauth2 oauthbearer\n"
            f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {conf}\n}}\n"
        )

    def oauth2_token(self, user: str, lifetime_seconds: int = 600) -> str:
        """A signed access token for `user`, as an identity provider would issue it."""

        def encode(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        now = int(time.time())
        claims = {"sub": user, "iat": now - 5, "exp": now + lifetime_seconds}
        unsigned = (
            encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
            + "."
            + encode(json.dumps(claims).encode())
        )
        signature = hmac.new(self.oauth2_key, unsigned.encode(), hashlib.sha256).digest()
        return unsigned + "." + encode(signature)

    @property
    def ca_file(self) -> Path:
        """The test CA that signed the server certificate (for SSL_CERT_FILE)."""
        return self.root / "ca.pem"

    def _ssl_settings(self) -> str:
        if not self.tls:
            return "ssl = no"
        if not (self.root / "server.pem").exists():
            make_certificates(self.root)
        return f"ssl = yes\nssl_cert = <{self.root / 'server.pem'}\nssl_key = <{self.root / 'server.key'}"

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}: {self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None
        # The master leaves its children to finish; wait until the port is free again.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                time.sleep(0.1)
            except OSError:
                return

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else "(no log)"


def make_certificates(folder: Path) -> None:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl is needed to make the TLS test certificates")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=mailflow test CA")  # fmt: skip
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    )
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "san.ext")  # fmt: skip
