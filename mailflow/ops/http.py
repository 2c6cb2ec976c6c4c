"""The daemon's web servers (the review page; health and metrics): waitress in a thread, closed on stop."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from waitress import create_server

from mailflow.config.settings import Settings
from mailflow.ops.health import Health
from mailflow.review.web.app import create_app
from mailflow.store.engine import Store

log = logging.getLogger(__name__)


class ServedApp(threading.Thread):
    """A WSGI app served by waitress in a thread until the daemon's stop flag is set."""

    def __init__(self, name: str, app: Any, host: str, port: int, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        # X-Forwarded-* are the app's to believe or drop (web.trusted_proxies, review/web/proxies):
        # waitress would drop them from every peer, a trusted proxy too.
        self.server: Any = create_server(
            app, host=host, port=port, threads=4, clear_untrusted_proxy_headers=False
        )
        self.stop_flag = stop

    def run(self) -> None:
        closer = threading.Thread(target=self._close_on_stop, name="review-page-stop", daemon=True)
        closer.start()
        with contextlib.suppress(OSError):  # the socket closed under the loop: that is how it stops
            self.server.run()

    def _close_on_stop(self) -> None:
        self.stop_flag.wait()
        # The request threads finish what they serve (and cancel what waits) before the server
        # closes: waitress closes first the trigger those threads wake its loop with, and a reply
        # finished just then was logged as a traceback (a health check during a stop).
        self.server.task_dispatcher.shutdown(timeout=5)
        self.server.close()
        # The loop serves until its last client hangs up, so a keep-alive connection (Prometheus,
        # a load balancer) held the daemon's stop for all of its 10 s. Idle connections are told
        # to close; a request in progress is answered first.
        while self.is_alive():
            for channel in self.server.active_channels.copy().values():
                if not channel.requests:
                    channel.will_close = True
            self.join(0.1)


class PageServer(ServedApp):
    def __init__(self, settings: Settings, store: Store, stop: threading.Event) -> None:
        web = settings.web
        super().__init__("review-page", create_app(settings, store), web.host, web.port, stop)
        log.info("review page on http://%s:%s/", web.host, web.port)


class HealthServer(ServedApp):
    """GET /healthz and GET /metrics, without a login: for the load balancer and Prometheus."""

    def __init__(self, settings: Settings, health: Health, stop: threading.Event) -> None:
        where = settings.health
        super().__init__("health", health_app(health), where.host, where.port, stop)
        log.info("health and metrics on http://%s:%s/healthz and /metrics", where.host, where.port)


def health_app(health: Health) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", b"GET only\n")
        if path == "/healthz":
            failing = health.failing()
            if failing:
                return _answer(
                    start_response, "503 Service Unavailable", ("\n".join(failing) + "\n").encode()
                )
            return _answer(start_response, "200 OK", b"ok\n")
        if path == "/metrics":
            return _answer(start_response, "200 OK", generate_latest(health.registry), CONTENT_TYPE_LATEST)
        return _answer(start_response, "404 Not Found", b"/healthz or /metrics\n")

    return app


def _answer(
    start_response: Any, status: str, body: bytes, kind: str = "text/plain; charset=utf-8"
) -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]
