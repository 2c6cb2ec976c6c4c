"""Compare tagging designs by 5-fold cross-validation over train and dev, with e5 embeddings cached.

    .venv/bin/python tools/tagging_cv.py [--waiting] [--seed N] [--misses] [--write-model FILE]

Dev has 235 messages: two of them move complaint F1 by 0.02, so a design
change is judged here instead, over every train and dev message (and, with
--waiting, the batches in corpus/waiting/). Each fold trains a whole model file
with classify/training exactly as `mailflow model train` does, on the other
four folds, and scores the held-out fold through parse -> guard -> classify
(rules OR model), as bench/tagging.py does. The test split is never read.

e5 is deterministic, so its vectors are cached by text in --cache (built on
the first run, 2 processes, about 10 minutes); later runs take a few minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailflow.config.rules import default_ruleset  # noqa: E402
from mailflow.inbound.classify import embeddings, training  # noqa: E402
from mailflow.inbound.classify.corpus import LabelledMessage, read_batch, read_corpus, read_splits  # noqa: E402
from mailflow.inbound.classify.evaluation import Figures, evaluate  # noqa: E402
from mailflow.inbound.classify.features import sentences  # noqa: E402

FOLDS = 5
_HEADLINE = ("complaint precision", "complaint recall", "complaint F1",
             "main category in the predicted set", "payment kind", "severity on complaints")  # fmt: skip


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CachedEmbeddings:
    """embeddings.embed with every vector kept by the text's SHA-256, saved to `path`."""

    def __init__(self, path: Path, real: object) -> None:
        self.path, self.real = path, real
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def fill(self, texts: Sequence[str], jobs: int) -> None:
        missing = sorted({text for text in texts if _key(text) not in self.vectors})
        if not missing:
            return
        print(f"embedding {len(missing)} texts in {jobs} processes (cached in {self.path})", flush=True)
        chunks = [missing[start : start + 64] for start in range(0, len(missing), 64)]
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for chunk, rows in zip(chunks, pool.imap(_embed_chunk, chunks), strict=True):
                self.vectors.update(zip(map(_key, chunk), rows, strict=True))
        keys = sorted(self.vectors)
        np.savez(self.path, keys=np.array(keys), vectors=np.vstack([self.vectors[k] for k in keys]))

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, embeddings.DIMENSIONS))
        try:
            return np.vstack([self.vectors[_key(text)] for text in texts])
        except KeyError:
            return self.real(texts)  # type: ignore[operator]


def _embed_chunk(texts: list[str]) -> np.ndarray:
    os.environ["OMP_NUM_THREADS"] = "1"
    return embeddings.embed(texts)


def _texts(examples: Sequence[training.Example]) -> list[str]:
    wanted = []
    for item in examples:
        wanted += [item.text, *(sentences(item.text)[: embeddings.MAX_SENTENCES] or [item.text])]
    return wanted


def fold_of(message: LabelledMessage, seed: int = 0) -> int:
    """A message's fold, by its id alone: adding a batch does not move the others."""
    salted = f"{seed}:{message.id}" if seed else message.id  # another seed, another split, to repeat a CV
    return int(hashlib.sha256(salted.encode()).hexdigest(), 16) % FOLDS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waiting", action="store_true", help="add corpus/waiting/*.toml to train")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "mailflow-e5-cache.npz"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--folds", type=int, nargs="*", default=list(range(FOLDS)))
    parser.add_argument("--seed", type=int, default=0, help="another assignment of messages to folds")
    parser.add_argument("--misses", action="store_true", help="list each complaint missed or invented")
    parser.add_argument("--write-model", metavar="FILE",
                        help="no cross-validation: train on train and dev as `mailflow model train` does, "
                             "with the cached vectors (checked against fresh ones first), into FILE")  # fmt: skip
    args = parser.parse_args()
    corpus = REPO / "corpus"
    messages, splits = read_corpus(corpus), read_splits(corpus)
    used = [message for message in messages if splits.of(message) != "test"]
    waiting: set[str] = set()
    if args.waiting:
        extra = [m for path in sorted((corpus / "waiting").glob("*.toml")) for m in read_batch(path)]
        used += extra
        waiting = {message.id for message in extra}
    examples = {message.id: training.example(message) for message in used}
    cache = CachedEmbeddings(Path(args.cache), embeddings.embed)
    cache.fill(_texts(list(examples.values())), args.jobs)
    if args.write_model:
        return _write_model(list(examples.values()), cache, Path(args.write_model))
    embeddings.embed = cache  # type: ignore[assignment]  # training and the classifier read it by name

    total, history, rules_alone = Figures(), Figures(), Figures()
    with tempfile.TemporaryDirectory() as scratch:
        for fold in args.folds:
            # Scored on the same messages with or without --waiting, so the figures compare.
            held = [
                message
                for message in used
                if fold_of(message, args.seed) == fold and message.id not in waiting
            ]
            rest = [message for message in used if fold_of(message, args.seed) != fold]
            train = [examples[m.id] for m in rest if splits.of(m) != "dev"]
            dev = [examples[m.id] for m in rest if splits.of(m) == "dev"]
            out = Path(scratch) / f"fold{fold}.npz"
            training.train(train, dev, "cv", out)
            rules = replace(default_ruleset(), model=str(out))
            evaluate(held, rules, thorough=True, into=total)
            evaluate(held, rules, thorough=False, into=history)
            evaluate(held, replace(rules, model="off"), into=rules_alone)
            print(f"fold {fold}: {len(train)} train, {len(dev)} dev, {len(held)} held out", flush=True)
    for title, figures in (
        ("new mail (thorough)", total),
        ("history (quick tier)", history),
        ("rules alone", rules_alone),
    ):
        summary = figures.summary()
        print(f"{title}: " + ", ".join(f"{name} {summary[name]:.3f}" for name in _HEADLINE))
    for tag, counts in total.tags.items():
        print(f"    {tag:20s} {counts.precision:4.2f} / {counts.recall:4.2f} / {counts.f1:4.2f}")
    if args.misses:
        print("\n".join(total.misses))
    return 0


def _write_model(examples: list[training.Example], cache: CachedEmbeddings, out: Path) -> int:
    """`mailflow model train`'s training (classify/training.train_corpus), e5's vectors from the cache
    once a sample of them matches fresh ones."""
    sample = _texts(examples[:10])
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if not np.array_equal(embeddings.embed(sample), cache(sample)):
        print("cached vectors differ from fresh ones: run `mailflow model train` instead")
        return 1
    embeddings.embed = cache  # type: ignore[assignment]
    print(f"model: {out}: {training.train_corpus(REPO / 'corpus', out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
