"""Staying on this site: did a POST come from one of its pages, does a link back stay on it. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, the way browsers compare origins; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is no number, a broken IPv6 literal
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


def posted_from_here(origin: str | None, referer: str | None, scheme: str, host: str) -> bool:
    """True when the Origin header (or, without one, the Referer) is this site: `scheme`://`host`.

    Browsers of today send Origin with every POST, a form's too (Chrome, Safari, and Firefox
    since version 70); `Origin: null` is what a sandboxed frame or a data: URL sends. A POST
    with neither header is not a form on one of our pages, so it is refused.
    """
    source = origin if origin is not None else referer
    if not source:
        return False
    here = _origin(f"{scheme}://{host}")
    return here is not None and _origin(source) == here


def local_path(target: str) -> str:
    """`target` when it is a path on this site, else ''. Browsers read '\\' as '/' and drop tabs
    and line breaks, so '/\\evil.example' or '/<TAB>/evil.example' would leave the site."""
    if not target.startswith("/") or target[1:2] in ("/", "\\"):
        return ""
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return ""
    parts = urlsplit(target)
    return "" if parts.scheme or parts.netloc else target
