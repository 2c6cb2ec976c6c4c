"""The [[mailbox]] tables: identity, IMAP and SMTP, with secrets as references and TLS unless on loopback."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from mailflow.config.providers import PRESETS, Preset
from mailflow.config.secrets import Secret
from mailflow.config.table import Table
from mailflow.errors import ConfigError

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
    # Other addresses that deliver here (send-as, forwarding): mail from them is ours, never answered.
    aliases: tuple[str, ...] = ()


def _secret(table: Table, name: str) -> Secret | None:
    value = table.get(name, str, "")
    return Secret(value, table.key(name)) if value else None


def _server(
    table: Table, default_port: int, default_host: str | None = None, default_security: str = "ssl"
) -> tuple[str, int, str]:
    host = table.get("host", str, default_host)
    port = table.get("port", int, default_port)
    if not 0 < port < 65536:
        raise ConfigError(f"{table.key('port')} must be between 1 and 65535")
    security = table.get("security", str, default_security)
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


def mailbox_settings(table: Table) -> MailboxSettings:
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
    preset = _preset(table)
    imap = _imap(table.table("imap", required=True), address, preset)  # type: ignore[arg-type]
    smtp_table = table.table("smtp")
    if smtp_table is None and preset is not None:
        smtp_table = Table({}, table.key("smtp"))  # the provider's SMTP, with the IMAP account's login
    smtp = _smtp(smtp_table, address, preset, imap) if smtp_table else None
    listed = table.get("aliases", list, [])
    if not all(isinstance(alias, str) and "@" in alias for alias in listed):
        raise ConfigError(f"{table.key('aliases')} must be a list of email addresses")
    aliases = tuple(alias.strip().lower() for alias in listed)
    table.done()
    return MailboxSettings(name, address, display_name, imap, smtp, *identity, aliases=aliases)


def _preset(table: Table) -> Preset | None:
    name = table.get("provider", str, "")
    if not name:
        return None
    if name not in PRESETS:
        raise ConfigError(f"{table.key('provider')} must be one of {', '.join(PRESETS)}")
    return PRESETS[name]


def _imap(table: Table, address: str, preset: Preset | None) -> ImapSettings:
    host, port, security = _server(table, 993, preset.imap_host if preset else None)
    auth = table.get("auth", str, preset.auth if preset else "password")
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
        send_id=table.get("send_id", bool, preset.send_id if preset else True),
    )
    if auth == "password" and settings.password is None:
        raise ConfigError(f'{table.key("password")} is required (or set auth = "xoauth2")')
    if auth == "xoauth2" and settings.oauth2_token is None:
        raise ConfigError(f'{table.key("oauth2_token")} is required with auth = "xoauth2"')
    table.done()
    return settings


def _smtp(table: Table, address: str, preset: Preset | None, imap: ImapSettings) -> SmtpSettings:
    if preset is None:
        host, port, security = _server(table, 465)
    else:
        host, port, security = _server(table, preset.smtp_port, preset.smtp_host, preset.smtp_security)
    auth = table.get("auth", str, preset.auth if preset else "password")
    if auth not in ("password", "xoauth2"):
        raise ConfigError(f"{table.key('auth')} must be password or xoauth2")
    # A provider's SMTP and IMAP are one account: what is not given again is the IMAP login.
    same = preset is not None
    settings = SmtpSettings(
        host,
        port,
        security,
        table.get("username", str, imap.username if same else address),
        _secret(table, "password") or (imap.password if same else None),
        auth,
        _secret(table, "oauth2_token") or (imap.oauth2_token if same else None),
        table.get("save_sent", bool, preset.save_sent if preset else True),
    )
    if auth == "xoauth2" and settings.oauth2_token is None:
        raise ConfigError(f'{table.key("oauth2_token")} is required with auth = "xoauth2"')
    table.done()
    return settings
