"""Operator-written templates: choice by kind, category and language, sandboxed rendering.

One template name is up to three files in the templates folder:
`<kind>[.<category>].<lang>.subject.j2`, `.txt.j2` and, optionally, `.html.j2`.
Rendering happens in Jinja2's sandbox with StrictUndefined (a missing variable
is an error, never an empty string) and autoescaping for HTML only. Buyer text
reaches a template only as a variable's value, never as template source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from mailflow.errors import MailflowError

PARTS = ("subject", "txt", "html")
FALLBACK_LANGUAGE = "en"


class TemplateProblem(MailflowError):
    """A template is missing or failed to render; the message names it."""


@dataclass(frozen=True)
class Rendered:
    name: str
    subject: str
    text: str
    html: str | None


def environment(directory: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def template_names(directory: Path) -> set[str]:
    """Every template name that has at least a subject or a text file."""
    names: set[str] = set()
    for path in directory.glob("*.j2"):
        base, _, part = path.name[: -len(".j2")].rpartition(".")
        if part in PARTS and base and not base.startswith("_"):
            names.add(base)
    return names


def fallback_chain(kind: str, category: str | None, language: str) -> list[str]:
    """`ack.shipping.es` -> `ack.es` -> `ack.shipping.en` -> `ack.en`: the buyer's language first."""
    chain: list[str] = []
    for lang in dict.fromkeys((language, FALLBACK_LANGUAGE)):
        if category:
            chain.append(f"{kind}.{category}.{lang}")
        chain.append(f"{kind}.{lang}")
    return chain


class Templates:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = environment(directory)
        # Which files exist is read once; Jinja still reloads a file whose text changed.
        self.files = {path.name for path in directory.glob("*.j2")}
        self.names = template_names(directory)
        self.chosen: dict[tuple[str, str | None, str], str] = {}

    def choose(self, kind: str, category: str | None, language: str) -> str:
        known = self.chosen.get((kind, category, language))
        if known is not None:
            return known
        for name in fallback_chain(kind, category, language):
            if name in self.names:
                self.chosen[(kind, category, language)] = name
                return name
        raise TemplateProblem(
            f"no template for {kind} (looked for {', '.join(fallback_chain(kind, category, language))})"
        )

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        try:
            subject = self._part(name, "subject", context)
            text = self._part(name, "txt", context)
            html = self._part(name, "html", context) if f"{name}.html.j2" in self.files else None
        except TemplateError as exc:
            raise TemplateProblem(f"template {name}: {exc}") from exc
        if subject is None or text is None:
            raise TemplateProblem(f"template {name} needs both {name}.subject.j2 and {name}.txt.j2")
        # A subject is one line, whatever the template or the buyer's text put in it.
        return Rendered(name, " ".join(subject.split()), text, html)

    def _part(self, name: str, part: str, context: dict[str, Any]) -> str | None:
        filename = f"{name}.{part}.j2"
        if filename not in self.files:
            return None
        return self.env.get_template(filename).render(context)
