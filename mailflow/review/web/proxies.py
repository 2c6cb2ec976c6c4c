"""X-Forwarded-For, -Proto and -Host believed from web.trusted_proxies only.

Behind the reverse proxy the README recommends, every request comes from the proxy, and only
the proxy knows the client's address and the scheme and host the browser used. A request from
any other peer is a direct client: its X-Forwarded-* headers are removed, whatever they say.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
VIA_PROXY = "mailflow.via_proxy"  # set in every request's environ: True when a trusted proxy sent it


class TrustedProxies:
    """WSGI middleware: ProxyFix (one proxy in front) for trusted peers, the bare request for others."""

    def __init__(self, app: WSGIApplication, networks: Iterable[Network]) -> None:
        self.app = app
        self.behind_proxy = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1)
        self.networks = tuple(networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        environ[VIA_PROXY] = self.trusted(environ.get("REMOTE_ADDR", ""))
        if environ[VIA_PROXY]:
            return self.behind_proxy(environ, start_response)
        for key in [key for key in environ if key.startswith("HTTP_X_FORWARDED_")]:
            del environ[key]
        return self.app(environ, start_response)

    def trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:  # a Unix socket, or no peer at all
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)
