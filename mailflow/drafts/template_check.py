"""`mailflow templates check`: what must hold for every template before it may write to a buyer.

Problems come back as (file, line, message): syntax errors, variables the
context does not have, first-person singular wording (we speak as the company),
an acknowledgement without a photo request, a template name without both a
subject and a text file, and a kind without its English fallback.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

from mailflow.drafts.templates import FALLBACK_LANGUAGE, PARTS, Templates
from mailflow.inbound.classify.details import DETAILS

CATEGORIES = ("quality", "shipping", "contract", "service")

# First-person singular, per language: "we", never "I".
_FIRST_PERSON = {
    "en": re.compile(r"\bI\b|\bI'(?:m|ve|ll|d)\b|\b(?:me|my|mine|myself)\b", re.IGNORECASE),
    "zh": re.compile(r"我(?![们們司方])"),
    "es": re.compile(r"\b(?:yo|mi|mis|me)\b", re.IGNORECASE),
}
# An acknowledgement must ask for photos; these are the words for it.
_PHOTO_WORDS = {
    "en": "photo",
    "zh": "照片",
    "es": "foto",
    "pt": "foto",
    "ru": "фото",
    "de": "foto",
    "fr": "photo",
}
_ASKS_FOR_PHOTOS = {"ack": "acknowledgement", "followup": "follow-up"}
# Except these kinds of complaint: a delay has nothing to photograph (it promises news instead).
_ASKS_FOR_NOTHING = frozenset({"delay"})
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    folder: Path | None = None  # where `file` is; None: a name, not one file

    @property
    def path(self) -> str:
        return str(self.folder / self.file) if self.folder else self.file

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def sample_context(
    category: str = "quality",
    photos: bool = False,
    severity: str = "medium",
    kind: str = "ack",
    detail: str = "",
) -> dict[str, Any]:
    """Everything a template of `kind` may use, with sample values. This is the contract with template authors."""
    common = _common_context()
    case = {
        "id": 17,
        "subject": "Crushed cartons on PO 4500123",
        "status": "acknowledged",
        "categories": [category],
    }
    specific: dict[str, Any]
    if kind in ("followup", "satisfaction"):
        specific = {"case": case, "photos_attached": photos, "number": 1}
    elif kind == "reminder":
        specific = {"invoice": _SAMPLE_INVOICE, "level": {"offset": 7, "name": category, "cc": []}}
    elif kind == "update":
        news = "New: stoneware mugs in six glazes.\n\nOur factory is closed 1-7 October."
        specific = {"week": "2026-W48", "news": news, "invoices": [_SAMPLE_INVOICE], "cases": [case]}
    elif kind == "digest":  # the manager's weekly digest (ops/digest): figures, no customer
        return {"company": common["company"], "mailbox": common["mailbox"], **_DIGEST}
    elif kind == "internal":  # a complaint case's notice to the people of its categories (drafts/internal)
        specific = _internal_context(photos, severity)
    elif kind == "hold":  # the credit hold notice to the order desk (schedule/hold_notices)
        specific = {"hold": _HOLD}
    elif kind == "solution":  # an agreed solution's confirmation (drafts/solutions); `category` is its kind
        solution = {"kind": category, "amount": "USD 1,240.00", "currency": "USD", "due": "2026-12-15"}
        specific = {"case": {"id": 17, "subject": case["subject"]}, "solution": {**solution, "number": 1}}
    else:
        specific = {**_ack_context(category, photos, severity), "detail": detail}
    return {**common, **specific}


_SAMPLE_INVOICE = {
    "number": "INV-2026-0412",
    "amount": "$12,480.00",
    "paid": "$4,000.00",
    "balance": "$8,480.00",
    "currency": "USD",
    "issued": "2026-10-02",
    "due": "2026-11-01",
    "days_overdue": 21,
    "order_ref": "PO 4500123",
    "partly_paid": True,
}


_HOLD = {
    "reason": "INV-2026-0412 is 31 days overdue",
    "since": "2026-12-02 09:00 UTC",
    "ended": "2026-12-09 14:30 UTC",  # "" in a start notice
    "page": "https://mailflow.example.com/customers/42",  # "" without schedule.digest.site_url
}


# The manager's weekly digest (ops/digest): figures, no customer.
_DIGEST = {
    "week": "2026-W48",
    "first_day": "2026-11-23",
    "last_day": "2026-11-29",
    "now": {
        "drafts_waiting": 4,
        "oldest_draft_hours": 30.5,
        "open_cases": {"high": 1, "medium": 3, "low": 0},
        "unanswered_complaints": 1,
        "oldest_unanswered_hours": 20.25,
        "held_invoices": 2,
        "bounced_addresses": 0,
        "customers_on_credit_hold": 1,
    },
    "answers": {
        "week": "2026-W48",
        "complaints": 6,
        "answered": 5,
        "within_target": 4,
        "median_hours": 5.5,
        "p90_hours": 26.0,
    },
    "complaints": [
        {"week": "2026-W48", "category": "quality", "complaints": 2},
        {"week": "2026-W48", "category": "shipping", "complaints": 4},
    ],
    "top_customers": [{"customer": "maria@harbor-imports.example", "complaints": 3}],
    "overdue": [{"currency": "USD", "amount": "8480.00", "invoices": 2}],
    "neglected": {
        "count": 1,
        "first": [
            {
                "customer": "ivan@volga-trade.example",
                "class": "A",
                "last_contact_at": "2026-11-02T09:15:00+00:00",
                "cadence_days": 7,
                "days_overdue": 21,
            }
        ],
    },
    "links": {
        "overview": "https://mailflow.example.com/overview?from=2026-11-23&to=2026-11-29",
        "queue": "https://mailflow.example.com/",
        "unanswered": "https://mailflow.example.com/cases?status=unanswered",
        "overdue": "https://mailflow.example.com/invoices?state=overdue",
        "neglected": "https://mailflow.example.com/customers?neglected=1",
    },
}


def _common_context() -> dict[str, Any]:
    return {
        "customer": {
            "email": "maria@harbor-imports.example",
            "name": "Maria Lopez",
            "company": "Harbor Imports",
        },
        "company": {"name": "Ningbo Homeware Co., Ltd."},
        "mailbox": {
            "name": "sales",
            "address": "sales@ningbo-homeware.example",
            "display_name": "Ningbo Homeware Sales",
            "signature": "Ningbo Homeware Co., Ltd.\nSales Department\n+86 574 0000 0000",
            "callback_name": "Li Wei",
            "callback_phone": "+86 574 0000 0001",
        },
    }


def _ack_context(category: str, photos: bool, severity: str) -> dict[str, Any]:
    return {
        "message": {
            "subject": "Crushed cartons on PO 4500123",
            "text": "14 cartons arrived crushed and the mugs inside are broken.",
            "date": "2026-11-16",
        },
        "category": category,
        "categories": [category],
        "tags": [f"complaint:{category}", *(["photos"] if photos else [])],
        "reasons": [f"{category}: broken"],
        "severity": severity,
        "photos_attached": photos,
        "references": [{"kind": "po", "value": "4500123", "label": "PO 4500123"}],
        "case": {"id": 17, "subject": "Crushed cartons on PO 4500123"},
        "reply_by": "2026-11-18",
        "internal_notified": True,  # an internal notice of the case (drafts/internal) is on its way
    }


def _internal_context(photos: bool, severity: str) -> dict[str, Any]:
    ack = _ack_context("quality", photos, severity)
    shown = [{"filename": "IMG_0412.jpg", "size": 2_481_152}, {"filename": "IMG_0413.jpg", "size": 2_310_144}]
    return {
        "case": {
            "id": 17,
            "subject": ack["case"]["subject"],
            "categories": ["quality"],
            "severity": severity,
        },
        "message": {**ack["message"], "sender": "maria@harbor-imports.example"},
        "tags": ack["tags"],
        "reasons": ack["reasons"],
        "references": ack["references"],
        "photos": shown if photos else [],
        # Photos named instead of attached: not stored, not an image, or over the size one notice carries.
        "photos_left_out": [
            {"filename": "VID_0414.jpg", "size": 31_457_280, "why": "over the 10 MB one notice carries"}
        ]
        if photos
        else [],
        "first": not photos,  # the first notice of a case, or a later one with new photos
        "links": {  # {} without [cases.notify] site_url (or schedule.digest.site_url)
            "case": "https://mailflow.example.com/cases/17",
            "customer": "https://mailflow.example.com/customers/42",
        },
    }


def check(directory: Path | None, shipped: Path | None = None) -> list[Problem]:
    """Problems of `directory`'s templates; with `shipped`, of the set mailflow really uses:
    each name from the first folder that has it (drafts/templates.Templates chooses the same way)."""
    if shipped is None and (directory is None or not directory.is_dir()):
        return [Problem(str(directory), 0, "templates folder not found")]
    templates = Templates(directory, shipped)  # the layering drafting uses, name by name
    problems: list[Problem] = []
    for folder in templates.folders:
        problems += _misnamed(folder)
        for name in sorted(name for name, source in templates.sources.items() if source == folder):
            problems += _check_name(folder, templates.envs[folder], name)
    problems += _fallbacks(templates.names)
    return problems


def _misnamed(directory: Path) -> list[Problem]:
    found = []
    for path in sorted(directory.glob("*.j2")):
        base, _, part = path.name[: -len(".j2")].rpartition(".")
        if part not in PARTS or not base or len(base.split(".")) < 2:
            found.append(
                Problem(
                    path.name,
                    1,
                    "not a template name: <kind>[.<category>].<lang>.{subject,txt,html}.j2",
                    directory,
                )
            )
    return found


def _check_name(directory: Path, env: Any, name: str) -> list[Problem]:
    problems: list[Problem] = []
    for required in ("subject", "txt"):
        if not (directory / f"{name}.{required}.j2").exists():
            problems.append(
                Problem(f"{name}.{required}.j2", 0, f"missing: {name} needs a {required} file", directory)
            )
    language = name.rsplit(".", 1)[-1]
    for part in PARTS:
        filename = f"{name}.{part}.j2"
        path = directory / filename
        if path.exists():
            problems += [
                replace(found, folder=directory) for found in _check_file(env, path, filename, name, language)
            ]
    return problems


def _check_file(env: Any, path: Path, filename: str, name: str, language: str) -> list[Problem]:
    source = path.read_text(encoding="utf-8")
    try:
        env.parse(source, filename=filename)
    except TemplateSyntaxError as exc:
        return [Problem(filename, exc.lineno or 0, f"syntax error: {exc.message}")]
    problems = _first_person(source, filename, language)
    kind, *rest = name.split(".")
    for category, detail in _variants(kind, rest[:-1]):
        for photos in (False, True):
            for severity in ("medium", "high"):
                try:
                    context = sample_context(category, photos, severity, kind, detail)
                    text = env.get_template(filename).render(context)
                except TemplateError as exc:
                    return [
                        *problems,
                        Problem(filename, _template_line(exc, filename), f"render error: {exc}"),
                    ]
                if kind in _ASKS_FOR_PHOTOS and part_of(filename) == "txt" and not photos:
                    if detail in _ASKS_FOR_NOTHING:
                        continue
                    word = _PHOTO_WORDS.get(language, "photo")
                    if word not in text.lower():
                        problems.append(
                            Problem(
                                filename,
                                1,
                                f"{_ASKS_FOR_PHOTOS[kind]} without a photo request ({_variant(category, detail)})",
                            )
                        )
                        return problems
    return problems


def _variants(kind: str, named: list[str]) -> list[tuple[str, str]]:
    """The (category, detail) pairs a template serves: its own, or every one that may fall back to it."""
    if len(named) == 2:
        return [(named[0], named[1])]
    categories = named or list(CATEGORIES)
    if kind != "ack":
        return [(category, "") for category in categories]
    return [(category, detail) for category in categories for detail in ("", *DETAILS.get(category, ()))]


def _variant(category: str, detail: str) -> str:
    return f"{category}.{detail}" if detail else category


def part_of(filename: str) -> str:
    return filename[: -len(".j2")].rsplit(".", 1)[-1]


def _template_line(exc: BaseException, filename: str) -> int:
    """Jinja rewrites tracebacks so template lines appear as frames of the template file."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(filename) and frame.lineno:
            return frame.lineno
    return getattr(exc, "lineno", 0) or 0


def _first_person(source: str, filename: str, language: str) -> list[Problem]:
    pattern = _FIRST_PERSON.get(language)
    if pattern is None:
        return []
    # Only the words a buyer reads: Jinja tags and expressions are blanked, newlines kept.
    prose = _JINJA.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    problems = []
    for number, line in enumerate(prose.splitlines(), start=1):
        found = pattern.search(line)
        if found:
            problems.append(
                Problem(
                    filename, number, f"first person singular {found.group(0)!r}: we speak as the company"
                )
            )
    return problems


def _fallbacks(names: set[str]) -> list[Problem]:
    """Every template's chain must end in English: <kind>.<category>.en or <kind>.en."""
    problems = []
    missing: set[str] = set()
    for name in sorted(names):
        kind, *rest = name.split(".")
        variants = [".".join(rest[:length]) for length in range(len(rest) - 1, 0, -1)]
        english = [f"{kind}.{variant}.{FALLBACK_LANGUAGE}" for variant in variants]
        english.append(f"{kind}.{FALLBACK_LANGUAGE}")
        if not any(candidate in names for candidate in english) and english[0] not in missing:
            missing.add(english[0])
            problems.append(
                Problem(
                    f"{name}.txt.j2",
                    0,
                    f"no fallback: {' or '.join(english)} is missing, so some buyers get nothing",
                )
            )
    return problems
