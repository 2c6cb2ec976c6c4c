"""settings.toml -> frozen Settings. Read once, validated loudly, every error names its key."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from mailflow.config.cases import DEFAULT_CASES, CaseSettings, case_settings
from mailflow.config.fetch import FetchSettings, fetch_settings
from mailflow.config.ledger import DEFAULT_LEDGER, LedgerSettings, ledger_settings
from mailflow.config.mailbox import ImapSettings, MailboxSettings, SmtpSettings, mailbox_settings
from mailflow.config.notify import DEFAULT_NOTIFY, NotifySettings, notify_settings
from mailflow.config.parse_limits import DEFAULT_LIMITS, ParseLimits, parse_limits
from mailflow.config.paths import anchor_secrets, anchored, beside, resolve_sqlite
from mailflow.config.rules import MODEL_OUTPUTS, RuleSet, as_builtin, default_rules_text, load_rules
from mailflow.config.schedule import ScheduleSettings, check_reminder_senders, schedule_settings
from mailflow.config.secrets import Secret
from mailflow.config.table import Table, positive, positive_number
from mailflow.errors import ConfigError
from mailflow.logs import FORMATS

__all__ = [
    "FetchSettings", "HealthSettings", "ImapSettings", "LogSettings", "MailboxSettings", "ReplySettings", "ReportSettings", "ScheduleSettings", "SendSettings", "Settings", "SmtpSettings",
    "WebSettings", "config_path", "load", "parse_settings",
]  # fmt: skip


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
    # Peers whose X-Forwarded-For/-Proto/-Host are believed; settings.toml's default: this machine.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()


@dataclass(frozen=True)
class LogSettings:
    format: str  # "text" (readable) or "json" (one object per line)


@dataclass(frozen=True)
class ReportSettings:
    # A complaint is answered within target when our first answer leaves within this many business
    # days of the buyer's message, on the customer's calendar.
    answer_target_business_days: int = 1


@dataclass(frozen=True)
class HealthSettings:
    enabled: bool  # the daemon serves /healthz and /metrics
    host: str
    port: int


# The commented reference that `mailflow init` writes.
EXAMPLE = Path(__file__).resolve().parent / "settings.example.toml"

REVIEW_KINDS = ("ack", "followup", "satisfaction", "update", "reminder", "digest", "solution")
REVIEW_POLICIES = ("required", "auto")


# Older complaints (a mailbox's history) get no acknowledgement, and so no thorough tagging either.
ACKNOWLEDGE_WITHIN = timedelta(hours=72)


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
    schedule: ScheduleSettings
    health: HealthSettings
    log: LogSettings = LogSettings("text")
    parse: ParseLimits = DEFAULT_LIMITS  # [parse]: how much of one message the parser reads
    reports: ReportSettings = ReportSettings()  # [reports]: the overview page's and `mailflow report`'s
    ledger: LedgerSettings = DEFAULT_LEDGER  # [ledger]: credit holds
    cases: CaseSettings = DEFAULT_CASES  # [cases]: reopening
    notify: NotifySettings = DEFAULT_NOTIFY  # [cases.notify]: internal notices of complaint cases

    @property
    def own_addresses(self) -> frozenset[str]:
        """Addresses that reach our own mailboxes: each one's address, aliases, and the logins that
        are addresses (the account behind a send-as address). Mail from them is ours; none gets a draft."""
        logins = {
            login.strip().lower()
            for box in self.mailboxes
            for login in (box.imap.username, box.smtp.username if box.smtp else "")
            if "@" in login
        }
        return frozenset(
            {address for box in self.mailboxes for address in (box.address, *box.aliases)} | logins
        )

    @property
    def colleague_addresses(self) -> frozenset[str]:
        """The team's own people that settings send internal mail to ([cases.notify], [ledger]
        hold_notify, the digest's `to`), on our own mail domains. Their answers are logged but are
        no buyer's: they open no case, make no customer and get no acknowledgement.

        Only on our domains: a buyer's address put in such a list by mistake must not silence the
        buyer, and a stranger's address is a buyer until a person says otherwise.
        """
        notified = {address for addresses in self.notify.addresses.values() for address in addresses}
        team = {a.lower() for a in notified | set(self.ledger.hold_notify) | set(self.schedule.digest.to)}
        domains = {address.rpartition("@")[2] for address in self.own_addresses}
        return frozenset(a for a in team if a.rpartition("@")[2] in domains) - self.own_addresses


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


def parse_settings(document: dict[str, Any], path: Path) -> Settings:
    root = Table(document, "")
    path = path.resolve()  # every relative path in it is relative to its folder (config/paths)
    base = path.parent
    database = root.table("database") or Table({}, "database")
    url = resolve_sqlite(
        _database_url(anchored(database.get("url", str, "sqlite:///mailflow.db"), base)), base
    )
    database.done()
    storage = root.table("storage") or Table({}, "storage")
    data_dir = beside(base, storage.get("data_dir", str, "data"))
    max_mb = positive(storage, "max_attachment_mb", 25)
    storage.done()
    fetch = fetch_settings(root.table("fetch") or Table({}, "fetch"))
    parse = parse_limits(root.table("parse") or Table({}, "parse"))
    rules = _rules(root.table("classify") or Table({}, "classify"), base)
    replies = _replies(root, base)
    send = _send_settings(root.table("send") or Table({}, "send"))
    schedule = schedule_settings(root, base)
    health_table = root.table("health") or Table({}, "health")
    health = HealthSettings(
        enabled=health_table.get("enabled", bool, False),
        host=health_table.get("host", str, "127.0.0.1"),
        port=positive(health_table, "port", 8026),
    )
    health_table.done()
    log_table = root.table("log") or Table({}, "log")
    log_format = log_table.get("format", str, "text")
    if log_format not in FORMATS:
        raise ConfigError("log.format must be text or json")
    log_table.done()
    web_table = root.table("web") or Table({}, "web")
    web = WebSettings(
        enabled=web_table.get("enabled", bool, False),
        host=web_table.get("host", str, "127.0.0.1"),
        port=positive(web_table, "port", 8025),
        secure_cookies=web_table.get("secure_cookies", bool, False),
        trusted_proxies=_trusted_proxies(web_table),
    )
    web_table.done()
    reports_table = root.table("reports") or Table({}, "reports")
    reports = ReportSettings(positive(reports_table, "answer_target_business_days", 1))
    reports_table.done()
    ledger = ledger_settings(root.table("ledger"))
    cases_table = root.table("cases")
    # [cases.notify] is read once the mailboxes are known; taken here, [cases] itself may end.
    notify_table = cases_table.table("notify") if cases_table else None
    cases = case_settings(cases_table)
    mailboxes = tuple(mailbox_settings(anchor_secrets(table, base)) for table in root.tables("mailbox"))
    names = [box.name for box in mailboxes]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"mailbox.name: {name!r} is used twice; names must be unique")
    check_reminder_senders(schedule, mailboxes)
    notify = notify_settings(notify_table, rules, names, schedule.digest.site_url)
    root.done()
    return Settings(
        path,
        url,
        data_dir,
        max_mb * 1024 * 1024,
        fetch,
        mailboxes,
        rules,
        replies,
        send,
        web,
        schedule,
        health,
        LogSettings(log_format),
        parse,
        reports,
        ledger=ledger,
        cases=cases,
        notify=notify,
    )


def _replies(root: Table, base: Path) -> ReplySettings:
    company = root.table("company") or Table({}, "company")
    company_name = company.get("name", str, "")
    company.done()
    templates = root.table("templates") or Table({}, "templates")
    given = templates.get("dir", str, "")
    # The operator's templates replace the shipped ones name by name. Without templates.dir a
    # missing ./templates is no error (the shipped ones are used); a folder named but not there is.
    templates_dir = beside(base, given or "templates")
    if given and not templates_dir.is_dir():
        raise ConfigError(
            f"templates.dir: folder {templates_dir} not found (leave templates.dir out to use the shipped "
            "templates; `mailflow templates copy DIR` makes a copy to adapt)"
        )
    templates.done()
    review = root.table("review") or Table({}, "review")
    policies = {}
    for kind in REVIEW_KINDS:
        # Complaint replies wait for a person by default; scheduled mail too until a team opts out.
        policies[kind] = review.get(kind, str, "required")
        if policies[kind] not in REVIEW_POLICIES:
            raise ConfigError(f"review.{kind} must be required or auto")
    review.done()
    replies = root.table("replies") or Table({}, "replies")
    limit = positive(replies, "max_per_sender_per_day", 3)
    replies.done()
    return ReplySettings(company_name, templates_dir, policies, limit)


def _trusted_proxies(table: Table) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in table.get("trusted_proxies", list, ["127.0.0.1", "::1"]):
        try:
            if not isinstance(entry, str):
                raise ValueError("not a string")
            networks.append(ipaddress.ip_network(entry))
        except ValueError as exc:
            raise ConfigError(
                f"{table.key('trusted_proxies')}: {entry!r} is not an IP address or network ({exc})"
            ) from None
    return tuple(networks)


def _database_url(value: str) -> str:
    """A URL with a password in it may be a secret reference too: env:MAILFLOW_DATABASE_URL."""
    if value.partition(":")[0] in ("env", "file", "cmd"):
        return Secret(value, "database.url").reveal()
    return value


def _send_settings(table: Table) -> SendSettings:
    settings = SendSettings(
        batch_size=positive(table, "batch_size", 200),
        interval_seconds=positive_number(table, "interval_seconds", 2.0),
        max_attempts=positive(table, "max_attempts", 8),
        retry_seconds=positive_number(table, "retry_seconds", 60.0),
        # Longer than a batch can take (batch_size x timeout is refreshed as it goes).
        claim_timeout_seconds=positive_number(table, "claim_timeout_seconds", 300.0),
        timeout_seconds=positive_number(table, "timeout_seconds", 30.0),
    )
    table.done()
    return settings


def _rules(table: Table, base: Path) -> RuleSet:
    use_defaults = table.get("use_default_rules", bool, True)
    rules_file = table.get("rules_file", str, "")
    model = table.get("model", str, "builtin")
    if model not in ("builtin", "off"):
        model = str((base / Path(model).expanduser()).resolve())
    thresholds = _thresholds(table.get("thresholds", dict, {}))
    rule_veto = table.get("rule_veto", float, 0.1)
    if not 0 <= rule_veto < 1:
        raise ConfigError("classify.rule_veto must be a number from 0 (every rule hit stands) to below 1")
    own = table.data.get("rule", [])
    table.used.add("rule")
    table.done()
    merged: dict[str, Any] = {"rule": list(own)}
    if rules_file:
        try:
            document = tomllib.loads((base / rules_file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"classify.rules_file: cannot read {rules_file}: {exc}") from None
        _merge_rules(merged, document)
    operators = len(merged["rule"])  # checked first; what follows is mailflow's own
    if use_defaults:
        _merge_rules(merged, tomllib.loads(default_rules_text()))
    merged = {key: value for key, value in merged.items() if value is not None}
    rules = as_builtin(load_rules(merged, "classify"), after=operators)
    return replace(rules, model=model, thresholds=thresholds, rule_veto=rule_veto)


def _merge_rules(merged: dict[str, Any], document: dict[str, Any]) -> None:
    """A rules document's rules after those merged so far; its negations and mentions unless set."""
    merged["rule"].extend(document.get("rule", []))
    for key in ("negations", "mentions"):
        merged.setdefault(key, document.get(key))


def _thresholds(given: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    found = []
    for name, value in sorted(given.items()):
        if name not in MODEL_OUTPUTS:
            raise ConfigError(f"classify.thresholds.{name}: unknown; one of {', '.join(MODEL_OUTPUTS)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise ConfigError(f"classify.thresholds.{name} must be a number between 0 and 1")
        found.append((name, float(value)))
    return tuple(found)
