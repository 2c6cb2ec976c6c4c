"""Companies by mail domain. Pure.

A buyer's company is known by its mail domain, unless the domain is a free-mail
provider's: two gmail.com buyers are not colleagues. Recording a buyer's first
message, reacting to it (a hold for the whole company) and the schedule's
per-company limits all ask this one place.
"""

from __future__ import annotations

FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sohu.com",
        "aliyun.com",
        "139.com",
        "proton.me",
        "protonmail.com",
        "naver.com",
        "hanmail.net",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
    ]
)


def company_for(domain: str) -> str:
    """The customer's company as far as the mail domain tells: the domain, unless free mail."""
    return "" if domain in FREE_MAIL_DOMAINS else domain
