"""Settings: the documented keys load; anything else stops with one line naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailflow.config import settings as config
from mailflow.config.secrets import Secret
from mailflow.errors import ConfigError, SecretError
from tests.support.settings import MINIMAL_MAILBOX, load_text

REPO = Path(__file__).resolve().parents[2]

MINIMAL = MINIMAL_MAILBOX
_load = load_text


def test_the_shipped_settings_toml_loads() -> None:
    settings = config.load(REPO / "mailflow" / "config" / "settings.example.toml")
    (mailbox,) = settings.mailboxes
    assert (mailbox.imap.host, mailbox.imap.port, mailbox.imap.security) == ("imap.example.com", 993, "ssl")
    assert mailbox.imap.folders == ("INBOX",)
    assert settings.database_url == f"sqlite:///{REPO / 'mailflow' / 'config' / 'mailflow.db'}"


def test_defaults_fill_what_is_left_out(tmp_path: Path) -> None:
    settings = _load(tmp_path, MINIMAL)
    assert settings.mailboxes[0].imap.username == "sales@ningbo-homeware.example"
    assert settings.fetch.idle_renew_seconds <= 600
    assert (settings.send.batch_size, settings.send.max_attempts, settings.send.retry_seconds) == (
        200,
        8,
        60.0,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('host = "imap.example.com"', 'hots = "imap.example.com"'), "mailbox[0].imap.hots: unknown key"),
        (("[[mailbox]]", "[databse]\nurl = 'x'\n[[mailbox]]"), "databse: unknown key"),
        (
            ('host = "imap.example.com"', 'host = "imap.example.com"\nport = "993"'),
            "mailbox[0].imap.port must be an integer",
        ),
        (
            ('host = "imap.example.com"', 'host = "imap.example.com"\nport = 70000'),
            "mailbox[0].imap.port must be between 1 and 65535",
        ),
        (
            ('host = "imap.example.com"', 'host = "imap.example.com"\nsecurity = "tls"'),
            "mailbox[0].imap.security must be one of",
        ),
        (
            ('host = "imap.example.com"', 'host = "imap.example.com"\nsecurity = "none"'),
            "sends the password in clear",
        ),
        (
            ('address = "sales@ningbo-homeware.example"', 'address = "sales"'),
            "mailbox[0].address must be an email address",
        ),
        (
            ('password = "env:MAILFLOW_TEST_SECRET"', 'auth = "xoauth2"'),
            "mailbox[0].imap.oauth2_token is required",
        ),
        (
            ('host = "imap.example.com"', 'host = "imap.example.com"\nfolders = []'),
            "mailbox[0].imap.folders must be a non-empty list",
        ),
        (
            ("[[mailbox]]", "[send]\nmax_attempts = 0\n[[mailbox]]"),
            "send.max_attempts must be a positive integer",
        ),
        (
            ("[[mailbox]]", "[send]\nretry_seconds = -1\n[[mailbox]]"),
            "send.retry_seconds must be more than 0",
        ),
        (("[[mailbox]]", "[send]\nretries = 3\n[[mailbox]]"), "send.retries: unknown key"),
        (
            ("[[mailbox]]", '[schedule.updates]\nweekday = "tuesdy"\n[[mailbox]]'),
            "schedule.updates.weekday must be one of monday",
        ),
        (
            ("[[mailbox]]", '[schedule]\nbusiness_hours_start = "18:00"\n[[mailbox]]'),
            "schedule.business_hours_start must be before schedule.business_hours_end",
        ),
        (
            ("[[mailbox]]", '[schedule]\nsend_at = "ten"\n[[mailbox]]'),
            'schedule.send_at must be a time like "09:00"',
        ),
        (
            ("[[mailbox]]", '[schedule]\ndefault_timezone = "Europe/Atlantis"\n[[mailbox]]'),
            "schedule.default_timezone: unknown time zone 'Europe/Atlantis'",
        ),
        (
            ("[[mailbox]]", '[schedule.updates.cadence]\nA = "daily"\n[[mailbox]]'),
            "schedule.updates.cadence.A must be one of weekly, fortnightly, monthly",
        ),
        (
            (
                "[[mailbox]]",
                '[[schedule.reminder]]\noffset_days = 7\ntemplate = "a"\n'
                '[[schedule.reminder]]\noffset_days = 0\ntemplate = "b"\n[[mailbox]]',
            ),
            "schedule.reminder: offset_days must rise from level to level",
        ),
        (
            ("[[mailbox]]", "[schedule.followup]\nevery = 3\n[[mailbox]]"),
            "schedule.followup.every: unknown key",
        ),
    ],
)
def test_a_bad_value_stops_with_the_key_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _load(tmp_path, MINIMAL.replace(*change))


def test_plain_imap_is_allowed_on_loopback(tmp_path: Path) -> None:
    text = MINIMAL.replace('host = "imap.example.com"', 'host = "127.0.0.1"\nsecurity = "none"')
    assert _load(tmp_path, text).mailboxes[0].imap.security == "none"


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="settings file not found"):
        config.load(tmp_path / "nope.toml")


def test_env_secret_resolves_and_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILFLOW_TEST_SECRET", "hunter2")
    secret = Secret("env:MAILFLOW_TEST_SECRET", "mailbox[0].imap.password")
    assert secret.reveal() == "hunter2"
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret)


def test_file_and_cmd_secrets_resolve(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cret\n")
    assert Secret(f"file:{tmp_path / 'pw'}", "k").reveal() == "s3cret"
    assert Secret("cmd:echo t0ken", "k").reveal() == "t0ken"


def test_secret_errors_name_the_key_not_the_value(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=r"^k: environment variable MAILFLOW_NOT_SET_ANYWHERE is not set$"):
        Secret("env:MAILFLOW_NOT_SET_ANYWHERE", "k").reveal()
    with pytest.raises(SecretError, match="exited with status 3") as failure:
        Secret("cmd:sh -c 'echo leaked-secret; exit 3'", "k").reveal()
    assert "leaked-secret" not in str(failure.value)


def _mailbox_toml(body: str) -> str:
    return f'[[mailbox]]\nname = "sales"\naddress = "sales@ningbo-homeware.example"\n{body}'


def test_a_gmail_preset_fills_servers_xoauth2_and_leaves_sent_to_gmail(tmp_path: Path) -> None:
    text = _mailbox_toml('provider = "gmail"\n\n[mailbox.imap]\noauth2_token = "cmd:oauth2-token sales"\n')
    (box,) = _load(tmp_path, text).mailboxes
    assert (box.imap.host, box.imap.port, box.imap.security, box.imap.auth) == (
        "imap.gmail.com",
        993,
        "ssl",
        "xoauth2",
    )
    assert box.smtp is not None and (box.smtp.host, box.smtp.port, box.smtp.security) == (
        "smtp.gmail.com",
        465,
        "ssl",
    )
    assert box.smtp.auth == "xoauth2" and box.smtp.oauth2_token is box.imap.oauth2_token  # one account
    assert box.smtp.save_sent is False


def test_outlook365_sends_over_starttls_and_every_preset_value_can_be_overridden(tmp_path: Path) -> None:
    text = _mailbox_toml(
        'provider = "outlook365"\n\n[mailbox.imap]\noauth2_token = "env:T"\nport = 1993\n\n'
        "[mailbox.smtp]\nsave_sent = true\n"
    )
    (box,) = _load(tmp_path, text).mailboxes
    assert (box.imap.host, box.imap.port) == ("outlook.office365.com", 1993)
    assert box.smtp is not None and (box.smtp.host, box.smtp.port, box.smtp.security) == (
        "smtp.office365.com", 587, "starttls",
    )  # fmt: skip
    assert box.smtp.save_sent is True and box.smtp.oauth2_token is not None


@pytest.mark.parametrize(
    ("provider", "imap_host", "smtp_host"),
    [
        ("qq", "imap.qq.com", "smtp.qq.com"),
        ("exmail-qq", "imap.exmail.qq.com", "smtp.exmail.qq.com"),
        ("163", "imap.163.com", "smtp.163.com"),
        ("aliyun", "imap.qiye.aliyun.com", "smtp.qiye.aliyun.com"),
    ],
)
def test_chinese_providers_take_an_app_password_over_ssl(
    tmp_path: Path, provider: str, imap_host: str, smtp_host: str
) -> None:
    text = _mailbox_toml(f'provider = "{provider}"\n\n[mailbox.imap]\npassword = "env:AUTH_CODE"\n')
    (box,) = _load(tmp_path, text).mailboxes
    assert (box.imap.host, box.imap.auth, box.imap.send_id) == (imap_host, "password", True)
    assert box.smtp is not None and (box.smtp.host, box.smtp.security, box.smtp.save_sent) == (
        smtp_host,
        "ssl",
        True,
    )
    assert box.smtp.password is box.imap.password and box.smtp.username == "sales@ningbo-homeware.example"


def test_an_unknown_provider_or_a_missing_token_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("mailbox[0].provider must be one of gmail, outlook365")):
        _load(tmp_path, _mailbox_toml('provider = "yahoo"\n\n[mailbox.imap]\npassword = "p"\n'))
    with pytest.raises(
        ConfigError, match=re.escape('mailbox[0].imap.oauth2_token is required with auth = "xoauth2"')
    ):
        _load(tmp_path, _mailbox_toml('provider = "gmail"\n\n[mailbox.imap]\npassword = "p"\n'))


def test_a_database_url_with_a_password_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://mailflow:s3cret-pw@db:5432/mailflow"
    monkeypatch.setenv("MAILFLOW_TEST_DATABASE_URL", url)
    settings = config.parse_settings(
        {"database": {"url": "env:MAILFLOW_TEST_DATABASE_URL"}}, tmp_path / "s.toml"
    )
    assert settings.database_url == url
    monkeypatch.delenv("MAILFLOW_TEST_DATABASE_URL")
    with pytest.raises(ConfigError, match=r"database\.url") as refused:
        config.parse_settings({"database": {"url": "env:MAILFLOW_TEST_DATABASE_URL"}}, tmp_path / "s.toml")
    assert "s3cret" not in str(refused.value)


def test_the_tagging_model_and_its_thresholds_are_settings(tmp_path: Path) -> None:
    assert _load(tmp_path, MINIMAL).rules.model == "builtin"
    off = _load(tmp_path, MINIMAL + '[classify]\nmodel = "off"\n')
    assert (off.rules.model, off.rules.thresholds) == ("off", ())
    own = _load(
        tmp_path, MINIMAL + '[classify]\nmodel = "data/m.npz"\n[classify.thresholds]\ncomplaint = 0.7\n'
    )
    assert own.rules.model == str((tmp_path / "data" / "m.npz").resolve())  # relative to settings.toml
    assert own.rules.thresholds == (("complaint", 0.7),)
    assert own.rules.rule_veto == 0.1  # a rule's complaint hit goes when the model says under 0.1
    assert _load(tmp_path, MINIMAL + "[classify]\nrule_veto = 0\n").rules.rule_veto == 0.0
    with pytest.raises(ConfigError, match=re.escape("classify.rule_veto must be a number from 0")):
        _load(tmp_path, MINIMAL + "[classify]\nrule_veto = 1.5\n")


def test_only_mailflows_own_rules_are_built_in_which_the_model_may_overrule(tmp_path: Path) -> None:
    own = 'name = "mould"\ntag = "complaint:quality"\npatterns = ["mou?ldy?"]\n'
    rules = _load(tmp_path, MINIMAL + f"[classify]\n[[classify.rule]]\n{own}").rules
    assert rules.rules[0].name == "mould" and not rules.rules[0].builtin
    assert len(rules.rules) > 1 and all(rule.builtin for rule in rules.rules[1:])
    alone = _load(
        tmp_path, MINIMAL + f"[classify]\nuse_default_rules = false\n[[classify.rule]]\n{own}"
    ).rules
    assert [rule.builtin for rule in alone.rules] == [False]


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('"complaint:price" = 0.5', "classify.thresholds.complaint:price: unknown"),
        ("complaint = 1.5", "classify.thresholds.complaint must be a number between 0 and 1"),
        ('complaint = "high"', "classify.thresholds.complaint must be a number between 0 and 1"),
    ],
)
def test_a_wrong_threshold_names_its_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        _load(tmp_path, MINIMAL + f"[classify.thresholds]\n{table}\n")


def test_parse_limits_default_to_500_parts_and_1000_header_fields(tmp_path: Path) -> None:
    limits = _load(tmp_path, MINIMAL).parse
    assert (limits.max_parts, limits.max_headers) == (500, 1000)


def test_parse_limits_are_settings(tmp_path: Path) -> None:
    limits = _load(tmp_path, MINIMAL + "[parse]\nmax_parts = 50\nmax_headers = 200\n").parse
    assert (limits.max_parts, limits.max_headers) == (50, 200)


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("max_parts = 0", "parse.max_parts must be a positive integer"),
        ("max_headers = -5", "parse.max_headers must be a positive integer"),
        ('max_parts = "500"', "parse.max_parts must be an integer"),
        ("max_headers = 10.5", "parse.max_headers must be an integer"),
        ("max_headers = true", "parse.max_headers must be an integer"),
        ("max_bytes = 10", "parse.max_bytes: unknown key"),
    ],
)
def test_a_wrong_parse_limit_names_its_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        _load(tmp_path, MINIMAL + f"[parse]\n{table}\n")


def test_mailbox_aliases_are_our_own_addresses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILFLOW_TEST_SECRET", "x")
    aliased = MINIMAL.replace('name = "sales"', 'name = "sales"\naliases = ["Info@Ningbo-Homeware.example"]')
    own = _load(tmp_path, aliased).own_addresses
    assert own == {"sales@ningbo-homeware.example", "info@ningbo-homeware.example"}
    with pytest.raises(ConfigError, match=r"aliases must be a list of email addresses"):
        _load(tmp_path, MINIMAL.replace('name = "sales"', 'name = "sales"\naliases = ["info"]'))
