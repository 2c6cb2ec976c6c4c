"""Tagging on the corpus's dev split must not fall below the figures the README records.

The goals of issue #16 are reached (or not) in bench/tagging.py on the frozen
test split; this test guards what has been reached, on dev, so that a change to
the rules, the features or the parser that costs accuracy fails here.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from mailflow.config.rules import default_ruleset
from mailflow.inbound.classify.corpus import read_corpus, read_splits
from mailflow.inbound.classify.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[3]
_ROW = re.compile(r"^\| (?P<name>[^|]+?) \| (?P<dev>[0-9.]+) \| (?P<test>[0-9.]+) \|", re.MULTILINE)
_TOLERANCE = 0.005  # the README rounds to two places


def recorded() -> dict[str, float]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- tagging figures -->")[1]
    return {match["name"]: float(match["dev"]) for match in _ROW.finditer(section)}


def test_the_readme_records_the_figures() -> None:
    assert {"complaint F1", "main category in the predicted set", "payment kind"} <= set(recorded())


@pytest.fixture(scope="module")
def dev_figures() -> dict[str, float]:
    messages, splits = read_corpus(ROOT / "corpus"), read_splits(ROOT / "corpus")
    return evaluate(splits.select(messages, "dev"), replace(default_ruleset(), model="builtin")).summary()


@pytest.mark.parametrize("name", sorted(recorded()))
def test_a_figure_on_the_dev_split_holds(name: str, dev_figures: dict[str, float]) -> None:
    assert dev_figures[name] >= recorded()[name] - _TOLERANCE, f"{name} fell below the README's figure"
