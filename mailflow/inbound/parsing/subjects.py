"""What mail clients put in front of a subject: reply and forward prefixes, in the languages our buyers use."""

from __future__ import annotations

import re

_REPLY = r"re|aw|antw|rv|res|sv|vs|odp|r|回复|回覆|答复"
_FORWARD = r"fw|fwd|wg|tr|转发|轉寄"
_PREFIX = r"^\s*(?:{words})\s*(?:\[\d+\])?\s*[:：]"

REPLY_PREFIX = re.compile(_PREFIX.format(words=_REPLY), re.IGNORECASE)
REPLY_OR_FORWARD_PREFIX = re.compile(_PREFIX.format(words=f"{_REPLY}|{_FORWARD}"), re.IGNORECASE)


def is_reply(subject: str) -> bool:
    """'Re:', 'AW:', 'RV:', '回复：'... a reply already; a reply to it needs no second prefix."""
    return REPLY_PREFIX.match(subject) is not None


def continues_a_thread(subject: str) -> bool:
    """A reply or a forward: the subject repeats an old thread's words."""
    return REPLY_OR_FORWARD_PREFIX.match(subject) is not None
