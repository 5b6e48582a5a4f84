"""PDF pages through pypdfium2: the text layer where it is real, a 300 dpi raster where it is not.

pypdfium2 reads text about 100x faster than pdfplumber and renders in 10-130 ms a page, and it
recovers PDFs whose cross-reference table is broken where pdfplumber silently sees 0 pages.
PDFium is not thread-safe, so every call into it holds ``PDFIUM_LOCK``.
"""

from __future__ import annotations

import ctypes
import math
import re
import threading
from collections.abc import Callable, Iterator
from itertools import accumulate, islice
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .errors import CorruptDocument, PasswordProtected, TooManyPages
from .model import Limits, Page, Word, join_words
from .ocr import Raster

PDFIUM_LOCK = threading.RLock()

_WORD = re.compile(r"\S+")
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")
_FPDF_ERR_PASSWORD = 4

# Thresholds of page_needs_ocr(), named so a reader sees what each number means.
MIN_TEXT_CHARS = 20  # fewer letters and digits than a short sentence
MAX_JUNK_SHARE = 0.10  # share of characters with no meaning (no Unicode mapping in the font)
SPARSE_TEXT_CHARS = 200  # this little text ...
IMAGE_COVER_SHARE = 0.5  # ... on a page mostly covered by images

_ALNUM = re.compile(r"[^\W_]")
_SPACE = re.compile(r"\s")
# replacement character, C0/C1 controls other than whitespace, private use, lone surrogates
_JUNK = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ud800-\udfff]")


def _count(pattern: re.Pattern[str], text: str, enough: int) -> int:
    """Occurrences of ``pattern``, counting no further than ``enough`` (pages are long)."""
    return sum(1 for _ in islice(pattern.finditer(text), enough))


def page_needs_ocr(text: str, image_coverage: Callable[[], float] = lambda: 0.0) -> bool:
    """THE decision whether a PDF page's text layer is real or the page must be OCRed.

    Why each rule:
    - Almost no text (< MIN_TEXT_CHARS letters/digits): a scanned page, perhaps with a page number
      or a stamp in the layer; the content is in the pixels.
    - Junk text (> MAX_JUNK_SHARE of the visible characters are replacement, control or
      private-use characters): the fonts carry no Unicode map, so the layer exists but cannot be
      read; the rendered glyphs can.
    - Sparse text (< SPARSE_TEXT_CHARS letters/digits) over a page mostly covered by images: a
      scan with a header, footer or Bates stamp added digitally. ``image_coverage`` is only
      called then, since walking a page's objects costs more than reading its text.
    Otherwise the text layer is real (born-digital, or an earlier OCR we trust): never OCR it,
    which is slower by three orders of magnitude and no more accurate.
    """
    meaningful = _count(_ALNUM, text, SPARSE_TEXT_CHARS)
    if meaningful < MIN_TEXT_CHARS:
        return True
    junk = len(_JUNK.findall(text))
    if junk and junk > MAX_JUNK_SHARE * (len(text) - len(_SPACE.findall(text))):
        return True
    return meaningful < SPARSE_TEXT_CHARS and image_coverage() >= IMAGE_COVER_SHARE


def open_pdf(data: bytes, limits: Limits) -> pdfium.PdfDocument:
    """Open the PDF or raise a ``DocumentError`` saying why not (password, damage, page limit)."""
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as err:
            if err.err_code == _FPDF_ERR_PASSWORD:
                raise PasswordProtected(
                    "The PDF is password-protected. Please send it without the password."
                ) from err
            raise CorruptDocument(
                "The PDF is damaged or incomplete and cannot be read. Please send it again."
            ) from err
        count = len(doc)
        if count and doc.get_formtype() != pdfium_c.FORMTYPE_NONE:
            doc.init_forms()  # so filled-in form fields can be flattened into the page text
    if count == 0:
        _close(doc)
        raise CorruptDocument("The PDF has no pages. Please send the complete document.")
    if count > limits.max_pages:
        _close(doc)
        raise TooManyPages(
            f"The PDF has {count} pages, more than the {limits.max_pages} allowed. "
            "Please split it into smaller documents."
        )
    return doc


def read_pdf(data: bytes, limits: Limits) -> Iterator[Page | Raster]:
    """Each page in order: a finished text-layer ``Page``, or a ``Raster`` to OCR."""
    doc = open_pdf(data, limits)
    with PDFIUM_LOCK:
        count = len(doc)
    try:
        for index in range(count):
            yield _read_page(doc, index, limits)
    finally:
        _close(doc)


def _close(doc: pdfium.PdfDocument) -> None:
    with PDFIUM_LOCK:
        doc.close()


def _read_page(doc: pdfium.PdfDocument, index: int, limits: Limits) -> Page | Raster:
    with PDFIUM_LOCK:
        try:
            page = _load_page(doc, index)
        except pdfium.PdfiumError as err:
            raise CorruptDocument(f"Page {index + 1} of the PDF is damaged and cannot be read.") from err
        try:
            scale = _render_scale(page, limits)
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
                if page_needs_ocr(text, lambda: _image_coverage(page)):
                    return _render(page, index + 1, scale)
                return _text_page(page, textpage, text, index + 1, scale)
            finally:
                textpage.close()
        finally:
            page.close()


def _load_page(doc: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    """The page, with filled-in form fields flattened into its content.

    A fillable claim form keeps its answers in widget annotations, which are not part of the text
    layer: without flattening, the labels would be read and every answer lost.
    """
    page = doc[index]
    has_annotations = page.formenv and pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0
    if has_annotations and page.flatten() == pdfium_c.FLATTEN_SUCCESS:
        page.close()
        page = doc[index]  # flattening invalidates the loaded page
    return page


def _render_scale(page: pdfium.PdfPage, limits: Limits) -> float:
    """Pixels per point: ``ocr_dpi``, lowered for huge pages so a render stays within max_pixels."""
    width, height = page.get_size()
    scale = limits.ocr_dpi / 72
    area = max(width * height, 1.0)
    if area * scale * scale > limits.max_pixels:
        scale = math.sqrt(limits.max_pixels / area)
    return scale


def _image_coverage(page: pdfium.PdfPage) -> float:
    """Share of the page covered by image objects (overlaps counted twice, capped at 1)."""
    width, height = page.get_size()
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
    return float(min(1.0, covered / max(width * height, 1.0)))


def _render(page: pdfium.PdfPage, number: int, scale: float) -> Raster:
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil().copy()  # copy: detach the pixels from PDFium's buffer
    finally:
        bitmap.close()
    return Raster(number, image, image.width, image.height, round(scale * 72))


def _text_page(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, text: str,
               number: int, scale: float) -> Page:
    width, height = page.get_size()
    size = (round(width * scale), round(height * scale))
    words = tuple(_words(page, textpage, text, size))
    return Page(number, size[0], size[1], "text_layer", join_words(words), words,
                dpi=round(scale * 72))


def _words(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, text: str,
           size: tuple[int, int]) -> Iterator[Word]:
    """Words of the text layer with boxes from the loose boxes of their first and last characters.

    Two PDFium calls a word instead of one a character keeps text pages near 200+ pages/s;
    loose boxes span the font's ascent and descent, so the union covers the whole word.
    """
    matrix = _page_to_pixels(page, size)
    a, b, c, d, e, f = matrix
    upright = b == 0 and c == 0 and a > 0 and d < 0  # no /Rotate: skip the general mapping
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    raw_textpage = ctypes.c_void_p(ctypes.cast(textpage.raw, ctypes.c_void_p).value)
    get_box = _LOOSE_CHAR_BOX
    units = _utf16_units(text)
    offset = 0
    for line, line_text in enumerate(text.split("\n")):
        for match in _WORD.finditer(line_text):
            first, last = offset + match.start(), offset + match.end() - 1
            if units is not None:
                first, last = units[first], units[last]
            get_box(raw_textpage, first, rect_ref)
            left, top = rect.left, rect.top
            get_box(raw_textpage, last, rect_ref)
            if upright:
                x, y = round(a * left + e), round(d * top + f)
                box = (x, y, round(a * rect.right + e) - x, round(d * rect.bottom + f) - y)
            else:
                box = _map_box(matrix, left, top, rect.right, rect.bottom)
            yield Word(match.group(), *box, 100.0, line)
        offset += len(line_text) + 1


def _map_box(matrix: tuple[float, ...], left: float, top: float, right: float,
             bottom: float) -> tuple[int, int, int, int]:
    """Two corners of a box through the page matrix (any /Rotate), as x, y, w, h."""
    a, b, c, d, e, f = matrix
    x0, y0 = a * left + c * top + e, b * left + d * top + f
    x1, y1 = a * right + c * bottom + e, b * right + d * bottom + f
    x, y = min(x0, x1), min(y0, y1)
    return round(x), round(y), round(max(x0, x1) - x), round(max(y0, y1) - y)


def _utf16_units(text: str) -> list[int] | None:
    """PDFium counts characters in UTF-16 units: past an emoji its index runs ahead of Python's.
    None when they agree (no character beyond the Basic Multilingual Plane)."""
    if not _BEYOND_BMP.search(text):
        return None
    return list(accumulate((2 if ord(ch) > 0xFFFF else 1 for ch in text), initial=0))


def _untyped(function: Any) -> Any:
    """The same PDFium function without ctypes argument checks.

    pypdfium2's typed binding converts and checks every argument on every call; for the two calls
    per word on text pages that is half the time of reading a page. Callers pass exactly
    (c_void_p, int, byref(FS_RECTF)).
    """
    address = ctypes.cast(function, ctypes.c_void_p).value
    assert address is not None, "PDFium function not loaded"
    untyped: Any = ctypes.CFUNCTYPE(ctypes.c_int)(address)
    untyped.argtypes = None
    return untyped


_LOOSE_CHAR_BOX = _untyped(pdfium_c.FPDFText_GetLooseCharBox)


def _page_to_pixels(page: pdfium.PdfPage, size: tuple[int, int]) -> tuple[float, ...]:
    """The affine map (a, b, c, d, e, f) from PDF points to result pixels, honouring /Rotate and
    the crop box: ``x = a*px + c*py + e``, ``y = b*px + d*py + f``.

    Asks PDFium for three points (at 1000x the size, since it answers in integers) instead of
    re-deriving its display matrix.
    """
    k = 1000
    out_x, out_y = ctypes.c_int(), ctypes.c_int()

    def device(px: float, py: float) -> tuple[float, float]:
        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size[0] * k, size[1] * k, 0, px, py, out_x, out_y)
        return out_x.value / k, out_y.value / k

    ox, oy = device(0.0, 0.0)
    ax, ay = device(100.0, 0.0)
    bx, by = device(0.0, 100.0)
    return (ax - ox) / 100, (ay - oy) / 100, (bx - ox) / 100, (by - oy) / 100, ox, oy
