"""Email addresses given in settings.toml (copies, notification lists): checked once, at start-up.

An address from settings becomes a header value and an SMTP RCPT TO, so a
mistake must stop mailflow naming the key, not surface as a bounce weeks later
or, worse, as a header split by a line break. Only a bare addr-spec is taken
("boss@example.com", no display name): it is what both the Cc header and the
envelope need, written once.
"""

from __future__ import annotations

import re

from mailflow.config.table import Table
from mailflow.errors import ConfigError

# A dot-atom local part (RFC 5322 3.4.1) and a domain of at least two DNS labels, ASCII only.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def address_list(table: Table, name: str) -> tuple[str, ...]:
    """The list at `name` (default none), each a plain address, lower-cased, without repeats."""
    given = table.get(name, list, [])
    found: list[str] = []
    for index, value in enumerate(given):
        if not isinstance(value, str):
            raise ConfigError(f"{table.key(name)}[{index}] must be an email address in quotes")
        address = value.strip().lower()
        # fullmatch on the stripped value: "a@b.example\r\nBcc: x@y" has a line break inside.
        if not _ADDRESS.fullmatch(address) or any(char in value for char in "\r\n"):
            raise ConfigError(
                f'{table.key(name)}[{index}]: {value!r} is not an email address like "boss@example.com"'
            )
        if address not in found:
            found.append(address)
    return tuple(found)
