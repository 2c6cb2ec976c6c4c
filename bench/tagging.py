"""Tagging on the corpus's frozen test split (issue #16): precision, recall, F1, category,
severity, payment kind, language, per-language complaint recall, and throughput on one core.

    .venv/bin/python bench/tagging.py [--split test|dev] [--rules-only]

Each message goes as bytes through parse -> guard -> classify, like real mail.
The test split is never used to choose rules, features or thresholds: this
script only reads it. Figures go to the README's performance section.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

from common import ROOT

from mailflow.config.rules import default_ruleset
from mailflow.inbound.classify.corpus import read_corpus, read_splits
from mailflow.inbound.classify.evaluation import evaluate

GOALS = {
    "complaint F1": 0.95,
    "main category in the predicted set": 0.92,
    "payment kind": 0.90,
    "severity on complaints": 0.85,
    "language": 0.97,
    "automatic tagged automatic, no complaint": 1.0,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--rules-only", action="store_true", help="the rules alone, as before issue #16")
    parser.add_argument("--history", action="store_true", help="the quick tier alone, as history is tagged")
    parser.add_argument("--misses", action="store_true", help="list each complaint missed or invented")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the issue measures
    messages, splits = read_corpus(ROOT / "corpus"), read_splits(ROOT / "corpus")
    chosen = splits.select(messages, args.split)
    rules = replace(default_ruleset(), model="off" if args.rules_only else "builtin")
    thorough = not args.history
    evaluate(chosen[:5], rules, thorough)  # load the model and warm up, outside the timing
    started = time.perf_counter()
    figures = evaluate(chosen, rules, thorough)
    elapsed = time.perf_counter() - started
    complaints = sum(message.complaint for message in chosen)
    print(f"{args.split} split: {len(chosen)} messages, {complaints} complaints; "
          f"{'rules only' if args.rules_only else 'rules OR model'}"
          f"{', quick tier only (history)' if args.history and not args.rules_only else ''}")  # fmt: skip
    for name, value in figures.summary().items():
        goal = GOALS.get(name)
        print(f"  {name:42s} {value:5.2f}" + (f"   (goal {goal:.2f})" if goal else ""))
    print("  per tag (precision / recall / F1):")
    for tag, counts in figures.tags.items():
        print(f"    {tag:20s} {counts.precision:4.2f} / {counts.recall:4.2f} / {counts.f1:4.2f}"
              f"   ({counts.true_positive + counts.false_negative} labelled)")  # fmt: skip
    print("  complaint recall per language:")
    for language, counts in sorted(figures.by_language.items()):
        wanted = counts.true_positive + counts.false_negative
        if wanted:
            print(f"    {language}: {counts.recall:4.2f} of {wanted}")
    print(f"  classify() alone: {figures.messages / figures.seconds:,.0f} msg/s on one core; "
          f"parse + guard + classify: {figures.messages / elapsed:,.0f} msg/s")  # fmt: skip
    if args.misses:
        print("\n".join(figures.misses))


if __name__ == "__main__":
    main()
