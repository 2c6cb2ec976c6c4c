"""The learned tagging model: one logistic regression per output, in two tiers. Pure.

- quick: character n-grams of the whole text (about 1 ms a message): every message.
- thorough: the quick probability and two that read meaning across languages
  from multilingual-e5 embeddings (classify/embeddings): one of the whole text,
  and the highest of its sentences, trained on the sentences the labellers
  marked as evidence. A small logistic regression per output weighs the three
  (classify/stacking). About 0.2 s a message: mail that may get a reply.

The model is plain arrays in an .npz file (no pickle: loading runs no code),
trained by `mailflow model train` (classify/training) on the labelled corpus.
It ships with the package; settings can point to another file or turn it off.
A missing or broken file is a ModelError at start-up, never a silent fall-back.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from mailflow.errors import MailflowError
from mailflow.inbound.classify import embeddings
from mailflow.inbound.classify.features import sentences, word_ngrams, words

BUILTIN = "builtin"
FORMAT = 4  # 4: the stacker reads the tiers' log-odds
QUICK = ("vocabulary", "idf", "weights", "bias", "outputs", "thresholds", "meta")
THOROUGH = (
    "whole_weights", "whole_bias", "sentence_weights", "sentence_bias", "stack_weights", "stack_bias",
    "thorough_thresholds",
)  # fmt: skip


class ModelError(MailflowError):
    """The tagging model file is missing, unreadable or of another format."""


@dataclass(frozen=True)
class Verdict:
    """Each output's probability, and the sentence that carries it most (with that sentence's own)."""

    probabilities: dict[str, float]
    thresholds: dict[str, float]
    sentences: dict[str, tuple[str, float]]

    def passed(self) -> set[str]:
        return {name for name, p in self.probabilities.items() if p >= self.thresholds[name]}


@dataclass(frozen=True, eq=False)
class TagModel:
    outputs: tuple[str, ...]  # "complaint", "complaint:quality", ..., "severity:high"
    thresholds: dict[str, float]  # for the quick tier
    thorough_thresholds: dict[str, float]  # for the stacked thorough tier; {} without one
    meta: dict[str, Any]
    _index: dict[str, int] = field(repr=False)
    _arrays: dict[str, np.ndarray] = field(repr=False)
    _known: WordColumns = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_known", WordColumns(self._index))

    @property
    def has_thorough_tier(self) -> bool:
        return bool(self.thorough_thresholds)

    def quick(self, text: str) -> Verdict:
        probabilities = self._named(self._ngram_scores(text))
        return Verdict(probabilities, self.thresholds, _LazySentences(self, text))

    def thorough(self, text: str) -> Verdict:
        if not self.has_thorough_tier:
            return self.quick(text)
        parts = sentences(text)[: embeddings.MAX_SENTENCES] or [text]
        vectors = embeddings.embed([text, *parts])
        quick = sigmoid(self._ngram_scores(text))
        whole = sigmoid(vectors[0] @ self._arrays["whole_weights"] + self._arrays["whole_bias"])
        by_sentence = sigmoid(vectors[1:] @ self._arrays["sentence_weights"] + self._arrays["sentence_bias"])
        best = by_sentence.argmax(axis=0)
        # The stacker's inputs, tier after tier as classify/stacking.tier_rows lays them out in training.
        tiers = log_odds(np.concatenate([quick, whole, by_sentence.max(axis=0)]))
        stacked = sigmoid(tiers @ self._arrays["stack_weights"] + self._arrays["stack_bias"])
        carried = {
            name: (parts[int(best[column])], float(by_sentence[best[column], column]))
            for column, name in enumerate(self.outputs)
        }
        return Verdict(self._named(stacked, squash=False), self.thorough_thresholds, carried)

    def best_sentence(self, text: str, output: str) -> tuple[str, float]:
        """The sentence of `text` that carries `output` most in the quick tier, with its probability."""
        column = self.outputs.index(output)
        scored = [(float(self._ngram_scores(sentence)[column]), sentence) for sentence in sentences(text)]
        if not scored:
            return "", 0.0
        score, sentence = max(scored)
        return sentence, float(sigmoid(np.array([score]))[0])

    def with_thresholds(self, overrides: dict[str, float]) -> TagModel:
        """The operator's thresholds over the model's own, in both tiers."""
        thorough = {**self.thorough_thresholds, **overrides} if self.thorough_thresholds else {}
        return replace(self, thresholds={**self.thresholds, **overrides}, thorough_thresholds=thorough)

    def _named(self, values: np.ndarray, squash: bool = True) -> dict[str, float]:
        probabilities = sigmoid(values) if squash else values
        return {name: float(p) for name, p in zip(self.outputs, probabilities, strict=True)}

    def _ngram_scores(self, text: str) -> np.ndarray:
        columns, values = vectorise(text, self._index, self._arrays["idf"], self._known)
        bias: np.ndarray = self._arrays["bias"]
        if not len(columns):
            return bias
        scores: np.ndarray = values @ self._arrays["weights"][columns] + bias
        return scores


class _LazySentences(dict[str, tuple[str, float]]):
    """The quick tier finds a tag's sentence only when a tag asks for it (it costs a pass per sentence)."""

    def __init__(self, model: TagModel, text: str) -> None:
        super().__init__()
        self.model, self.text = model, text

    def __missing__(self, output: str) -> tuple[str, float]:
        found = self[output] = self.model.best_sentence(self.text, output)
        return found


def vectorise(
    text: str, index: dict[str, int], idf: np.ndarray, known: WordColumns | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and TF-IDF values (sublinear tf, L2-normalised) of one text; training uses it too.

    `known` remembers each word's columns: the same words come back in mail after mail, and
    cutting a word into n-grams and looking each one up is most of the quick tier's time.
    """
    known = known if known is not None else WordColumns(index)
    counted = words(text)
    if not counted:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    per_word = [known.columns(word) for word in counted]
    repeats = np.repeat(np.fromiter(counted.values(), dtype=np.float64, count=len(counted)),
                        [len(found) for found in per_word])  # fmt: skip
    # Sorting the few hundred columns a text has beats counting over the whole vocabulary.
    columns, where = np.unique(np.concatenate(per_word), return_inverse=True)
    values = np.bincount(where, weights=repeats, minlength=len(columns))
    if len(columns):
        values = (1.0 + np.log(values)) * idf[columns]
        values /= np.linalg.norm(values)
    return columns, values


class WordColumns:
    """Word -> the vocabulary columns of its n-grams (repeated as often as they occur), remembered."""

    LIMIT = 50_000  # words kept: about 10 MB; a buyer's mail uses far fewer distinct words

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        self.known: dict[str, np.ndarray] = {}

    def columns(self, word: str) -> np.ndarray:
        found = self.known.get(word)
        if found is None:
            index = self.index
            found = np.array([index[gram] for gram in word_ngrams(word) if gram in index], dtype=np.int64)
            if len(self.known) < self.LIMIT:
                self.known[word] = found
        return found


def log_odds(probabilities: np.ndarray) -> np.ndarray:
    """The stacker's inputs: a tier sure at 0.99 and one at 0.999 differ as much as 0.5 and 0.9 do."""
    clipped = np.clip(probabilities, 1e-9, 1 - 1e-9)
    result: np.ndarray = np.log(clipped / (1 - clipped))
    return result


def sigmoid(scores: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(scores, -40.0, 40.0)))
    return result


def builtin_path() -> Path:
    return Path(str(resources.files("mailflow.inbound.classify").joinpath("tagging_model.npz")))


@lru_cache(maxsize=4)
def load(location: str) -> TagModel:
    """The model at `location` ("builtin" or a file path); a ModelError says what is wrong."""
    path = builtin_path() if location == BUILTIN else Path(location)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [name for name in QUICK if name not in archive.files]
            if missing:
                raise ModelError(f"tagging model {path}: not a mailflow model (no {', '.join(missing)})")
            arrays = {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise ModelError(
            f"tagging model {path}: file not found (run `mailflow model train`, "
            'or set [classify] model = "off" to tag with the rules alone)'
        ) from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelError(f"tagging model {path}: cannot read it: {exc}") from None
    meta = json.loads(str(arrays.pop("meta")))
    if meta.get("format") != FORMAT:
        raise ModelError(f"tagging model {path}: format {meta.get('format')}, this mailflow reads {FORMAT}")
    outputs = tuple(str(name) for name in arrays.pop("outputs"))
    vocabulary = [str(gram) for gram in arrays.pop("vocabulary")]
    numbers = {name: array.astype(np.float64) for name, array in arrays.items()}
    _check_shapes(path, numbers, len(vocabulary), len(outputs))
    thorough = numbers.get("thorough_thresholds")
    return TagModel(
        outputs=outputs,
        thresholds=dict(zip(outputs, numbers["thresholds"].tolist(), strict=True)),
        thorough_thresholds=dict(zip(outputs, thorough.tolist(), strict=True))
        if thorough is not None
        else {},
        meta=meta,
        _index={gram: column for column, gram in enumerate(vocabulary)},
        _arrays=numbers,
    )


def _check_shapes(path: Path, arrays: dict[str, np.ndarray], features: int, outputs: int) -> None:
    wanted = {
        "idf": (features,),
        "weights": (features, outputs),
        "bias": (outputs,),
        "thresholds": (outputs,),
    }
    if any(name in arrays for name in THOROUGH):
        wanted |= {
            "whole_weights": (embeddings.DIMENSIONS, outputs), "whole_bias": (outputs,),
            "sentence_weights": (embeddings.DIMENSIONS, outputs), "sentence_bias": (outputs,),
            "stack_weights": (3 * outputs, outputs), "stack_bias": (outputs,), "thorough_thresholds": (outputs,),
        }  # fmt: skip
    wrong = [name for name, shape in wanted.items() if name not in arrays or arrays[name].shape != shape]
    if wrong:
        raise ModelError(f"tagging model {path}: arrays missing or of the wrong shape: {', '.join(wrong)}")


def save(
    path: Path, vocabulary: list[str], outputs: list[str], meta: dict[str, Any], **arrays: np.ndarray
) -> None:
    """Write a model as plain arrays; float16 n-gram weights keep the shipped file small."""
    stored = {
        name: array.astype(np.float16 if name == "weights" else np.float32) for name, array in arrays.items()
    }
    payload: dict[str, Any] = {
        "vocabulary": np.array(vocabulary, dtype=str),
        "outputs": np.array(outputs, dtype=str),
        "meta": np.array(json.dumps({**meta, "format": FORMAT}, sort_keys=True)),
        **stored,
    }
    np.savez_compressed(path, **payload)
