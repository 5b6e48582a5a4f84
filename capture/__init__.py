"""Document capture: pure functions from bytes to a CaptureResult (no project, Flask or DB imports).

For the engine:
- at upload: ``precheck(data, limits) -> media type`` refuses empty, oversized, unsupported files
  (``LimitExceeded`` -> 413, any other ``DocumentError`` -> 422);
- in a job: ``run_isolated(data, limits, rules) -> CaptureResult`` reads the document in a child
  process with bounded memory, CPU and time; it never raises for the document's sake, a failed
  result carries ``error_code`` and a user-facing ``error`` (``result.limit_exceeded`` -> 413);
- ``process(data, limits=..., rules=...)`` is the same in the calling process, raising
  ``CaptureError`` subclasses: for trusted input and tests;
- rules: ``load_rules(path)`` or ``default_rules()``; ``result.classification.confident`` False
  means a person must check the type;
- for a viewer: ``render_page_isolated(data, n, limits, width=1240) -> PNG bytes`` of page ``n``
  in the same kind of bounded child, with the aspect ratio of the page's reference raster (a box
  maps to the PNG times ``width / page.width``); it raises ``PageNotFound`` (404) for a page the
  document lacks and the ``DocumentError`` subclasses above otherwise. ``render_page`` is the
  same in the calling process.
"""

from .classify import ClassificationRules, TypeRule, classify, default_rules, load_rules
from .errors import (
    LIMIT_ERROR_CODES,
    RETRYABLE_ERROR_CODES,
    CaptureError,
    CorruptDocument,
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    ImageTooLarge,
    LimitExceeded,
    NoTextFound,
    OcrUnavailable,
    PageNotFound,
    PasswordProtected,
    ReaderFailed,
    RulesError,
    TooManyPages,
    UnsupportedDocument,
    error_from_code,
)
from .model import DOCUMENT_TYPES, Box, CaptureResult, Classification, Field, Limits, Page, Word
from .pdf import page_needs_ocr
from .pipeline import analyse, process
from .render import render_page
from .sandbox import render_page_isolated, run_isolated
from .sniff import SUPPORTED as SUPPORTED_MEDIA_TYPES
from .sniff import precheck, sniff

__all__ = [
    "DOCUMENT_TYPES", "LIMIT_ERROR_CODES", "RETRYABLE_ERROR_CODES", "SUPPORTED_MEDIA_TYPES",
    "Box", "CaptureError", "CaptureResult", "Classification", "ClassificationRules",
    "CorruptDocument", "DocumentError", "DocumentTooLarge", "EmptyDocument", "Field",
    "ImageTooLarge", "LimitExceeded", "Limits", "NoTextFound", "OcrUnavailable", "Page",
    "PageNotFound", "PasswordProtected", "ReaderFailed", "RulesError", "TooManyPages", "TypeRule",
    "UnsupportedDocument", "Word", "analyse", "classify", "default_rules", "error_from_code", "load_rules",
    "page_needs_ocr", "precheck", "process", "render_page", "render_page_isolated", "run_isolated",
    "sniff",
]
