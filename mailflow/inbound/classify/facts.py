"""Whether words in a message are stated as a fact: not denied, imagined or prevented. Pure.

A fact does not count after a negation just before it in its clause ("no
damage", "none crushed"), or in a clause that imagines or prevents it ("to
avoid damage", "if anything arrives damaged", "last time"). The kinds of a
complaint (classify/details) and the rules' complaint hits (classify/classifier)
are both judged by it; the rules' own negations read the same clause. The kinds
also blank text in quotation marks first (QUOTED: someone else's words); the
rules do not, since a buyer's scare quotes ('arrived "crushed"') are their own.
"""

from __future__ import annotations

import re

# Just before a fact in its clause: the buyer denies it.
NEGATION = re.compile(
    r"\b(?:no|not|never|without|none|nothing|won.?t|don.?t|doesn.?t|didn.?t|isn.?t|aren.?t|wasn.?t|weren.?t|sin|ningún|ninguna|"
    r"sem|nenhum|nenhuma|não|kein\w*|nicht|ohne|sans|aucun\w*|pas|не|нет|без|senza|nessun\w*|non|لا|بدون|ليس|không)\b"
    r"|没有|沒有|无|無|未|不是|并非|并无",
    re.I,
)
# Anywhere before a fact in its clause: the fact is imagined, prevented, or someone else's time.
HEDGE = re.compile(
    r"\b(?:if|in\s+case|in\s+the\s+event|make\s+sure|ensure|to\s+(?:avoid|prevent)|avoid(?:ing)?|prevent(?:ing)?|whether|unless|"
    r"last\s+time|previous\s+(?:shipments?|orders?|deliver(?:y|ies))|en\s+caso\s+de|para\s+evitar|evitar|la\s+(?:última|vez)\s+(?:vez|pasada)|"
    r"falls|wenn|vermeiden|verhindern|letztes\s+mal|en\s+cas\s+de|pour\s+éviter|éviter|la\s+dernière\s+fois|em\s+caso\s+de|"
    r"da\s+última\s+vez|если|в\s+случае|избежать|во\s+избежание|в\s+прошлый\s+раз|in\s+caso\s+di|per\s+evitare|evitare|qualora|"
    r"l'ultima\s+volta|eğer|durumunda|önlemek|geçen\s+sefer|إذا|اذا|في\s+حال|لتجنب|تجنب|لمنع|nếu|để\s+tránh|tránh|lần\s+trước|"
    # "If" in es, fr, it, pt, told from the reflexive "si"/"se" ("si è rotto") by the word after it.
    r"(?:si|se)\s+(?:la|el|los|las|le|les|il|ils|elle|elles|on|lo|gli|i|a|o|as|os|hay|algo|algún|alguna|quelque|qualche|algum|alguma))\b"
    r"|如果|万一|若是|以免|避免|防止|上次|上一批|以前",
    re.I,
)
QUOTED = re.compile(
    r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|«[^»\n]{1,200}»|„[^“”\n]{1,200}[“”]|「[^」\n]{1,200}」|『[^』\n]{1,200}』"
)
_CONTRAST = (  # a new clause starts at "but", as at a comma
    r"\b(?:but|however|pero|sin\s+embargo|aber|jedoch|mais|mas|porém|но|однако|ma|però|ama|fakat|لكن|nhưng)\b"
    r"|但是?|不过|可是"
)
CLAUSE_BREAK = re.compile(r"[.!?。！？;；\n,，:：、()（）]|" + _CONTRAST, re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
# A clause longer than this is read from its last 200 characters.
_CLAUSE_CHARS = 200


def stated_as_fact(text: str, start: int) -> bool:
    """Whether the words at `start` are stated: no hedge in their clause, no negation just before."""
    return stated_in(clause_before(text, start))


def stated_in(clause: str) -> bool:
    """Whether what follows `clause` (clause_before's) is stated; for callers that read the clause too."""
    return not HEDGE.search(clause) and not NEGATION.search(words_before(clause))


def clause_before(text: str, start: int) -> str:
    """The words of the clause that `start` stands in, up to it."""
    return CLAUSE_BREAK.split(text[max(0, start - _CLAUSE_CHARS) : start])[-1]


def words_before(clause: str, count: int = 3, cjk_chars: int = 6) -> str:
    """The last `count` words of a clause; in Chinese, written without spaces, its last characters."""
    words = clause.split()
    if words and _CJK.search(words[-1]):
        return words[-1][-cjk_chars:]
    return " ".join(words[-count:])
