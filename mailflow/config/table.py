"""Reading one TOML table of settings.toml: typed getters, and every unknown key reported by name."""

from __future__ import annotations

import re
from datetime import time
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mailflow.errors import ConfigError

T = TypeVar("T")


class Table:
    """One TOML table being read; remembers which keys were used so leftovers are errors."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{where} must be a table")
        self.data: dict[str, Any] = data
        self.where = where
        self.used: set[str] = set()
        # A misspelt key is reported as unknown before its correct spelling is missed.
        unknown = sorted(set(data) - ALLOWED_KEYS.get(_shape(where), set(data)))
        if unknown:
            raise ConfigError(f"{self.key(unknown[0])}: unknown key")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def get(self, name: str, kind: type[T], default: T | None = None) -> T:
        self.used.add(name)
        if name not in self.data:
            if default is None:
                raise ConfigError(f"{self.key(name)} is required")
            return default
        value = self.data[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{self.key(name)} must be {_type_name(kind)}")
        return value

    def table(self, name: str, required: bool = False) -> Table | None:
        self.used.add(name)
        if name not in self.data:
            if required:
                raise ConfigError(f"{self.key(name)} is required")
            return None
        return Table(self.data[name], self.key(name))

    def tables(self, name: str) -> list[Table]:
        self.used.add(name)
        items = self.data.get(name, [])
        if not isinstance(items, list):
            raise ConfigError(f"{self.key(name)} must be an array of tables ([[{name}]])")
        return [Table(item, f"{self.key(name)}[{index}]") for index, item in enumerate(items)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ConfigError(f"{self.key(unknown[0])}: unknown key")


ALLOWED_KEYS = {
    "": {"database", "storage", "fetch", "classify", "mailbox", "company", "templates", "review", "replies",
        "send", "web", "schedule", "health", "log", "parse", "reports", "ledger", "cases"},
    "database": {"url"},
    "storage": {"data_dir", "max_attachment_mb"},
    "fetch": {
        "batch_size", "batch_bytes", "idle_renew_seconds", "noop_seconds", "timeout_seconds", "poll_seconds",
        "max_backoff_seconds", "workers", "lease_seconds",
    },
    "classify": {"use_default_rules", "rules_file", "rule", "model", "thresholds", "rule_veto"},
    "mailbox[]": {
        "name", "address", "aliases", "display_name", "signature", "callback_name", "callback_phone", "provider",
        "imap", "smtp",
    },
    "company": {"name"},
    "templates": {"dir"},
    "review": {"ack", "followup", "satisfaction", "update", "reminder", "digest", "solution"},
    "schedule": {
        "enabled", "tick_seconds", "draft_ahead_hours", "business_hours_start", "business_hours_end", "send_at",
        "default_timezone", "max_automatic_per_week", "mailbox", "satisfaction_after_days", "followup", "updates",
        "reminder", "hold_from_messages_days", "digest", "payment_run_lead_business_days",
    },
    "schedule.digest": {"enabled", "weekday", "at", "timezone", "to", "language", "site_url"},
    "schedule.followup": {"after_business_days", "max"},
    "schedule.updates": {"enabled", "weekday", "at", "cadence", "news_dir"},
    "schedule.updates.cadence": {"A", "B", "C"},
    "schedule.reminder[]": {"offset_days", "template", "policy", "from", "cc"},
    "replies": {"max_per_sender_per_day"},
    "web": {"enabled", "host", "port", "secure_cookies", "trusted_proxies"},
    "health": {"enabled", "host", "port"},
    "log": {"format"},
    "parse": {"max_parts", "max_headers"},
    "reports": {"answer_target_business_days"},
    "ledger": {"hold_after_days_overdue", "hold_notify"},
    "cases": {"reopen_days", "history_open_days", "notify"},
    "send": {
        "batch_size", "interval_seconds", "max_attempts", "retry_seconds", "claim_timeout_seconds", "timeout_seconds",
    },
    "mailbox[].imap": {
        "host", "port", "security", "allow_insecure", "username", "password", "auth", "oauth2_token",
        "folders", "watch_sent", "send_id",
    },
    "mailbox[].smtp": {
        "host", "port", "security", "allow_insecure", "username", "password", "auth", "oauth2_token", "save_sent",
    },
}  # fmt: skip


def _shape(where: str) -> str:
    """'mailbox[2].imap' -> 'mailbox[].imap', the key of ALLOWED_KEYS."""
    return re.sub(r"\[\d+\]", "[]", where)


def _type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        list: "a list",
    }.get(kind, kind.__name__)


def positive(table: Table, name: str, default: int) -> int:
    value = table.get(name, int, default)
    if value <= 0:
        raise ConfigError(f"{table.key(name)} must be a positive integer")
    return value


def non_negative(table: Table, name: str, default: int) -> int:
    value = table.get(name, int, default)
    if value < 0:
        raise ConfigError(f"{table.key(name)} must be 0 or more")
    return value


def positive_number(table: Table, name: str, default: float) -> float:
    value = table.get(name, float, default)
    if value <= 0:
        raise ConfigError(f"{table.key(name)} must be more than 0")
    return value


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def clock(table: Table, name: str, default: str) -> time:
    """A local time of day written "09:00"."""
    text = table.get(name, str, default)
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return time(hour, minute)
    except ValueError:
        raise ConfigError(f'{table.key(name)} must be a time like "09:00"') from None


def weekday(table: Table, name: str, default: str) -> int:
    """A day of the week by its English name; 0 = Monday."""
    given = table.get(name, str, default).lower()
    if given not in WEEKDAYS:
        raise ConfigError(f"{table.key(name)} must be one of {', '.join(WEEKDAYS)}")
    return WEEKDAYS.index(given)


def site_url(table: Table, name: str, default: str = "") -> str:
    """Where a web page is served, like "https://mailflow.example.com" (no trailing slash; "" = none)."""
    given = table.get(name, str, default).rstrip("/")
    parts = urlsplit(given)
    if given and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ConfigError(f'{table.key(name)} must be like "https://mailflow.example.com"')
    return given
