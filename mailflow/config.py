"""settings.toml -> frozen Settings. Read once, validated loudly, every error names its key."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from mailflow.classify import RuleSet, default_rules_text, load_rules
from mailflow.errors import ConfigError
from mailflow.secretref import Secret

T = TypeVar("T")
SECURITY = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str
    username: str
    password: Secret | None
    auth: str  # password | xoauth2
    oauth2_token: Secret | None
    folders: tuple[str, ...]
    watch_sent: bool
    send_id: bool


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str
    password: Secret | None
    auth: str = "password"  # password | xoauth2
    oauth2_token: Secret | None = None
    save_sent: bool = True  # append a copy to the Sent folder (Gmail saves it itself: false)


@dataclass(frozen=True)
class MailboxSettings:
    name: str
    address: str
    display_name: str
    imap: ImapSettings
    smtp: SmtpSettings | None
    signature: str = ""
    callback_name: str = ""
    callback_phone: str = ""


@dataclass(frozen=True)
class FetchSettings:
    batch_size: int
    idle_renew_seconds: int
    poll_seconds: float
    noop_seconds: float
    timeout_seconds: float
    max_backoff_seconds: float
    workers: int


@dataclass(frozen=True)
class ReplySettings:
    company_name: str
    templates_dir: Path
    review: dict[str, str]  # kind -> "required" | "auto"
    max_per_sender_per_day: int


@dataclass(frozen=True)
class SendSettings:
    batch_size: int  # drafts claimed, and sent over one SMTP connection, at a time
    interval_seconds: float  # how often the daemon looks for approved drafts
    max_attempts: int  # transient failures (4xx, dropped connections) before a draft fails
    retry_seconds: float  # the first retry's delay; it doubles per attempt, up to an hour
    claim_timeout_seconds: float  # a draft 'sending' for longer was abandoned by a crash
    timeout_seconds: float


@dataclass(frozen=True)
class WebSettings:
    enabled: bool  # the daemon serves the review page too
    host: str
    port: int
    secure_cookies: bool  # behind a TLS reverse proxy: cookies only over HTTPS


REVIEW_KINDS = ("ack", "followup", "update", "reminder")
REVIEW_POLICIES = ("required", "auto")


@dataclass(frozen=True)
class Settings:
    path: Path
    database_url: str
    data_dir: Path
    max_attachment_bytes: int
    fetch: FetchSettings
    mailboxes: tuple[MailboxSettings, ...]
    rules: RuleSet
    replies: ReplySettings
    send: SendSettings
    web: WebSettings

    @property
    def own_addresses(self) -> frozenset[str]:
        return frozenset(box.address for box in self.mailboxes)


def config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("MAILFLOW_CONFIG") or "settings.toml")


def load(path: Path) -> Settings:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found (use --config or MAILFLOW_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_settings(document, path)


class _Table:
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

    def table(self, name: str, required: bool = False) -> _Table | None:
        self.used.add(name)
        if name not in self.data:
            if required:
                raise ConfigError(f"{self.key(name)} is required")
            return None
        return _Table(self.data[name], self.key(name))

    def tables(self, name: str) -> list[_Table]:
        self.used.add(name)
        items = self.data.get(name, [])
        if not isinstance(items, list):
            raise ConfigError(f"{self.key(name)} must be an array of tables ([[{name}]])")
        return [_Table(item, f"{self.key(name)}[{index}]") for index, item in enumerate(items)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ConfigError(f"{self.key(unknown[0])}: unknown key")


ALLOWED_KEYS = {
    "": {"database", "storage", "fetch", "classify", "mailbox", "company", "templates", "review", "replies",
        "send", "web"},
    "database": {"url"},
    "storage": {"data_dir", "max_attachment_mb"},
    "fetch": {
        "batch_size", "idle_renew_seconds", "noop_seconds", "timeout_seconds", "poll_seconds", "max_backoff_seconds",
        "workers",
    },
    "classify": {"use_default_rules", "rules_file", "rule"},
    "mailbox[]": {"name", "address", "display_name", "signature", "callback_name", "callback_phone", "imap", "smtp"},
    "company": {"name"},
    "templates": {"dir"},
    "review": {"ack", "followup", "update", "reminder"},
    "replies": {"max_per_sender_per_day"},
    "web": {"enabled", "host", "port", "secure_cookies"},
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


def parse_settings(document: dict[str, Any], path: Path) -> Settings:
    root = _Table(document, "")
    base = path.parent
    database = root.table("database") or _Table({}, "database")
    url = _resolve_sqlite(database.get("url", str, "sqlite:///mailflow.db"), base)
    database.done()
    storage = root.table("storage") or _Table({}, "storage")
    data_dir = base / Path(storage.get("data_dir", str, "data")).expanduser()
    max_mb = _positive(storage, "max_attachment_mb", 25)
    storage.done()
    fetch = _fetch_settings(root.table("fetch") or _Table({}, "fetch"))
    rules = _rules(root.table("classify") or _Table({}, "classify"), base)
    replies = _replies(root, base)
    send = _send_settings(root.table("send") or _Table({}, "send"))
    web_table = root.table("web") or _Table({}, "web")
    web = WebSettings(
        enabled=web_table.get("enabled", bool, False),
        host=web_table.get("host", str, "127.0.0.1"),
        port=_positive(web_table, "port", 8025),
        secure_cookies=web_table.get("secure_cookies", bool, False),
    )
    web_table.done()
    mailboxes = tuple(_mailbox(table) for table in root.tables("mailbox"))
    names = [box.name for box in mailboxes]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"mailbox.name: {name!r} is used twice; names must be unique")
    root.done()
    return Settings(path, url, data_dir, max_mb * 1024 * 1024, fetch, mailboxes, rules, replies, send, web)


def _replies(root: _Table, base: Path) -> ReplySettings:
    company = root.table("company") or _Table({}, "company")
    company_name = company.get("name", str, "")
    company.done()
    templates = root.table("templates") or _Table({}, "templates")
    templates_dir = base / Path(templates.get("dir", str, "templates")).expanduser()
    templates.done()
    review = root.table("review") or _Table({}, "review")
    policies = {}
    for kind in REVIEW_KINDS:
        # Complaint replies wait for a person by default; scheduled mail too until a team opts out.
        policies[kind] = review.get(kind, str, "required")
        if policies[kind] not in REVIEW_POLICIES:
            raise ConfigError(f"review.{kind} must be required or auto")
    review.done()
    replies = root.table("replies") or _Table({}, "replies")
    limit = _positive(replies, "max_per_sender_per_day", 3)
    replies.done()
    return ReplySettings(company_name, templates_dir, policies, limit)


def _resolve_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path is relative to settings.toml, not to wherever mailflow was started."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url


def _positive(table: _Table, name: str, default: int) -> int:
    value = table.get(name, int, default)
    if value <= 0:
        raise ConfigError(f"{table.key(name)} must be a positive integer")
    return value


def _non_negative(table: _Table, name: str, default: int) -> int:
    value = table.get(name, int, default)
    if value < 0:
        raise ConfigError(f"{table.key(name)} must be 0 or more")
    return value


def _fetch_settings(table: _Table) -> FetchSettings:
    renew = _positive(table, "idle_renew_seconds", 540)
    if renew > 600:
        raise ConfigError(
            f"{table.key('idle_renew_seconds')} must be at most 600 (servers drop idle clients)"
        )
    settings = FetchSettings(
        batch_size=_positive(table, "batch_size", 200),
        idle_renew_seconds=renew,
        poll_seconds=table.get("poll_seconds", float, 30.0),
        noop_seconds=table.get("noop_seconds", float, 60.0),
        timeout_seconds=table.get("timeout_seconds", float, 30.0),
        max_backoff_seconds=table.get("max_backoff_seconds", float, 300.0),
        workers=_non_negative(table, "workers", 2),
    )
    table.done()
    return settings


def _send_settings(table: _Table) -> SendSettings:
    settings = SendSettings(
        batch_size=_positive(table, "batch_size", 200),
        interval_seconds=_positive_number(table, "interval_seconds", 2.0),
        max_attempts=_positive(table, "max_attempts", 8),
        retry_seconds=_positive_number(table, "retry_seconds", 60.0),
        # Longer than a batch can take (batch_size x timeout is refreshed as it goes).
        claim_timeout_seconds=_positive_number(table, "claim_timeout_seconds", 300.0),
        timeout_seconds=_positive_number(table, "timeout_seconds", 30.0),
    )
    table.done()
    return settings


def _positive_number(table: _Table, name: str, default: float) -> float:
    value = table.get(name, float, default)
    if value <= 0:
        raise ConfigError(f"{table.key(name)} must be more than 0")
    return value


def _rules(table: _Table, base: Path) -> RuleSet:
    use_defaults = table.get("use_default_rules", bool, True)
    rules_file = table.get("rules_file", str, "")
    own = table.data.get("rule", [])
    table.used.add("rule")
    table.done()
    documents: list[dict[str, Any]] = []
    if rules_file:
        try:
            documents.append(tomllib.loads((base / rules_file).read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"classify.rules_file: cannot read {rules_file}: {exc}") from None
    if use_defaults:
        documents.append(tomllib.loads(default_rules_text()))
    merged: dict[str, Any] = {"rule": list(own)}
    for document in documents:
        merged["rule"].extend(document.get("rule", []))
        for key in ("negations", "mentions"):
            merged.setdefault(key, document.get(key))
    merged = {key: value for key, value in merged.items() if value is not None}
    return load_rules(merged, "classify")


def _secret(table: _Table, name: str) -> Secret | None:
    value = table.get(name, str, "")
    return Secret(value, table.key(name)) if value else None


def _server(table: _Table, default_port: int) -> tuple[str, int, str]:
    host = table.get("host", str)
    port = table.get("port", int, default_port)
    if not 0 < port < 65536:
        raise ConfigError(f"{table.key('port')} must be between 1 and 65535")
    security = table.get("security", str, "ssl")
    if security not in SECURITY:
        raise ConfigError(f"{table.key('security')} must be one of {', '.join(SECURITY)}")
    insecure_ok = table.get("allow_insecure", bool, False)
    if security == "none" and not insecure_ok and not _is_loopback(host):
        raise ConfigError(
            f'{table.key("security")} = "none" sends the password in clear to {host}; '
            f"use ssl or starttls, or set {table.key('allow_insecure')} = true"
        )
    return host, port, security


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _mailbox(table: _Table) -> MailboxSettings:
    name = table.get("name", str)
    address = table.get("address", str).strip().lower()
    if "@" not in address:
        raise ConfigError(f"{table.key('address')} must be an email address")
    display_name = table.get("display_name", str, "")
    identity = (
        table.get("signature", str, ""),
        table.get("callback_name", str, ""),
        table.get("callback_phone", str, ""),
    )
    imap = _imap(table.table("imap", required=True), address)  # type: ignore[arg-type]
    smtp_table = table.table("smtp")
    smtp = _smtp(smtp_table, address) if smtp_table else None
    table.done()
    return MailboxSettings(name, address, display_name, imap, smtp, *identity)


def _imap(table: _Table, address: str) -> ImapSettings:
    host, port, security = _server(table, 993)
    auth = table.get("auth", str, "password")
    if auth not in ("password", "xoauth2"):
        raise ConfigError(f"{table.key('auth')} must be password or xoauth2")
    folders = table.get("folders", list, ["INBOX"])
    if not folders or not all(isinstance(folder, str) and folder for folder in folders):
        raise ConfigError(f"{table.key('folders')} must be a non-empty list of folder names")
    settings = ImapSettings(
        host=host,
        port=port,
        security=security,
        username=table.get("username", str, address),
        password=_secret(table, "password"),
        auth=auth,
        oauth2_token=_secret(table, "oauth2_token"),
        folders=tuple(folders),
        watch_sent=table.get("watch_sent", bool, True),
        send_id=table.get("send_id", bool, True),
    )
    if auth == "password" and settings.password is None:
        raise ConfigError(f'{table.key("password")} is required (or set auth = "xoauth2")')
    if auth == "xoauth2" and settings.oauth2_token is None:
        raise ConfigError(f'{table.key("oauth2_token")} is required with auth = "xoauth2"')
    table.done()
    return settings


def _smtp(table: _Table, address: str) -> SmtpSettings:
    host, port, security = _server(table, 465)
    auth = table.get("auth", str, "password")
    if auth not in ("password", "xoauth2"):
        raise ConfigError(f"{table.key('auth')} must be password or xoauth2")
    settings = SmtpSettings(
        host,
        port,
        security,
        table.get("username", str, address),
        _secret(table, "password"),
        auth,
        _secret(table, "oauth2_token"),
        table.get("save_sent", bool, True),
    )
    if auth == "xoauth2" and settings.oauth2_token is None:
        raise ConfigError(f'{table.key("oauth2_token")} is required with auth = "xoauth2"')
    table.done()
    return settings
