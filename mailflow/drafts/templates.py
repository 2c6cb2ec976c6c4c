"""Operator-written templates: choice by kind, category and language, sandboxed rendering.

One template name is up to three files in the templates folder:
`<kind>[.<category>].<lang>.subject.j2`, `.txt.j2` and, optionally, `.html.j2`.
The operator's folder (templates.dir) comes first, name by name; the templates
shipped in the package fill in every name it lacks.
Rendering happens in Jinja2's sandbox with StrictUndefined (a missing variable
is an error, never an empty string) and autoescaping for HTML only. Buyer text
reaches a template only as a variable's value, never as template source.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from mailflow.errors import MailflowError


@functools.lru_cache(maxsize=64)
def locale_for(language: str) -> Locale:
    """The buyer's language for numbers and money ("es": 12.345,50); English when babel knows it not."""
    try:
        return Locale.parse(language or "en")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


PARTS = ("subject", "txt", "html")
FALLBACK_LANGUAGE = "en"
# The templates that ship with mailflow (package data): the operator's folder may override each one.
SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "shipped_templates"


class TemplateProblem(MailflowError):
    """A template is missing or failed to render; the message names it."""


@dataclass(frozen=True)
class Rendered:
    name: str
    subject: str
    text: str
    html: str | None


def environment(*folders: Path) -> SandboxedEnvironment:
    """The sandbox over `folders`, the first one's files winning (includes and extends included)."""
    return SandboxedEnvironment(
        loader=FileSystemLoader([str(folder) for folder in folders]),
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
    """`ack.shipping.es` -> `ack.es` -> `ack.shipping.en` -> `ack.en`: the buyer's language first.

    A category may carry its detail, `shipping.delay`: `ack.shipping.delay.es` -> `ack.shipping.es`
    -> `ack.es`, then the same in English.
    """
    parts = category.split(".") if category else []
    variants = [".".join(parts[:length]) for length in range(len(parts), 0, -1)]
    chain: list[str] = []
    for lang in dict.fromkeys((language, FALLBACK_LANGUAGE)):
        chain += [f"{kind}.{variant}.{lang}" for variant in variants]
        chain.append(f"{kind}.{lang}")
    return chain


class Templates:
    """The operator's folder over the shipped one, name by name.

    An operator's `ack.en` replaces only the shipped `ack.en` (all of its files);
    every name the operator's folder lacks comes from the shipped templates, so
    a missing folder means the shipped set. Which files exist is read once; Jinja
    still reloads a file whose text changed.
    """

    def __init__(self, directory: Path | None, shipped: Path | None = SHIPPED_TEMPLATES) -> None:
        self.directory = directory
        self.folders = [folder for folder in (directory, shipped) if folder is not None and folder.is_dir()]
        # An operator's template may include a shipped partial; a shipped one sees only its own folder.
        self.envs = {folder: environment(*self.folders[index:]) for index, folder in enumerate(self.folders)}
        self.files = {folder: {path.name for path in folder.glob("*.j2")} for folder in self.folders}
        self.sources: dict[str, Path] = {}
        for folder in reversed(self.folders):
            self.sources.update(dict.fromkeys(template_names(folder), folder))
        self.names = set(self.sources)
        self.chosen: dict[tuple[str, str | None, str], str] = {}

    def source(self, name: str) -> Path:
        """The folder `name` comes from."""
        return self.sources[name]

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
        if name not in self.sources:
            raise TemplateProblem(f"no template {name}")
        try:
            subject = self._part(name, "subject", context)
            text = self._part(name, "txt", context)
            html = self._part(name, "html", context)
        except TemplateError as exc:
            raise TemplateProblem(f"template {name}: {exc}") from exc
        if subject is None or text is None:
            raise TemplateProblem(f"template {name} needs both {name}.subject.j2 and {name}.txt.j2")
        # A subject is one line, whatever the template or the buyer's text put in it.
        return Rendered(name, " ".join(subject.split()), text, html)

    def _part(self, name: str, part: str, context: dict[str, Any]) -> str | None:
        folder, filename = self.sources[name], f"{name}.{part}.j2"
        if filename not in self.files[folder]:
            return None
        return self.envs[folder].get_template(filename).render(context)
