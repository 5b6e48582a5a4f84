"""``process``: bytes in, a frozen ``CaptureResult`` out (sniff, read pages, OCR, classify, extract).

Pages are read in order on the calling thread (PDFium is not thread-safe and renders in
milliseconds); pages that need OCR go to a pool with one tesseract process per core, so
rendering page n+1 overlaps OCR of page n. At most two rasters per worker wait in memory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from .classify import ClassificationRules, classify
from .errors import NoTextFound
from .extract import vendor_line
from .fields import FIELDS_BY_TYPE, find_fields, keep_for
from .header import reread_vendor
from .images import read_image
from .model import CaptureResult, Classification, Field, Limits, Page
from .ocr import Raster, ocr_raster
from .pdf import read_pdf
from .sniff import PDF, precheck


def process(data: bytes, *, limits: Limits, rules: ClassificationRules) -> CaptureResult:
    """Capture one document, or raise a ``CaptureError`` saying why it cannot be read.

    Runs in the calling process: use ``capture.sandbox.run_isolated`` for untrusted input, where
    memory, CPU and time are bounded and a crash becomes a failed result.
    """
    media_type = precheck(data, limits)
    first: list[Raster] = []
    pages = read_pages(data, media_type, limits, keep_first=first)
    if not any(page.words for page in pages):
        raise NoTextFound(
            "No text could be read on any page: the document is blank or unreadable. "
            "Please send a clearer scan or photo."
        )
    classification, fields = analyse(pages, rules)
    if first and pages[0].source == "ocr":
        pages, classification, fields = _second_look(pages, first[0], rules, classification, fields)
    return CaptureResult("ok", media_type, pages, classification, fields)


def _second_look(pages: tuple[Page, ...], raster: Raster, rules: ClassificationRules, classification: Classification,
                 fields: tuple[Field, ...]) -> tuple[tuple[Page, ...], Classification, tuple[Field, ...]]:
    """The letterhead's name line read again by the second engine (``capture.header``), the document
    analysed again if that changed a word. Not for documents surely of a type without an issuer (an ID card)."""
    carried = FIELDS_BY_TYPE.get(classification.doc_type)
    if classification.confident and carried is not None and not carried & {"vendor", "employer"}:
        return pages, classification, fields
    line = vendor_line(pages)
    if line is None:
        return pages, classification, fields
    mended = reread_vendor(pages[0], raster.image, raster.scale, line)
    if mended is pages[0]:
        return pages, classification, fields
    pages = (mended, *pages[1:])
    return (pages, *analyse(pages, rules))


def analyse(pages: tuple[Page, ...], rules: ClassificationRules) -> tuple[Classification, tuple[Field, ...]]:
    """Type and fields of pages already read: what ``process`` does after reading, kept apart so the
    accuracy benchmark can re-run it on stored word boxes without paying for OCR again."""
    text = "\n".join(page.text for page in pages)
    found, cues = find_fields(pages)
    classification = classify(text, rules, cues)
    return classification, keep_for(found, classification)


def read_pages(data: bytes, media_type: str, limits: Limits,
               keep_first: list[Raster] | None = None) -> tuple[Page, ...]:
    """All pages in order, OCR running in parallel with the reading of later pages; the raster of page 1,
    when it needed OCR, is kept in ``keep_first`` (for a second look at its letterhead)."""
    sources: Iterator[Page | Raster] = (
        read_pdf(data, limits) if media_type == PDF else read_image(data, media_type, limits)
    )
    workers = limits.ocr_workers or os.cpu_count() or 1
    slots = threading.BoundedSemaphore(2 * workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="capture-ocr")
    pending: list[Page | Future[Page]] = []
    try:
        for item in sources:
            if isinstance(item, Page):
                pending.append(item)
                continue
            if keep_first is not None and not pending:
                keep_first.append(item)
            slots.acquire()
            future = pool.submit(ocr_raster, item, limits)
            future.add_done_callback(lambda _: slots.release())
            pending.append(future)
        return tuple(p if isinstance(p, Page) else p.result() for p in pending)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
