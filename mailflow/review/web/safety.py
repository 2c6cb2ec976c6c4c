"""What makes a buyer's HTML safe to show: nh3 (ammonia) with remote images dropped. Pure."""

from __future__ import annotations

import nh3

_TAGS = {
    "a", "b", "blockquote", "br", "div", "em", "font", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p",
    "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul", "img",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"alt", "src"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


def _no_remote(tag: str, attribute: str, value: str) -> str | None:
    # A remote image tells the sender the mail was opened, and when, and where from.
    if tag == "img" and attribute == "src" and not value.startswith("cid:"):
        return None
    return value


def sanitized_html(html: str) -> str:
    """Scripts, styles, event handlers, javascript: links and remote images removed; text kept."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        attribute_filter=_no_remote,
        link_rel="noopener noreferrer nofollow",
    )


def quoted_history(new_text: str, full_text: str) -> str:
    """What the buyer quoted below (or above) what they wrote now; '' when nothing was quoted."""
    history = full_text.replace(new_text, "", 1) if new_text else full_text
    return history.strip()
