"""Which language did the buyer write in? Script first, then common words. Pure."""

from __future__ import annotations

import re

_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)
_STOPWORDS = {
    "en": "the and we you your our have has is are was were with for this that not please thank"
    " received goods order",
    "es": "el la los las que de y en por para con una un nuestro nuestra pedido hemos gracias está están muy",
    "pt": "o os as que de e em por para com uma um nosso nossa pedido temos obrigado está estão não muito",
    "de": "der die das und ist wir sie nicht mit für ein eine unser unsere bitte wurde sind haben auf",
    "fr": "le la les et est nous vous pas avec pour une un notre nos commande merci sont avons des",
    "it": "il lo la gli le e che di per con una un nostro nostra ordine grazie sono abbiamo non",
}
_WORDS = re.compile(r"[a-zà-ÿ]+")
_STOP_SETS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}


def detect(text: str, default: str = "en") -> str:
    """An ISO 639-1 code for the dominant language of `text`."""
    sample = text[:4000]
    counts = {lang: len(pattern.findall(sample)) for lang, pattern in _SCRIPTS}
    letters = len(_WORDS.findall(sample.lower()))
    best_script = max(counts, key=lambda lang: counts[lang])
    # Han characters carry a word each, so a few of them outweigh many Latin letters.
    if counts[best_script] and counts[best_script] * 2 >= letters * 0.5:
        if best_script == "zh" and counts["ja"]:
            return "ja"
        return best_script
    words = _WORDS.findall(sample.lower())
    if not words:
        return default
    scores = {lang: sum(1 for word in words if word in stop) for lang, stop in _STOP_SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] else default
