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
            |исходное\s+сообщение|الرسالة\s+الأصلية|原始邮件|原始郵件|forwarded\s+message)\s*-{2,}
      | -{5,}\s*原始邮件\s*-{5,}
      | _{20,}
      | (?:on|am|le|el|em|il|op)\s.{4,240}?(?:wrote|schrieb|a\s+écrit|escribió|escreveu|ha\s+scritto|schreef)(?:\s[^:]{1,120})?\s*:
      | .{4,240}?(?:写道|寫道|пишет|написал|написала|написал\(а\)|كتب)\s*[:：]
      | 在\s.{4,200}?写道[:：]?
      # Indonesian and Vietnamese Gmail; a clock time before the verb, as for Polish below.
      | pada\s.{0,120}?\d{1,2}[.:]\d{2}.{0,160}?menulis\s*:
      | vào\s.{0,120}?\d{1,2}:\d{2}.{0,160}?đã\s+viết\s*:
      # Polish and Turkish Gmail/Thunderbird. Both phrases also open plain sentences ("W dniu
      # dostawy kierowca napisał:", "teslim tarihinde şoför şunu yazdı:"), so a clock time is
      # required before the verb: attributions always carry one, narrative rarely does.
      | w\s+dniu\s.{0,120}?\d{1,2}:\d{2}.{0,160}?(?:napisał(?:a|\(a\))?|pisze)\s*:
      | .{0,120}?\d{1,2}:\d{2}.{0,20}?\starihinde\s.{0,160}?şunu\s+yazdı\s*:
      # Verbless attributions: Gmail in Russian/Japanese/Korean, Mail.ru, Yandex, e.g.
      # "14.09.2026, 11:08, "Иван Петров" <ivan@x.example>:". An address in angle brackets at
      # the very end plus a year and a time right before it keep ordinary sentences out
      # ("send it to <ops@x.example>: they handle customs" goes on after the colon).
      | .{0,40}?(?<!\d)(?:19|20)\d{2}(?!\d).{0,30}?(?<!\d)\d{1,2}:\d{2}(?!\d).{0,100}?
        <\s*[^<>\s@]+@[^<>\s]+\s*>\s*(?:님이\s*작성)?\s*[:：]
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# An Outlook/Foxmail header block: a From line followed closely by Sent/Date/To/Subject.
# Field names per client language: pl Od/Wysłano/Do/Temat, tr Kimden/Gönderildi/Kime/Konu,
# ar من/تم الإرسال/إلى/الموضوع, nl Van/Verzonden/Aan/Onderwerp, ja 差出人/送信日時/宛先/件名,
# ko 보낸 사람/보낸 날짜/받는 사람/제목, it Da/Inviato/A/Oggetto, id Dari/Dikirim/Kepada/Perihal.
_BLOCK_FROM = re.compile(
    r"^\s*\*?(?:from|von|de|da|van|od|kimden|dari|от|من|发件人|寄件者|差出人|보낸\s*사람)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_BLOCK_NEXT = re.compile(
    r"""^\s*\*?(?:sent|date|to|subject|gesendet|datum|an|betreff|envoyé|à|objet|enviado|fecha
        |para|asunto|data|assunto|отправлено|дата|кому|тема|发送时间|日期|收件人|主题|發送時間|寄件日期|收件者|主旨
        |wysłano|do|temat|gönderildi|tarih|kime|konu|تم\s+الإرسال|التاريخ|إلى|الموضوع
        |verzonden|aan|onderwerp|送信日時|宛先|件名|보낸\s*날짜|날짜|받는\s*사람|제목
        |inviato|a|oggetto|dikirim|tanggal|kepada|perihal|subjek
    )\s*\*?\s*[:：]""",
    re.IGNORECASE | re.VERBOSE,
)
# "From:"/"To:" alone is also how buyers write a route ("Od: Szanghaj" / "Do: Gdańsk",
# "من: شنغهاي" / "إلى: جدة"); every client writes at least two fields under From, so a
# block needs two.
_BLOCK_MIN_FIELDS = 2

# A line at which the signature begins.
_SIGNATURE_START = re.compile(
    r"""^\s*(?:
        --\s*
      | sent\s+from\s+my\s.{1,40}
      | get\s+outlook\s+for\s.{1,30}
      | (?:enviado\s+desde\s+mi|enviado\s+do\s+meu|von\s+meinem|envoyé\s+de\s+mon|inviato\s+da).{0,40}
      | отправлено\s+с\s.{1,40}
      # Turkish mobile clients ("iPhone'umdan gönderildi"); a device name is required because
      # "...'dan gönderildi" alone is "was shipped from ...".
      | (?:iphone|ipad|android|samsung|galaxy|huawei|xiaomi)\S{0,12}(?:\s+\S+){0,3}\s+gönderildi
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
      # Swiss German writes ss for ß: "Freundliche Grüsse", "Liebe Grüsse".
      | (?:mit\s+)?(?:freundlichen?|liebe|beste|viele|herzliche)\s+grü(?:ß|ss)en? | mfg
      | cordialement | bien\s+cordialement | salutations(?:\s+distinguées)?
      | с\s+уважением | спасибо
      | pozdrawiam(?:\s+serdecznie)? | serdecznie\s+pozdrawiam | z\s+poważaniem
      | saygılarımla | iyi\s+çalışmalar
      | met\s+vriendelijke\s+groet(?:en)? | (?:vriendelijke\s+)?groeten
      | cordiali\s+saluti | distinti\s+saluti
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
    following = [candidate for candidate in lines[index + 1 : index + 7] if candidate.strip()]
    fields = sum(1 for candidate in following[:4] if _BLOCK_NEXT.match(candidate))
    return fields >= _BLOCK_MIN_FIELDS


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
    return "\n".join(_cut_signature(_new_lines(text))).strip()


def without_history(text: str) -> str:
    """What the writer wrote now, signature included: no quoted history, no '>' lines."""
    return "\n".join(_new_lines(text)).strip()


def _new_lines(text: str) -> list[str]:
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
    return kept


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
