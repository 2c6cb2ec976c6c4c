"""[cases.notify]: who inside the company hears of a complaint case, by category (off when absent).

    [cases.notify]
    quality = ["qc@ningbo-homeware.example"]
    shipping = ["logistics@ningbo-homeware.example"]
    mailbox = "sales"                        # optional: the mailbox they are sent from
    site_url = "https://mailflow.example"    # optional: links to the case's pages
    language = "zh"                          # optional: the notices' language (default en)

A category is one the classification rules can give (`complaint:<category>`),
so a misspelt one ("qualty") stops mailflow at start-up instead of silently
never notifying anybody.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailflow.config.addresses import address_list
from mailflow.config.rules import COMPLAINT_CATEGORIES, RuleSet
from mailflow.config.table import Table, site_url
from mailflow.errors import ConfigError

_OPTIONS = ("mailbox", "site_url", "language")


@dataclass(frozen=True)
class NotifySettings:
    # category -> internal addresses (lower case), in the order given; no category: nobody is notified.
    addresses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mailbox: str = ""  # the mailbox that sends them; "" = the one the complaint came in on
    site_url: str = ""  # where the review pages are served; "" = no links
    language: str = "en"  # the team's: internal.case.<language>, else English

    @property
    def enabled(self) -> bool:
        return any(self.addresses.values())

    def for_categories(self, categories: list[str]) -> list[str]:
        """The addresses of these categories, each once, in the order configured."""
        found = [address for category in categories for address in self.addresses.get(category, ())]
        return list(dict.fromkeys(found))


def categories_of(rules: RuleSet) -> set[str]:
    """Every complaint category a message can be tagged with: the shipped ones and the operator's rules'."""
    tags = {*COMPLAINT_CATEGORIES, *(rule.tag for rule in rules.rules)}
    return {tag.split(":", 1)[1] for tag in tags if tag.startswith("complaint:")}


def notify_settings(
    table: Table | None, rules: RuleSet, mailboxes: list[str], digest_site_url: str = ""
) -> NotifySettings:
    """`digest_site_url` ([schedule.digest] site_url) is the links' default: one site, said once."""
    if table is None:
        return NotifySettings(site_url=digest_site_url)
    known = categories_of(rules)
    addresses: dict[str, tuple[str, ...]] = {}
    for name in sorted(set(table.data) - set(_OPTIONS)):
        if name not in known:
            raise ConfigError(
                f"{table.key(name)}: unknown category; one of {', '.join(sorted(known))} (or mailbox, site_url, language)"
            )
        addresses[name] = address_list(table, name)
    mailbox = table.get("mailbox", str, "")
    if mailbox and mailbox not in mailboxes:
        raise ConfigError(f"{table.key('mailbox')}: no mailbox named {mailbox!r}")
    url = site_url(table, "site_url", digest_site_url)
    language = table.get("language", str, "en")
    table.done()
    return NotifySettings(addresses, mailbox, url, language)


DEFAULT_NOTIFY = NotifySettings()  # no [cases.notify]: nobody is notified
