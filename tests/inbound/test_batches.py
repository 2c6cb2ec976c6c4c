"""Cutting a folder's new UIDs into fetch batches: bounded in messages and in raw bytes."""

from __future__ import annotations

from mailflow.inbound.ingest import cut_batches

MB = 1024 * 1024


def test_a_batch_is_cut_before_its_raw_bytes_pass_the_limit() -> None:
    sizes = {1: 10 * MB, 2: 10 * MB, 3: 10 * MB, 4: 10 * MB, 5: 1 * MB}
    assert cut_batches([1, 2, 3, 4, 5], sizes, 200, 32 * MB) == [[1, 2, 3], [4, 5]]


def test_a_message_bigger_than_the_limit_is_a_batch_of_its_own() -> None:
    sizes = {1: 1 * MB, 2: 40 * MB, 3: 1 * MB}
    assert cut_batches([1, 2, 3], sizes, 200, 32 * MB) == [[1], [2], [3]]


def test_small_messages_are_still_batched_by_count() -> None:
    uids = list(range(1, 451))
    batches = cut_batches(uids, dict.fromkeys(uids, 5_000), 200, 32 * MB)
    assert [len(batch) for batch in batches] == [200, 200, 50]


def test_a_message_gone_since_the_search_weighs_nothing_and_keeps_its_place() -> None:
    assert cut_batches([1, 2, 3], {1: 20 * MB, 3: 20 * MB}, 200, 32 * MB) == [[1, 2], [3]]


def test_no_new_mail_is_no_batch() -> None:
    assert cut_batches([], {}, 200, 32 * MB) == []
