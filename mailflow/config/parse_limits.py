"""The [parse] settings: how much of one message the parser reads, so hostile mail costs bounded work.

They live in their own module because the pure parser takes them too, and it
should not import the whole settings loader to get two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.config.table import Table, positive


@dataclass(frozen=True)
class ParseLimits:
    # MIME parts of one message, nested and side by side together; the rest are counted, not read.
    # Real mail has a handful; 500 leaves room for a photo report of hundreds of pictures.
    max_parts: int = 500
    # Header fields in one header block (the message's, and each part's); the rest are dropped.
    # A long relay chain has a few dozen Received: lines; 1,000 is far beyond honest mail.
    max_headers: int = 1000


DEFAULT_LIMITS = ParseLimits()


def parse_limits(table: Table) -> ParseLimits:
    """The [parse] table, each value a positive integer (the error names the key)."""
    limits = ParseLimits(
        max_parts=positive(table, "max_parts", DEFAULT_LIMITS.max_parts),
        max_headers=positive(table, "max_headers", DEFAULT_LIMITS.max_headers),
    )
    table.done()
    return limits
