"""[schedule.digest]: the manager's weekly digest, a draft of the week's figures (off by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from mailflow.config.addresses import address_list
from mailflow.config.table import Table, clock, site_url, weekday
from mailflow.errors import ConfigError
from mailflow.ledger.business_hours import known_timezone

LANGUAGES = ("en", "zh")  # the shipped digest templates' (an operator's digest.<lang> adds more)


@dataclass(frozen=True)
class DigestSettings:
    enabled: bool = False
    weekday: int = 0  # 0 = Monday: the digest of the week before is drafted from then on
    at: time = time(8, 0)  # local time in `timezone`
    timezone: str = "UTC"  # the manager's
    to: tuple[str, ...] = ()
    language: str = "en"
    site_url: str = ""  # where the review page is served, for the digest's links; "" = no links


def digest_settings(table: Table | None, default_timezone: str) -> DigestSettings:
    if table is None:
        return DigestSettings(timezone=default_timezone)
    zone = table.get("timezone", str, default_timezone)
    if not known_timezone(zone):
        raise ConfigError(f"schedule.digest.timezone: unknown time zone {zone!r}")
    settings = DigestSettings(
        enabled=table.get("enabled", bool, False),
        weekday=weekday(table, "weekday", "monday"),
        at=clock(table, "at", "08:00"),
        timezone=zone,
        to=address_list(table, "to"),
        language=table.get("language", str, "en"),
        site_url=site_url(table, "site_url"),
    )
    if settings.enabled and not settings.to:
        raise ConfigError("schedule.digest.to is required when the digest is enabled")
    table.done()
    return settings
