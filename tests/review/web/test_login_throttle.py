"""Refused logins slow down guessing without locking anyone out.

Per name: after a few failures each further attempt waits twice as long as the last, up to a
ceiling, and the right password after the wait is let in. Per address: only for clients that
reach the page directly; behind the trusted reverse proxy every reviewer shares one address.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from mailflow.review.accounts import (
    FIRST_WAIT,
    FREE_FAILURES_PER_ADDRESS,
    FREE_FAILURES_PER_NAME,
    LONGEST_WAIT,
    Accounts,
)
from mailflow.store.models import LoginFailure
from tests.review.web.conftest import PASSWORD, Site, csrf_token

PROXY = "127.0.0.1"  # a reverse proxy on this machine: web.trusted_proxies by default
DIRECT = "203.0.113.7"  # a client reaching the page without a proxy
WANG = "wang's own password"


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def wang(site: Site) -> str:
    Accounts(site.store).add("wang", WANG)
    return "wang"


def _login(client: FlaskClient, name: str, password: str, peer: str = PROXY, forwarded_for: str = "") -> int:
    token = csrf_token(client.get("/login", environ_base={"REMOTE_ADDR": peer}).get_data(as_text=True))
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for} if forwarded_for else {},
        environ_base={"REMOTE_ADDR": peer},
    )
    return response.status_code


def _retry_after(client: FlaskClient, name: str) -> int:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    return int(response.headers["Retry-After"])


def test_failures_for_one_name_behind_the_proxy_do_not_slow_another_name(
    client: FlaskClient, site: Site, wang: str, clock: time_machine.Coordinates
) -> None:
    for _ in range(FREE_FAILURES_PER_NAME):
        assert _login(client, "manager", "wrong", forwarded_for="198.51.100.20") == 401
    assert _login(client, "manager", PASSWORD, forwarded_for="198.51.100.20") == 429
    assert _login(client, wang, WANG, forwarded_for="198.51.100.20") == 302


def test_behind_the_proxy_many_names_tried_from_one_address_slow_only_those_names(
    client: FlaskClient, site: Site, wang: str, clock: time_machine.Coordinates
) -> None:
    for number in range(FREE_FAILURES_PER_ADDRESS + 1):
        assert _login(client, f"guess{number}", "wrong") == 401
    assert _login(client, wang, WANG) == 302


def test_a_direct_client_trying_many_names_is_slowed_by_its_address(
    client: FlaskClient, site: Site, wang: str, clock: time_machine.Coordinates
) -> None:
    for number in range(FREE_FAILURES_PER_ADDRESS):
        assert _login(client, f"guess{number}", "wrong", peer=DIRECT) == 401
    assert _login(client, wang, WANG, peer=DIRECT) == 429
    assert _login(client, wang, WANG, peer="203.0.113.8") == 302  # another address is not slowed
    clock.shift(FIRST_WAIT)
    assert _login(client, "manager", PASSWORD, peer=DIRECT) == 302


def test_a_forged_x_forwarded_for_from_an_untrusted_peer_is_not_the_address_counted(
    client: FlaskClient, site: Site, wang: str, clock: time_machine.Coordinates
) -> None:
    for number in range(FREE_FAILURES_PER_ADDRESS):
        assert (
            _login(client, f"guess{number}", "wrong", peer=DIRECT, forwarded_for=f"198.51.100.{number}")
            == 401
        )
    assert _login(client, wang, WANG, peer=DIRECT, forwarded_for="198.51.100.250") == 429
    with site.store.sessions() as session:
        assert set(session.scalars(select(LoginFailure.remote))) == {DIRECT}


def test_each_further_failure_for_a_name_doubles_the_wait_up_to_the_ceiling(
    client: FlaskClient, site: Site, clock: time_machine.Coordinates
) -> None:
    for _ in range(FREE_FAILURES_PER_NAME):
        assert _login(client, "manager", "wrong") == 401
    waits = []
    for _ in range(12):
        waits.append(_retry_after(client, "manager"))  # too early: refused, the password not even tried
        clock.shift(timedelta(seconds=waits[-1] - 1))
        assert _retry_after(client, "manager") == 1
        clock.shift(timedelta(seconds=1))
        assert _login(client, "manager", "wrong") == 401
    first, ceiling = int(FIRST_WAIT.total_seconds()), int(LONGEST_WAIT.total_seconds())
    assert waits == [min(first * 2**n, ceiling) for n in range(12)]
    assert waits[-1] == ceiling


def test_the_right_password_is_let_in_once_the_wait_is_over(
    client: FlaskClient, site: Site, clock: time_machine.Coordinates
) -> None:
    for _ in range(FREE_FAILURES_PER_NAME):
        assert _login(client, "manager", "wrong") == 401
    for _ in range(2):
        clock.shift(timedelta(seconds=_retry_after(client, "manager")))
        assert _login(client, "manager", "wrong") == 401
    clock.shift(timedelta(seconds=_retry_after(client, "manager")))
    assert _login(client, "manager", PASSWORD) == 302
    # A login forgets the name's failures: the next mistake is free again.
    assert _login(site.app.test_client(), "manager", "wrong") == 401
    assert _login(site.app.test_client(), "manager", PASSWORD) == 302


def test_unlock_lets_a_name_in_at_once(
    client: FlaskClient, site: Site, clock: time_machine.Coordinates
) -> None:
    for _ in range(FREE_FAILURES_PER_NAME):
        _login(client, "manager", "wrong")
    assert _login(client, "manager", PASSWORD) == 429
    assert Accounts(site.store).unlock("manager") == FREE_FAILURES_PER_NAME
    assert _login(client, "manager", PASSWORD) == 302
