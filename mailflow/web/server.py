"""The review page inside the daemon: waitress in a thread, closed when the daemon stops."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from mailflow.config import Settings
from mailflow.store import Store

log = logging.getLogger(__name__)


class PageServer(threading.Thread):
    def __init__(self, settings: Settings, store: Store, stop: threading.Event) -> None:
        super().__init__(name="review-page", daemon=True)
        from waitress import create_server

        from mailflow.web.app import create_app

        web = settings.web
        self.server: Any = create_server(create_app(settings, store), host=web.host, port=web.port, threads=4)
        self.stop_flag = stop
        log.info("review page on http://%s:%s/", web.host, web.port)

    def run(self) -> None:
        closer = threading.Thread(target=self._close_on_stop, name="review-page-stop", daemon=True)
        closer.start()
        with contextlib.suppress(OSError):  # the socket closed under the loop: that is how it stops
            self.server.run()

    def _close_on_stop(self) -> None:
        self.stop_flag.wait()
        self.server.close()
