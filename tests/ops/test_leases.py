"""Mailbox leases on both databases: one winner per race, a dead worker's mailboxes taken over, fair shares."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from mailflow.ops.leases import Leases, fair_share
from mailflow.store.engine import Store

LEASE = timedelta(seconds=30)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def stores(db_url: str) -> Iterator[list[Store]]:
    """Three workers' own connections to one migrated database, as three processes would have."""
    Store(db_url).create_schema()
    opened = [Store(db_url) for _ in range(3)]
    yield opened
    for store in opened:
        store.close()


def test_two_workers_reaching_for_a_mailbox_at_the_same_instant_never_both_win(stores: list[Store]) -> None:
    first, second = Leases(stores[0], "w1", LEASE), Leases(stores[1], "w2", LEASE)
    for round_ in range(15):
        name = f"box{round_}"
        start, won = threading.Barrier(2), dict[str, list[str]]()
        threads = [
            threading.Thread(target=_reach, args=(leases, name, start, won)) for leases in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(won) == ["w1", "w2"]
        assert sorted(won["w1"] + won["w2"]) == [name], won


def _reach(leases: Leases, name: str, start: threading.Barrier, won: dict[str, list[str]]) -> None:
    start.wait()
    won[leases.worker] = leases.take({name}, 1, NOW)


def test_a_dead_workers_mailbox_is_taken_after_its_lease_and_the_old_holder_learns_it(
    stores: list[Store],
) -> None:
    alive, dead = Leases(stores[0], "alive", LEASE), Leases(stores[1], "dead", LEASE)
    assert dead.take({"sales", "export"}, 2, NOW) == ["export", "sales"]
    assert alive.take({"sales", "export"}, 2, NOW + LEASE / 2) == []  # still renewed recently
    assert dead.renew({"sales", "export"}, NOW + LEASE / 2) == {"sales", "export"}
    later = NOW + LEASE / 2 + LEASE + timedelta(seconds=1)
    assert alive.take({"sales", "export"}, 1, later) == ["export"]
    assert dead.renew({"sales", "export"}, later) == {"sales"}  # export was lost, sales only lapsed


def test_a_released_mailbox_can_be_taken_at_once_and_workers_count_the_live_ones(
    stores: list[Store],
) -> None:
    workers = [Leases(store, f"w{index}", LEASE) for index, store in enumerate(stores)]
    assert [leases.beat(NOW) for leases in workers] == [1, 2, 3]
    workers[0].take({"a", "b"}, 2, NOW)
    workers[0].release({"b"})
    assert workers[1].take({"a", "b"}, 2, NOW) == ["b"]
    workers[2].leave()
    assert workers[0].beat(NOW) == 2
    assert workers[1].beat(NOW + 2 * LEASE) == 1  # the others stopped beating


def test_fair_share_covers_every_mailbox() -> None:
    assert [fair_share(5, live) for live in (0, 1, 2, 3, 5, 8)] == [5, 5, 3, 2, 1, 1]
