"""Mail servers inside this process, for the demo and fast tests: pymap (IMAP) and aiosmtpd (SMTP).

Each runs on a free loopback port in a thread of its own. These are real
servers speaking real protocols; only their storage is in memory.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import threading
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from pymap.backend.dict import DictBackend
from pymap.imap import IMAPService


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedImapServer:
    """pymap's in-memory backend with one user, served on 127.0.0.1."""

    def __init__(self, user: str = "demo", password: str = "demo-password") -> None:  # noqa: S107 - a demo account
        self.host = "127.0.0.1"
        self.port = free_port()
        self.user, self.password = user, password
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve_thread, name="pymap", daemon=True)
        self._error: BaseException | None = None

    def _arguments(self) -> argparse.Namespace:
        parser = argparse.ArgumentParser()
        parser.set_defaults(skip_services=[], passlib_cfg=None, debug=False)
        backends = parser.add_subparsers(dest="backend")
        DictBackend.add_subparser("dict", backends)
        IMAPService.add_arguments(parser)
        return parser.parse_args(
            [
                *("--host", self.host, "--port", str(self.port), "--no-tls"),
                *("dict", "--demo-user", self.user, "--demo-password", self.password),
            ]
        )

    def _serve_thread(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        backend, config = await DictBackend.init(self._arguments())
        config.apply_context()
        async with AsyncExitStack() as stack:
            await backend.start(stack)
            await IMAPService(backend, config).start(stack)
            self._ready.set()
            await self._stopped.wait()

    def start(self) -> EmbeddedImapServer:
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"embedded IMAP server did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(5)


@dataclass
class _SinkHandler:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        )
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd that keeps every message it receives in memory."""

    def __init__(self) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
        self.handler = _SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
