"""The [fetch] part of settings.toml: how mail is fetched, in batches of how many messages and bytes."""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.config.table import Table, non_negative, positive, positive_number
from mailflow.errors import ConfigError

# Measured with six 25 MB messages (tests/inbound/test_batch_bytes_dovecot.py): a run stays under 300 MB.
DEFAULT_BATCH_BYTES = 32 * 1024 * 1024
MIN_BATCH_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FetchSettings:
    batch_size: int
    batch_bytes: int  # a batch is cut before its raw bytes pass this; a bigger message goes alone
    idle_renew_seconds: int
    poll_seconds: float
    noop_seconds: float
    timeout_seconds: float
    max_backoff_seconds: float
    workers: int
    lease_seconds: float  # a mailbox lease not renewed for this long belongs to a dead daemon


def fetch_settings(table: Table) -> FetchSettings:
    renew = positive(table, "idle_renew_seconds", 540)
    if renew > 600:
        raise ConfigError(
            f"{table.key('idle_renew_seconds')} must be at most 600 (servers drop idle clients)"
        )
    settings = FetchSettings(
        batch_size=positive(table, "batch_size", 200),
        batch_bytes=_batch_bytes(table),
        idle_renew_seconds=renew,
        poll_seconds=table.get("poll_seconds", float, 30.0),
        noop_seconds=table.get("noop_seconds", float, 60.0),
        timeout_seconds=table.get("timeout_seconds", float, 30.0),
        max_backoff_seconds=table.get("max_backoff_seconds", float, 300.0),
        workers=non_negative(table, "workers", 2),
        lease_seconds=positive_number(table, "lease_seconds", 30.0),
    )
    table.done()
    return settings


def _batch_bytes(table: Table) -> int:
    """A batch's raw bytes are alive, parsed and decoded, several times over until it commits."""
    value = table.get("batch_bytes", int, DEFAULT_BATCH_BYTES)
    if value < MIN_BATCH_BYTES:
        # Most likely megabytes were meant: every message would be fetched and committed alone.
        raise ConfigError(
            f"{table.key('batch_bytes')} is in bytes and must be at least {MIN_BATCH_BYTES} (1 MB); "
            f"the default is {DEFAULT_BATCH_BYTES} (32 MB)"
        )
    return value
