"""The names a template context offers, for tests that hold drafting to templates check's samples."""

from __future__ import annotations

from typing import Any


def context_names(context: dict[str, Any]) -> dict[str, list[str] | None]:
    """Each name a template may use, with the names inside it when it is a mapping.

    A name the drafting context has and templates check's sample lacks fails the check of a
    template that uses it; one the sample has and drafting lacks passes the check and breaks the
    draft (StrictUndefined). Either way the two differ here.
    """
    return {name: sorted(value) if isinstance(value, dict) else None for name, value in context.items()}
