"""The values capture takes and returns: limits in, a frozen ``CaptureResult`` out, both JSON-safe.

Coordinates: every box is in pixels of the page's reference raster, origin top-left. For a PDF
page that is the page rendered at ``Limits.ocr_dpi`` (300 dpi, ``Page.dpi``), whether its text
came from the text layer or from OCR; for an image it is the image as displayed (after its EXIF
orientation is applied). A viewer scales boxes by ``shown_width / page.width``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal, NamedTuple

from .errors import LIMIT_ERROR_CODES

PageSource = Literal["text_layer", "ocr"]
Status = Literal["ok", "failed"]

DOCUMENT_TYPES: tuple[str, ...] = (
    "claim_form", "repair_estimate", "invoice", "receipt", "medical_invoice", "id_document",
    "proof_of_address", "payslip", "bank_statement", "tax_return", "company_registration", "other",
)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one capture may cost; over a document limit is a ``LimitExceeded`` error.

    ``max_memory_bytes``, ``max_cpu_seconds`` and ``max_wall_seconds`` are enforced by
    ``capture.sandbox.run_isolated`` only: a library call cannot bound its own memory.
    """

    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 100
    max_pixels: int = 80_000_000  # per page or frame, checked before decoding
    ocr_dpi: int = 300
    min_ocr_dpi: int = 200  # images scanned below this are upscaled before OCR
    ocr_language: str = "eng"
    # Tesseract page segmentation. 3: fastest on upright pages (about 12% less CPU than 1); a page
    # read upside down or sideways comes back with low confidence and gets one orientation probe
    # and a second reading. 1: orientation from the same pass, best when many pages are turned.
    ocr_psm: int = 3
    ocr_workers: int = 0  # 0 = one tesseract process per core
    ocr_page_timeout_s: float = 120.0
    max_memory_bytes: int = 2 * 1024**3
    max_cpu_seconds: int = 600
    max_wall_seconds: float = 300.0

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pages", "max_pixels", "ocr_dpi", "min_ocr_dpi",
                     "max_memory_bytes", "max_cpu_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive, got {getattr(self, name)!r}")
        if self.ocr_psm not in (1, 3):
            raise ValueError(f"Limits.ocr_psm must be 1 or 3, got {self.ocr_psm!r}")
        if self.ocr_workers < 0 or self.ocr_page_timeout_s <= 0 or self.max_wall_seconds <= 0:
            raise ValueError("Limits: ocr_workers must be >= 0 and timeouts positive")

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        return cls(**data)


class Box(NamedTuple):
    """An axis-aligned rectangle in page pixels (see the module docstring).

    A NamedTuple rather than a dataclass: pages hold thousands of them and tuples are built
    twice as fast, which matters at hundreds of text-layer pages a second.
    """

    x: int
    y: int
    w: int
    h: int

    @staticmethod
    def union(boxes: Sequence[Box]) -> Box:
        """The smallest box holding all ``boxes`` (a field spanning several words)."""
        x0 = min(b.x for b in boxes)
        y0 = min(b.y for b in boxes)
        x1 = max(b.x + b.w for b in boxes)
        y1 = max(b.y + b.h for b in boxes)
        return Box(x0, y0, x1 - x0, y1 - y0)


class Word(NamedTuple):
    """One word on a page with its box (x, y, w, h); ``conf`` is 0-100 (100 for text-layer words),
    ``line`` counts lines of the page from 0. Flat, one tuple a word: pages hold thousands."""

    text: str
    x: int
    y: int
    w: int
    h: int
    conf: float
    line: int

    @property
    def box(self) -> Box:
        return Box(self.x, self.y, self.w, self.h)


def join_words(words: Sequence[Word]) -> str:
    """Page text rebuilt from its words: one line of text per ``Word.line``, single spaces."""
    lines: list[list[str]] = []
    current: int | None = None
    for word in words:
        if word.line != current:
            lines.append([])
            current = word.line
        lines[-1].append(word.text)
    return "\n".join(" ".join(line) for line in lines)


@dataclass(frozen=True, slots=True)
class Page:
    """One page's text, where it came from, and the words with their boxes."""

    number: int  # 1-based
    width: int
    height: int
    source: PageSource
    text: str
    words: tuple[Word, ...]
    dpi: int | None = None
    orientation: int = 0  # degrees to turn the page image clockwise to read it upright
    ocr_confidence: float | None = None  # mean word confidence 0-100, OCR pages only


@dataclass(frozen=True, slots=True)
class Field:
    """An extracted value with where it stands (page and box) and how sure we are (0-1).

    ``value`` is canonical: dates ISO ``2026-11-03``; ``total`` and ``tax_amount`` decimal strings
    (``60.30``) with the document's ``currency`` (ISO 4217) a field of its own; ``net_pay``,
    ``gross_pay`` and the generic ``amount`` as ``2512.34 EUR`` (currency left off when the document
    never names one); IBANs compact upper case, e-mails lower case.
    """

    name: str
    value: str
    raw: str
    page: int
    box: Box
    confidence: float


@dataclass(frozen=True, slots=True)
class Classification:
    """The document type with a confidence; ``confident`` is False below the rules' threshold."""

    doc_type: str
    confidence: float
    confident: bool
    scores: tuple[tuple[str, float], ...] = ()
    matched: tuple[str, ...] = ()  # the phrases that decided it, for the person checking

    @staticmethod
    def unknown() -> Classification:
        return Classification("other", 0.0, False)


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """Everything capture learned about one document, or why it could not (``status="failed"``)."""

    status: Status
    media_type: str | None
    pages: tuple[Page, ...] = ()
    classification: Classification = dc_field(default_factory=Classification.unknown)
    fields: tuple[Field, ...] = ()
    error_code: str | None = None
    error: str | None = None

    @staticmethod
    def failed(code: str, message: str, media_type: str | None = None) -> CaptureResult:
        return CaptureResult("failed", media_type, error_code=code, error=message)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def limit_exceeded(self) -> bool:
        """True when the failure is "over a limit" (HTTP 413 rather than 422)."""
        return self.error_code in LIMIT_ERROR_CODES

    @property
    def text(self) -> str:
        return "\n\f".join(page.text for page in self.pages)

    @property
    def ocr_page_count(self) -> int:
        return sum(1 for page in self.pages if page.source == "ocr")

    def field(self, name: str) -> Field | None:
        """The most confident field of that name (first on ties), or None."""
        found = [f for f in self.fields if f.name == name]
        return max(found, key=lambda f: f.confidence) if found else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form; words are compact rows ``[text, x, y, w, h, conf, line]``."""
        return {
            "status": self.status, "media_type": self.media_type,
            "error_code": self.error_code, "error": self.error,
            "classification": _classification_to_dict(self.classification),
            "pages": [_page_to_dict(page) for page in self.pages],
            "fields": [_field_to_dict(f) for f in self.fields],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def from_dict(data: dict[str, Any]) -> CaptureResult:
        c = data["classification"]
        return CaptureResult(
            status=data["status"], media_type=data["media_type"],
            error_code=data["error_code"], error=data["error"],
            classification=Classification(
                c["doc_type"], c["confidence"], c["confident"],
                tuple((str(t), float(s)) for t, s in c["scores"]), tuple(c["matched"])),
            pages=tuple(_page_from_dict(p) for p in data["pages"]),
            fields=tuple(Field(f["name"], f["value"], f["raw"], f["page"], Box(*f["box"]),
                               f["confidence"]) for f in data["fields"]),
        )

    @staticmethod
    def from_json(text: str) -> CaptureResult:
        return CaptureResult.from_dict(json.loads(text))


def _box_list(box: Box) -> list[int]:
    return [box.x, box.y, box.w, box.h]


def _classification_to_dict(c: Classification) -> dict[str, Any]:
    return {"doc_type": c.doc_type, "confidence": c.confidence, "confident": c.confident,
            "scores": [list(s) for s in c.scores], "matched": list(c.matched)}


def _field_to_dict(f: Field) -> dict[str, Any]:
    return {"name": f.name, "value": f.value, "raw": f.raw, "page": f.page,
            "box": _box_list(f.box), "confidence": f.confidence}


def _page_to_dict(page: Page) -> dict[str, Any]:
    return {
        "number": page.number, "width": page.width, "height": page.height,
        "source": page.source, "text": page.text, "dpi": page.dpi,
        "orientation": page.orientation, "ocr_confidence": page.ocr_confidence,
        "words": [list(w) for w in page.words],
    }


def _page_from_dict(p: dict[str, Any]) -> Page:
    words = tuple(Word(*row) for row in p["words"])
    return Page(p["number"], p["width"], p["height"], p["source"], p["text"], words,
                p["dpi"], p["orientation"], p["ocr_confidence"])
