"""Frozen data shared by the pure stages: what a message is, what we decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Address:
    email: str  # lower-cased addr-spec
    name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # sanitised: no directories, no control characters
    content_type: str
    size: int
    sha256: str
    payload: bytes = field(repr=False, compare=False)
    inline: bool = False
    content_id: str = ""

    @property
    def is_image(self) -> bool:
        if self.content_type.startswith("image/"):
            return True
        return self.filename.lower().endswith(IMAGE_SUFFIXES)


IMAGE_SUFFIXES = (
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".heic",
    ".heif",
    ".webp",
    ".bmp",
    ".tif",
    ".tiff",
)


@dataclass(frozen=True, slots=True)
class InboundMail:
    """One parsed message: everything later stages may look at, nothing else."""

    dedupe_key: str  # "mid:<Message-ID>" or "sha256:<hex of the raw bytes>"
    message_id: str  # without angle brackets; "" when the message has none
    sender: Address | None
    reply_to: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    date: datetime | None  # aware, UTC
    in_reply_to: str
    references: tuple[str, ...]
    new_text: str  # the part the buyer wrote now: no quotes, no signature
    full_text: str
    html: str  # the HTML body as sent ("" without one): shown to reviewers only after sanitizing
    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]  # lower-cased names, decoded, CR/LF folded away
    content_type: str
    report_type: str = ""  # multipart/report's report-type, e.g. "delivery-status"
    defects: tuple[str, ...] = ()
    bounced: tuple[str, ...] = ()  # recipients a delivery-status report says failed for good

    def header(self, name: str) -> str:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return ""

    def has_header(self, name: str) -> bool:
        name = name.lower()
        return any(key == name for key, _ in self.headers)


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    automatic: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TagHit:
    tag: str
    rule: str
    matched: str  # the words that matched, as the reviewer will read them

    @property
    def reason(self) -> str:
        return f"{self.rule}: {self.matched}"


@dataclass(frozen=True, slots=True)
class TradeReference:
    kind: str  # po | pi | contract | invoice | bl | container
    value: str


@dataclass(frozen=True, slots=True)
class Classification:
    hits: tuple[TagHit, ...]
    severity: str  # high | medium | low
    language: str
    references: tuple[TradeReference, ...]
    has_photos: bool

    @property
    def tags(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for hit in self.hits:
            if hit.tag:  # severity-only hits explain the severity, they are not tags
                seen.setdefault(hit.tag, None)
        return tuple(seen)

    @property
    def is_complaint(self) -> bool:
        return any(tag.startswith("complaint:") for tag in self.tags)
