"""[web] trusted_proxies: the peers whose X-Forwarded-* headers the review page believes."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from mailflow.config import settings as config
from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX, load_text


def _web(tmp_path: Path, web: str) -> config.WebSettings:
    return load_text(tmp_path, f"[web]\n{web}\n{MINIMAL_MAILBOX}").web


def test_a_proxy_on_this_machine_is_trusted_by_default(tmp_path: Path) -> None:
    assert _web(tmp_path, "").trusted_proxies == (
        ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("::1"),
    )  # fmt: skip


def test_addresses_and_networks_are_read(tmp_path: Path) -> None:
    web = _web(tmp_path, 'trusted_proxies = ["10.0.0.0/8", "fd00::1"]')
    assert web.trusted_proxies == (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::1"))
    assert _web(tmp_path, "trusted_proxies = []").trusted_proxies == ()


@pytest.mark.parametrize("value", ['["proxy.example.com"]', '["10.0.0.1/8"]', "[8]", '"127.0.0.1"'])
def test_a_bad_entry_stops_with_the_key_named(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match=r"^web\.trusted_proxies"):
        _web(tmp_path, f"trusted_proxies = {value}")
