"""`mailflow doctor`: every check an operator would make by hand, one line each, with the fix.

Checks: the settings (loading them is the first check), every secret
reference resolves (the value is never shown), every IMAP server takes the
login and has the configured folders (with its IDLE, CONDSTORE and SPECIAL-USE
support), every SMTP server takes the login, the database answers and is at
this mailflow's migration, and the templates pass `templates check`. Exit
status 1 when any check fails. Warnings leave the exit status alone: the
example's company name, signature or call-back still in place, and no news
file for the next customer update while updates are on.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from mailflow.config.schedule import ScheduleSettings
from mailflow.config.secrets import Secret
from mailflow.config.settings import EXAMPLE, ImapSettings, MailboxSettings, Settings, SmtpSettings
from mailflow.config.table import WEEKDAYS
from mailflow.drafts import template_check
from mailflow.drafts.templates import SHIPPED_TEMPLATES
from mailflow.errors import MailflowError
from mailflow.mailservers.imap import ImapConnection
from mailflow.mailservers.smtp import SmtpConnection
from mailflow.schedule.scheduled_drafts import iso_week
from mailflow.store.engine import Store
from mailflow.store.migrate import UTF8_FIX, head, schema_state


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    detail: str
    fix: str = ""
    warning: bool = False  # works, but not as the operator means it to: shown, never fails the run

    def __str__(self) -> str:
        label = "FAIL" if not self.ok else "WARN" if self.warning else "ok  "
        line = f"{label} {self.what}: {self.detail}"
        return line if label == "ok  " or not self.fix else f"{line}\n     fix: {self.fix}"


def run_checks(settings: Settings, now: datetime | None = None) -> Iterator[Check]:
    yield Check(True, "settings", f"{settings.path} loads ({len(settings.mailboxes)} mailbox(es))")
    yield from example_values(settings)
    yield from news_for_next_update(settings.schedule, now or datetime.now(UTC))
    for mailbox in settings.mailboxes:
        yield from _secrets(mailbox)
        imap_fix = "check the [mailbox.imap] host, port, security and login"
        yield _guarded(f"imap {mailbox.name}", functools.partial(_imap, mailbox, settings), imap_fix)
        if mailbox.smtp is not None:
            smtp_fix = "check the [mailbox.smtp] host, port, security and login"
            yield _guarded(f"smtp {mailbox.name}", functools.partial(_smtp, mailbox, settings), smtp_fix)
        else:
            yield Check(True, f"smtp {mailbox.name}", "no [mailbox.smtp]: its drafts wait until it has one")
    db_fix = "check database.url and that the database server is running"
    yield _guarded("database", functools.partial(_database, settings), db_fix)
    yield _templates(settings)


def example_values(settings: Settings) -> Iterator[Check]:
    """A warning for each value still as settings.example.toml (from `init`) gives it: buyers would see it."""
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    if settings.replies.company_name == example["company"]["name"]:
        yield _example("company.name", settings.replies.company_name)
    shown = example["mailbox"][0]
    for index, mailbox in enumerate(settings.mailboxes):
        for key in ("signature", "callback_name", "callback_phone"):
            if getattr(mailbox, key) == shown[key]:
                yield _example(f"mailbox[{index}].{key}", getattr(mailbox, key))


def _example(key: str, value: str) -> Check:
    return Check(True, key, f"still the example's {value!r}", f"set {key} in the settings", warning=True)


def next_update_day(schedule: ScheduleSettings, now: datetime) -> date:
    """The next update day in schedule.default_timezone: today until its `at`, else the next such weekday."""
    local = now.astimezone(ZoneInfo(schedule.default_timezone))
    days = (schedule.update_weekday - local.weekday()) % 7
    if days == 0 and local.time() >= schedule.update_at:
        days = 7
    return local.date() + timedelta(days=days)


def news_for_next_update(schedule: ScheduleSettings, now: datetime) -> Iterator[Check]:
    if not (schedule.enabled and schedule.updates):
        return
    day = next_update_day(schedule, now)
    news = schedule.news_dir / f"{iso_week(day)}.md"
    when = f"the update of {WEEKDAYS[day.weekday()].capitalize()} {day.isoformat()}"
    if news.is_file():
        yield Check(True, "news", f"{news} is ready for {when}")
        return
    yield Check(
        True,
        "news",
        f"no {news}: {when} goes out without the team's news",
        f"write {news} (Markdown), or set schedule.updates.enabled = false",
        warning=True,
    )


def _guarded(what: str, check: Callable[[], str], fix: str) -> Check:
    try:
        return Check(True, what, check())
    except MailflowError as exc:
        return Check(False, what, str(exc), getattr(exc, "fix", "") or fix)
    except OSError as exc:  # a socket error the adapters did not translate
        return Check(False, what, f"{type(exc).__name__}: {exc.strerror or exc}", fix)


def _secrets(mailbox: MailboxSettings) -> Iterator[Check]:
    servers: list[ImapSettings | SmtpSettings] = [mailbox.imap, *([mailbox.smtp] if mailbox.smtp else [])]
    for server in servers:
        for secret in (server.password, server.oauth2_token):
            if isinstance(secret, Secret):
                yield _secret(secret)


def _secret(secret: Secret) -> Check:
    try:
        secret.reveal()
    except MailflowError as exc:
        reason = str(exc).removeprefix(f"{secret.key}: ")
        return Check(
            False, f"secret {secret.key}", reason, "set the variable, the file or the command it names"
        )
    return Check(True, f"secret {secret.key}", f"resolves ({secret.kind})")


def _imap(mailbox: MailboxSettings, settings: Settings) -> str:
    connection = ImapConnection(mailbox, settings.fetch)
    connection.connect()
    try:
        wanted = ("IDLE", "CONDSTORE", "SPECIAL-USE")
        supports = ", ".join(f"{cap} {'yes' if cap in connection.capabilities else 'no'}" for cap in wanted)
        missing = []
        for folder in mailbox.imap.folders:
            try:
                connection.examine(folder)
            except MailflowError:
                missing.append(folder)
        if missing:
            raise _Fixable(
                f"logged in, but no folder {', '.join(missing)}",
                "set mailbox.imap.folders to folders the server lists",
            )
        sent = connection.special_folder(b"\\Sent") or "none (one called Sent is created when needed)"
        return f"logged in to {mailbox.imap.host}:{mailbox.imap.port}; {supports}; folders {', '.join(mailbox.imap.folders)}; sent folder {sent}"
    finally:
        connection.close()


def _smtp(mailbox: MailboxSettings, settings: Settings) -> str:
    assert mailbox.smtp is not None
    with SmtpConnection(mailbox, settings.send.timeout_seconds):
        return f"logged in to {mailbox.smtp.host}:{mailbox.smtp.port} ({mailbox.smtp.security})"


def _database(settings: Settings) -> str:
    store = Store(settings.database_url)
    try:
        try:
            encoding, found = schema_state(store.engine)
        except (SQLAlchemyError, OSError) as exc:  # the driver's own words: unreachable, refused, bad URL
            raise MailflowError(f"cannot connect: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
        where = store.engine.url.render_as_string(hide_password=True)
        if encoding != "UTF8":
            raise _Fixable(f"{where} stores text as {encoding}, mailflow needs UTF8", UTF8_FIX)
        if found != head():
            raise _Fixable(
                f"{where} is at {found or 'no schema'}, this mailflow needs {head()}",
                "run `mailflow db upgrade`",
            )
        return f"{where} answers, migration {found}"
    finally:
        store.close()


def _templates(settings: Settings) -> Check:
    # The set in use: the operator's folder (a templates.dir not there already failed the settings)
    # over the shipped templates.
    own = settings.replies.templates_dir if settings.replies.templates_dir.is_dir() else None
    problems = template_check.check(own, SHIPPED_TEMPLATES)
    where = f"{own} over the shipped templates" if own else "the shipped templates"
    if problems:
        shown = "; ".join(f"{problem.path}:{problem.line}: {problem.message}" for problem in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return Check(False, "templates", shown + more, f"`mailflow --config {settings.path} templates check`")
    return Check(True, "templates", f"{where} pass the check")


class _Fixable(MailflowError):
    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def doctor(settings: Settings, report: Callable[[str], None], now: datetime | None = None) -> int:
    failed = warned = 0
    for check in run_checks(settings, now):
        report(str(check))
        failed += not check.ok
        warned += check.warning
    summary = f"{failed} check(s) failed" if failed else "all checks passed"
    report(f"{summary}, {warned} warning(s)" if warned else summary)
    return 1 if failed else 0
