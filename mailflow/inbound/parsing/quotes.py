"""Separating what the buyer wrote now from quoted history and signatures.

Only the new text counts for tagging: an old complaint quoted under "thanks,
received" must not open a new case. The markers below are the ones real
clients write (Gmail, Outlook, Apple Mail, Foxmail, QQ Mail, NetEase, mobile
clients) in the languages our buyers use.
"""

from __future__ import annotations

import re

# A line at which quoted history begins: everything from here on is history.
_HISTORY_START = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|message\s+d'origine
            |mensaje\s+original|mensagem\s+original|messaggio\s+originale
            |исходное\s+сообщение|原始邮件|原始郵件|forwarded\s+message)\s*-{2,}
      | -{5,}\s*原始邮件\s*-{5,}
      | _{20,}
      | (?:on|am|le|el|em|il|op)\s.{4,240}?(?:wrote|schrieb|a\s+écrit|escribió|escreveu|ha\s+scritto|schreef)(?:\s[^:]{1,120})?\s*:
      | .{4,240}?(?:写道|寫道|пишет|написал|написала|написал\(а\)|كتب)\s*[:：]
      | 在\s.{4,200}?写道[:：]?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# An Outlook/Foxmail header block: a From line followed closely by Sent/Date/To.
_BLOCK_FROM = re.compile(
    r"^\s*\*?(?:from|von|de|da|van|от|发件人|寄件者|差出人)\s*\*?\s*[:：]", re.IGNORECASE
)
_BLOCK_NEXT = re.compile(
    r"^\s*\*?(?:sent|date|to|subject|gesendet|datum|an|betreff|envoyé|date|à|objet|enviado|fecha"
    r"|para|asunto|data|assunto|отправлено|дата|кому|тема|发送时间|日期|收件人|主题|發送時間|送信日時)"
    r"\s*\*?\s*[:：]",
    re.IGNORECASE,
)

# A line at which the signature begins.
_SIGNATURE_START = re.compile(
    r"""^\s*(?:
        --\s*
      | sent\s+from\s+my\s.{1,40}
      | get\s+outlook\s+for\s.{1,30}
      | (?:enviado\s+desde\s+mi|enviado\s+do\s+meu|von\s+meinem|envoyé\s+de\s+mon|inviato\s+da).{0,40}
      | отправлено\s+с\s.{1,40}
      | 发自我的.{0,20} | 來自我的.{0,20} | 从我的.{0,20}发送
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# A short sign-off line; what follows it, when short, is a signature block.
_SIGN_OFF = re.compile(
    r"""^\s*(?:
        (?:best|kind|warm|many\s+thanks\s+and\s+best|thanks\s+and\s+best|thanks\s+and)?\s*regards
      | best(?:\s+wishes)? | cheers | sincerely(?:\s+yours)? | yours\s+(?:sincerely|faithfully|truly)
      | thanks(?:\s+and\s+best\s+regards)? | thank\s+you
      | saludos(?:\s+cordiales)? | atentamente | un\s+saludo | cordialmente
      | atenciosamente | abraços | obrigad[oa]
      | mit\s+freundlichen\s+grüßen | viele\s+grüße | beste\s+grüße | mfg
      | cordialement | bien\s+cordialement | salutations(?:\s+distinguées)?
      | с\s+уважением | спасибо
      | 此致(?:敬礼)? | 祝好 | 谢谢 | 顺祝商祺 | 祝商祺 | 敬上
      | مع\s+التحية | تحياتي
    )\s*[,.!，。]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

_MAX_SIGNATURE_LINES = 10


def _attribution_length(lines: list[str], index: int) -> int:
    """How many lines an "On ... wrote:" attribution starting here spans (0: none)."""
    joined = lines[index]
    for span in range(1, 4):
        if _HISTORY_START.match(joined):
            return span
        if index + span >= len(lines):
            break
        following = lines[index + span].strip()
        # A wrapped attribution goes on in plain lines; a blank or quoted line ends it, so the
        # buyer's own last sentence is never glued to the "... 写道：" quoted below it.
        if not following or following.startswith(">"):
            break
        joined = f"{joined} {following}"
    return 0


def _is_outlook_block(lines: list[str], index: int) -> bool:
    if not _BLOCK_FROM.match(lines[index]):
        return False
    following = [candidate for candidate in lines[index + 1 : index + 6] if candidate.strip()]
    return any(_BLOCK_NEXT.match(candidate) for candidate in following[:3])


def _interleaved(rest: list[str]) -> bool:
    """True when quoted lines are followed by fresh unquoted text: an inline reply."""
    seen_quote = False
    for line in rest:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(">"):
            seen_quote = True
        else:
            return seen_quote
    return False


def strip_quotes(text: str) -> str:
    """The new part of a message: no quoted history, no '>' lines, no signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        span = _attribution_length(lines, index)
        if span:
            if not _interleaved(lines[index + span :]):
                break
            index += span
            continue
        if _is_outlook_block(lines, index):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
        index += 1
    kept = _cut_signature(kept)
    return "\n".join(kept).strip()


def _cut_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _SIGNATURE_START.match(line):
            return lines[:index]
    # Walk back from the end: a sign-off followed by a few short lines is a signature.
    nonblank_after = 0
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if _SIGN_OFF.match(line) and index > 0:
            return lines[:index]
        if line.strip():
            nonblank_after += 1
            if nonblank_after > _MAX_SIGNATURE_LINES or len(line) > 80:
                break
    return lines
