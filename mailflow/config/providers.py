"""Presets for the mail providers export teams use: servers, security, and each provider's quirks.

`provider = "gmail"` in a [[mailbox]] fills what the provider fixes; every
value stays overridable in [mailbox.imap] / [mailbox.smtp]. Quirks: Gmail and
Microsoft 365 file sent mail themselves (save_sent = false) and want XOAUTH2
(the token from a `cmd:` reference); NetEase (163) refuses clients that do not
send the IMAP ID command; QQ, Tencent Exmail, 163 and Alibaba Mail take an
app password ("authorization code") over SSL. With a preset and no
[mailbox.smtp], SMTP uses the IMAP account's login.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    imap_host: str
    smtp_host: str
    smtp_port: int = 465
    smtp_security: str = "ssl"
    auth: str = "password"  # password | xoauth2
    save_sent: bool = True  # False: the provider files what SMTP sends in Sent itself
    send_id: bool = True  # the IMAP ID command (NetEase requires it; harmless elsewhere)


PRESETS = {
    "gmail": Preset("imap.gmail.com", "smtp.gmail.com", auth="xoauth2", save_sent=False),
    "outlook365": Preset(
        "outlook.office365.com", "smtp.office365.com", 587, "starttls", auth="xoauth2", save_sent=False
    ),
    "qq": Preset("imap.qq.com", "smtp.qq.com"),
    "exmail-qq": Preset("imap.exmail.qq.com", "smtp.exmail.qq.com"),
    "163": Preset("imap.163.com", "smtp.163.com", send_id=True),
    "aliyun": Preset("imap.qiye.aliyun.com", "smtp.qiye.aliyun.com"),
}
