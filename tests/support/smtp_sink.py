"""A real aiosmtpd server for tests, told to fail the way real servers do, and to check logins."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from imapclient import IMAPClient

from mailflow.demo.embedded import free_port
from tests.support.dovecot import PASSWORD as DOVECOT_PASSWORD

USER, PASSWORD, TOKEN = "sales@ningbo-homeware.example", "smtp-secret", "ya29.smtp-token"


class FaultyHandler:
    """Accepts mail unless told to fail at a given step; keeps what it accepted and who sent it."""

    def __init__(self) -> None:
        self.fail_rcpt = ""
        self.unknown: set[str] = set()  # addresses answered "550 no such user"
        self.fail_data = ""
        self.drop_after_dot = False
        self.received: list[bytes] = []
        self.envelopes: list[list[str]] = []  # RCPT TO addresses per accepted message
        self.senders: list[str] = []  # MAIL FROM address per accepted message
        self.peers: list[tuple[str, int]] = []  # the client's address per accepted message
        self.logins: list[str] = []  # mechanism per successful login
        self.delay = 0.0  # seconds before each 250 after DATA: a slow server
        self.on_accept: Callable[[], None] = lambda: None  # runs as each message is accepted

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if self.fail_rcpt:
            return self.fail_rcpt
        if address in self.unknown:
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.drop_after_dot:
            server.transport.close()
            return "250 never seen"
        if self.fail_data:
            return self.fail_data
        await asyncio.sleep(self.delay)
        self.on_accept()
        self.received.append(envelope.original_content or envelope.content)
        self.envelopes.append(list(envelope.rcpt_tos))
        self.senders.append(envelope.mail_from)
        self.peers.append(session.peer)
        return "250 Message accepted"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802 - aiosmtpd's hook name
        # The initial response: "user=<user>^Aauth=Bearer <token>^A^A", base64.
        fields = base64.b64decode(args[1]).decode().split("\x01")
        ok = fields[0] == f"user={USER}" and fields[1] == f"auth=Bearer {TOKEN}"
        if ok:
            self.logins.append("XOAUTH2")
        return AuthResult(success=ok, handled=False, message=None if ok else "535 5.7.8 Token invalid")


class FilingHandler(FaultyHandler):
    """Files every accepted message in the sender's Sent folder on Dovecot before its 250.

    That is what Gmail and Microsoft 365 do (mailflow's `save_sent = false`): the
    Sent copy and the 250 are one step, so a sender killed at any moment can
    tell afterwards whether its message went out.
    """

    def __init__(self, imap_port: int, sent_folder: str = "Gesendet") -> None:
        super().__init__()
        self.imap_port, self.sent_folder = imap_port, sent_folder
        self.clients: dict[str, IMAPClient] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        user = envelope.mail_from  # the test's IMAP user is the mailbox address
        if user not in self.clients:
            client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False)
            client.login(user, DOVECOT_PASSWORD)
            self.clients[user] = client
        self.clients[user].append(self.sent_folder, envelope.original_content or envelope.content)
        return await super().handle_DATA(server, session, envelope)


def _authenticator(handler: FaultyHandler) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            handler.logins.append(mechanism)
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    return check


@contextmanager
def running_sink(
    auth: bool = False,
    without: tuple[str, ...] = (),
    tls: str = "",
    certificates: Path | None = None,
    handler: FaultyHandler | None = None,
) -> Iterator[tuple[FaultyHandler, int]]:
    """(handler, port); with auth, the server refuses mail until a login succeeds (`without` those mechanisms).

    tls: "ssl" (TLS from the first byte) or "starttls" (required before MAIL), with the
    server certificate in `certificates` (tests.support.dovecot.make_certificates).
    """
    handler = handler or FaultyHandler()
    port = free_port()
    options: dict[str, Any] = {}
    if tls:
        assert certificates is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
        options = (
            {"ssl_context": context} if tls == "ssl" else {"tls_context": context, "require_starttls": True}
        )
    if auth:
        options |= {
            "authenticator": _authenticator(handler),
            "auth_required": True,
            "auth_require_tls": False,
        }
        options["auth_exclude_mechanism"] = without
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
