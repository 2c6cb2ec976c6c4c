"""Where the shared public email corpora are: ../shared/corpora beside the checkout, or $MAILFLOW_CORPORA."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPORA = Path(
    os.environ.get("MAILFLOW_CORPORA") or Path(__file__).resolve().parents[3] / "shared" / "corpora"
)


def corpus_files() -> list[Path]:
    if not CORPORA.is_dir():
        pytest.fail(f"the shared corpora are missing at {CORPORA} (set MAILFLOW_CORPORA to their folder)")
    return sorted(
        path
        for path in CORPORA.rglob("*")
        if path.is_file() and not path.name.upper().startswith(("LICENSE", "MIT-LICENSE", "README"))
    )
