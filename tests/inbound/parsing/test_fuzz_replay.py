"""Every input that ever broke parse() parses now, and parse() keeps its promises on it.

The files in tests/data/fuzz_crashes/ are written by tools/fuzz_parse.py (`make fuzz`);
the first ones are the probe inputs of issue #17. Inputs too big to keep as files
are generated here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mailflow.config.parse_limits import DEFAULT_LIMITS
from mailflow.inbound.parsing.parse import parse
from tests.inbound.parsing.hostile_mail import nested_multiparts_without_blank_lines, sibling_parts

REPO = Path(__file__).resolve().parents[3]
CRASHES = REPO / "tests" / "data" / "fuzz_crashes"


def _fuzz_tool() -> Any:
    """tools/fuzz_parse.py, for its check(): the fuzzer and this replay hold parse() to the same promises."""
    spec = importlib.util.spec_from_file_location("fuzz_parse", REPO / "tools" / "fuzz_parse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check: Callable[..., None] = _fuzz_tool().check

GENERATED: dict[str, Callable[[], bytes]] = {
    "finding3-5000-nested-multiparts-without-blank-lines": lambda: nested_multiparts_without_blank_lines(
        5000
    ),
    "finding4-100000-sibling-parts": lambda: sibling_parts(100_000),
}


def test_the_crash_folder_holds_the_probe_inputs() -> None:
    assert len(list(CRASHES.glob("finding3-*.eml"))) >= 3


@pytest.mark.parametrize("path", sorted(CRASHES.glob("*.eml")), ids=lambda path: path.name)
def test_a_saved_crash_input_parses_and_keeps_the_promises(path: Path) -> None:
    check(parse(path.read_bytes()), DEFAULT_LIMITS)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_a_generated_crash_input_parses_and_keeps_the_promises(name: str) -> None:
    check(parse(GENERATED[name]()), DEFAULT_LIMITS)
