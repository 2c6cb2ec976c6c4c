"""The SMTP adapter: connect (ssl/starttls/none), authenticate (PLAIN/LOGIN or XOAUTH2), send.

Every failure becomes a SendFailed that says whether trying again can help:
5xx is permanent (the draft fails with the server's reason), 4xx and a
dropped connection are transient (the draft is retried later). Error texts
come from the server and name the mailbox, never a password or token.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Sequence
from types import TracebackType

from mailflow.config.settings import MailboxSettings
from mailflow.errors import MailflowError
from mailflow.mailservers.outgoing import Outgoing


class SendFailed(MailflowError):
    def __init__(self, message: str, permanent: bool, code: int = 0, refused: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.refused = refused  # addresses the server refused for good (5xx at RCPT): they do not exist


def dead_addresses(recipients: dict[str, tuple[int, bytes]]) -> tuple[str, ...]:
    return tuple(rcpt for rcpt, (code, _) in recipients.items() if 500 <= code < 600)


def _server_text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)).strip()


def _refusals(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{rcpt}: {code} {_server_text(text)}" for rcpt, (code, text) in recipients.items())


# An addr-spec whose local part is a dot-atom (RFC 5322 3.4.1), ASCII only.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)


class _Client(smtplib.SMTP):
    """smtplib.SMTP, quoting a plain address without parsing it again.

    smtplib runs each MAIL FROM and RCPT TO address through email.utils.parseaddr,
    about 20 µs each: two a message, as much as a tenth of a message's round trips
    on a local server. A plain address, as drafts hold them, is written as smtplib
    would write it, `<address>`; anything else still goes through smtplib.
    """

    def mail(self, sender: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        if not _PLAIN_ADDRESS.fullmatch(sender) or any(o.lower() == "smtputf8" for o in options):
            return super().mail(sender, options)
        self.putcmd("mail", f"FROM:<{sender}>{self._options(options)}")
        return self.getreply()

    def rcpt(self, recip: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        if not _PLAIN_ADDRESS.fullmatch(recip):
            return super().rcpt(recip, options)
        self.putcmd("rcpt", f"TO:<{recip}>{self._options(options)}")
        return self.getreply()

    def _options(self, options: Sequence[str]) -> str:
        return " " + " ".join(options) if options and self.does_esmtp else ""

    def sendmail_with_copies(
        self, sender: str, recipients: Sequence[str], copies: Sequence[str], raw: bytes
    ) -> dict[str, tuple[int, bytes]]:
        """smtplib's sendmail, except that DATA follows only once one of `recipients` is accepted.

        smtplib sends to whoever was accepted: a buyer's address refused and the manager's
        taken would give the manager a copy of a message the buyer never got, and the
        draft would count as sent. Here that is the recipients' refusal, as if the copies
        had not been asked for; a refused copy alone is noted like any partial refusal.
        Without copies it is smtplib's sendmail, command for command: every message goes this way.
        """
        self.ehlo_or_helo_if_needed()
        options = [f"size={len(raw)}"] if self.does_esmtp and self.has_extn("size") else []
        code, text = self.mail(sender, options)
        if code != 250:
            self._give_up(code)
            raise smtplib.SMTPSenderRefused(code, text, sender)
        refused: dict[str, tuple[int, bytes]] = {}
        for address in (*recipients, *copies):
            code, text = self.rcpt(address)
            if code not in (250, 251):
                refused[address] = (code, text)
            if code == 421:
                self.close()
                raise smtplib.SMTPRecipientsRefused(refused)
        if all(address in refused for address in recipients):
            self._give_up(0)
            raise smtplib.SMTPRecipientsRefused({address: refused[address] for address in recipients})
        code, text = self.data(raw)
        if code != 250:
            self._give_up(code)
            raise smtplib.SMTPDataError(code, text)
        return refused

    def _give_up(self, code: int) -> None:
        """After a refusal: a 421 closes the connection, anything else resets the transaction."""
        if code == 421:
            self.close()
            return
        with contextlib.suppress(smtplib.SMTPServerDisconnected):  # as smtplib: the next command says so
            self.rset()


class _SslClient(_Client, smtplib.SMTP_SSL):
    pass


class SmtpConnection:
    """One connection, reused for a batch of messages: `with SmtpConnection(box, 30) as smtp: smtp.send(m)`."""

    def __init__(self, mailbox: MailboxSettings, timeout: float) -> None:
        if mailbox.smtp is None:
            raise MailflowError(f"mailbox {mailbox.name} has no [mailbox.smtp] settings")
        self.mailbox, self.settings, self.timeout = mailbox, mailbox.smtp, timeout
        self.where = f"mailbox {mailbox.name} SMTP ({mailbox.smtp.host}:{mailbox.smtp.port})"
        self.connection: _Client | None = None

    def __enter__(self) -> SmtpConnection:
        self.connect()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def connect(self) -> None:
        smtp = self.settings
        try:
            if smtp.security == "ssl":
                context = ssl.create_default_context()
                self.connection = _SslClient(smtp.host, smtp.port, timeout=self.timeout, context=context)
            else:
                self.connection = _Client(smtp.host, smtp.port, timeout=self.timeout)
                self.connection.ehlo()
                if smtp.security == "starttls":
                    self.connection.starttls(context=ssl.create_default_context())
                    self.connection.ehlo()
            self._authenticate(self.connection)
        except smtplib.SMTPAuthenticationError as exc:
            raise SendFailed(
                f"{self.where}: login refused: {exc.smtp_code} {_server_text(exc.smtp_error)}", True
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise self._failure(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(
                f"{self.where}: connection failed ({type(exc).__name__}: {exc})", False
            ) from None

    def _authenticate(self, connection: smtplib.SMTP) -> None:
        smtp = self.settings
        connection.ehlo_or_helo_if_needed()
        if smtp.auth == "xoauth2" and smtp.oauth2_token is not None:
            token = smtp.oauth2_token.reveal()
            response = f"user={smtp.username}\x01auth=Bearer {token}\x01\x01"
            connection.auth("XOAUTH2", lambda challenge=None: response, initial_response_ok=True)
        elif smtp.password is not None:
            # One mechanism, not smtplib's try-them-all: a wrong password is refused once,
            # at once, instead of counting twice towards the provider's lock-out.
            offered = connection.esmtp_features.get("auth", "").upper().split()
            mechanism = next((name for name in ("PLAIN", "LOGIN") if name in offered), None)
            if mechanism is None:
                raise SendFailed(
                    f"{self.where}: the server offers no password login (AUTH PLAIN or LOGIN)", True
                )
            connection.user, connection.password = smtp.username, smtp.password.reveal()
            try:
                connection.auth(mechanism, getattr(connection, f"auth_{mechanism.lower()}"))
            finally:
                connection.password = ""

    def send(self, message: Outgoing) -> dict[str, tuple[int, bytes]]:
        """Sends; returns the recipients refused when the server took it for the others (smtplib's contract)."""
        if self.connection is None:
            raise SendFailed(f"{self.where}: not connected", False)
        try:
            refused = self.connection.sendmail_with_copies(
                message.sender, message.recipients, message.copies, message.raw
            )
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            texts = _refusals(exc.recipients)
            raise SendFailed(
                f"{self.where}: recipients refused: {texts}",
                all(c >= 500 for c in codes),
                min(codes),
                dead_addresses(exc.recipients),
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise self._failure(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            # Dropped after the final dot or earlier: we cannot know; the caller checks Sent first.
            raise SendFailed(
                f"{self.where}: connection lost while sending ({type(exc).__name__})", False
            ) from None
        return refused  # it went to the others: a send, never to be repeated

    def _failure(self, code: int, text: bytes | str) -> SendFailed:
        return SendFailed(f"{self.where}: {code} {_server_text(text)}", 500 <= code < 600, code)

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def partly_refused(refused: dict[str, tuple[int, bytes]]) -> str:
    return f"not accepted for {_refusals(refused)}" if refused else ""
