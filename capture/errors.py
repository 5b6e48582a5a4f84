"""Why a document could not be captured: one exception class per reason, each with a user-facing message.

The engine maps these to HTTP in one place: a ``LimitExceeded`` is a 413, any other
``DocumentError`` a 422, ``OcrUnavailable`` a 503 (the machine, not the document, is at fault),
``PageNotFound`` a 404 (the document is fine, the page asked for does not exist).
Every class carries a stable ``code`` so a failed ``CaptureResult`` (for example from the
sandbox, where exceptions cannot cross the process boundary) can be mapped the same way.
"""

from __future__ import annotations

from typing import ClassVar


class CaptureError(Exception):
    """Base of every capture failure; ``str(err)`` is a message fit to show the uploader."""

    code: ClassVar[str] = "capture_error"


class DocumentError(CaptureError):
    """The document itself cannot be read (422 unless it is a ``LimitExceeded``)."""

    code = "unreadable"


class LimitExceeded(DocumentError):
    """The document is larger than the configured limits allow (413)."""

    code = "limit_exceeded"


class DocumentTooLarge(LimitExceeded):
    code = "too_large"


class TooManyPages(LimitExceeded):
    code = "too_many_pages"


class ImageTooLarge(LimitExceeded):
    """Pixel count over the limit: a decompression bomb or an absurdly large scan."""

    code = "image_too_large"


class EmptyDocument(DocumentError):
    code = "empty"


class UnsupportedDocument(DocumentError):
    code = "unsupported_type"


class PasswordProtected(DocumentError):
    code = "password_protected"


class CorruptDocument(DocumentError):
    code = "corrupt"


class NoTextFound(DocumentError):
    """Every page came back blank: never reported as a successful, empty capture."""

    code = "no_text"


class ReaderFailed(DocumentError):
    """The isolated reader crashed, ran out of memory or time (set by the sandbox)."""

    code = "reader_failed"


class OcrUnavailable(CaptureError):
    """Tesseract is missing or broken on this machine: retry later, the document may be fine."""

    code = "ocr_unavailable"


class PageNotFound(CaptureError):
    """A page was asked for (``render_page``) that the document does not have: not a document
    error, the document itself may be fine (404)."""

    code = "page_not_found"


class RulesError(ValueError):
    """A classification rules file is invalid; the message names the file and the entry."""


LIMIT_ERROR_CODES: frozenset[str] = frozenset(
    {LimitExceeded.code, DocumentTooLarge.code, TooManyPages.code, ImageTooLarge.code}
)
"""Error codes of a failed ``CaptureResult`` that mean "over a limit" (HTTP 413)."""

RETRYABLE_ERROR_CODES: frozenset[str] = frozenset({OcrUnavailable.code})
"""Error codes where the document may be fine and a later retry may succeed."""


def error_from_code(code: str, message: str) -> CaptureError:
    """The exception a ``code`` names (as a failed result or the sandbox carries it), with
    ``message``; an unknown code is a ``ReaderFailed``."""
    classes: list[type[CaptureError]] = [CaptureError]
    for cls in classes:
        if cls.code == code:
            return cls(message)
        classes.extend(cls.__subclasses__())
    return ReaderFailed(message)
