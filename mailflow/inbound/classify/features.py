"""Text -> the character n-grams the tagging model reads, and sentences for its reasons. Pure.

Character n-grams inside words (1-4 characters, with the word's edges) work for
every script without a tokenizer: "22 cm" and "22cm", Chinese without spaces,
Arabic and Cyrillic alike. Digits are folded to 0, so order numbers do not
become features; text is NFKC-folded and lower-cased, so full-width Latin and
ALL-CAPS lines read like any other.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

MAX_CHARS = 4_000  # a buyer's point is made at the top; past this is a pasted log
_DIGITS = re.compile(r"\d")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s+|(?<=[。！？；])|\n\s*\n|\n(?=\s*[-*•·\d]+[.)]?\s)")
_MIN_SENTENCE_CHARS = 6


def normalise(text: str) -> str:
    return _DIGITS.sub("0", unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower())


def ngrams(text: str) -> Counter[str]:
    """Counts of the 1-4 character n-grams of each word, edges marked with spaces."""
    counts: Counter[str] = Counter()
    for word, times in words(text).items():
        for gram in word_ngrams(word):
            counts[gram] += times
    return counts


def words(text: str) -> Counter[str]:
    """The normalised words of a text, counted: the unit n-grams are taken from."""
    return Counter(normalise(text).split())


def word_ngrams(word: str) -> list[str]:
    """The 1-4 character n-grams of one normalised word, its edges marked with spaces."""
    padded = f" {word} "
    length = len(padded)
    return [padded[start : start + size] for size in (1, 2, 3, 4) for start in range(length - size + 1)]


def sentences(text: str) -> list[str]:
    """The sentences (or list items, or short paragraphs) of a message's new text."""
    found = []
    for part in _SENTENCE_END.split(text[:MAX_CHARS]):
        sentence = " ".join(part.split())
        if len(sentence) >= _MIN_SENTENCE_CHARS:
            found.append(sentence)
    return found


def model_text(subject: str, new_text: str, fresh_subject: bool) -> str:
    """What the model reads: a fresh subject (a reply's repeats old words) and the new text."""
    return f"{subject}\n{new_text}" if fresh_subject else new_text
