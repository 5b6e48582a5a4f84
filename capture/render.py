"""``render_page``: one page of a document as a PNG for a viewer that draws the word and field boxes.

The PNG has the aspect ratio of the page's reference raster (see ``capture.model``), so a box
``(x, y, w, h)`` of that page maps to the PNG by one factor, ``png_width / page.width``, on
both axes. PDF pages are rendered by PDFium straight at the requested width (never at 300 dpi
and then shrunk); photos and scans are decoded as capture decodes them (EXIF orientation
applied, the same pixel limits) and resized, JPEGs through libjpeg's DCT scaling.

This runs in the calling process: for untrusted bytes use ``capture.sandbox.render_page_isolated``.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops

from .errors import CorruptDocument, ImageTooLarge, PageNotFound, TooManyPages
from .images import _check_pixels, _decode, _grayscale, _open_heic, _open_raster
from .model import Limits
from .pdf import PDFIUM_LOCK, _close, _load_page, _render_scale, open_pdf
from .sniff import HEIC, JPEG, PDF, precheck

DEFAULT_WIDTH = 1240  # 150 dpi on an A4 page: sharp on a screen, a fifth of the 300 dpi pixels
MAX_WIDTH = 10_000
PNG_COMPRESS_LEVEL = 1  # 3-5x faster to write than zlib's default, files at most ~15% larger
_EXIF_ORIENTATION = 0x0112
_TURNED_QUARTER = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def render_page(data: bytes, page: int, limits: Limits, *, width: int = DEFAULT_WIDTH) -> bytes:
    """PNG bytes of page ``page`` (1-based) of a PDF, TIFF or image, ``width`` pixels wide.

    The height is ``round(width * page.height / page.width)`` for the ``Page`` capture returns
    for that page (within a pixel: PDF pages are sized from their size in points), so a box
    ``(x, y, w, h)`` in reference pixels is ``(x, y, w, h) * width / page.width`` on the PNG.

    Pages are shown as the reader sees them: PDF pages with their /Rotate, photos with their
    EXIF orientation. A scanned page that OCR found turned (``Page.orientation`` != 0) is *not*
    turned here, because its boxes are in the unturned raster; a viewer that wants it upright
    rotates the image and its box overlay together by ``orientation`` degrees clockwise.

    Raises ``PageNotFound`` (no such page), the ``DocumentError`` that ``process`` would raise
    for unreadable or over-limit input, ``ImageTooLarge`` if the PNG itself would exceed
    ``limits.max_pixels``, and ``ValueError`` for a ``width`` outside 1..MAX_WIDTH.
    """
    if not 1 <= width <= MAX_WIDTH:
        raise ValueError(f"width must be between 1 and {MAX_WIDTH} pixels, got {width!r}")
    media_type = precheck(data, limits)
    if page < 1:
        raise PageNotFound(f"There is no page {page}: pages are numbered from 1.")
    if media_type == PDF:
        image = _pdf_page(data, page, limits, width)
    else:
        image = _image_page(data, media_type, page, limits, width)
    return _png(_gray_if_colourless(image) if image.mode == "RGB" else image)


def _output_size(reference: tuple[float, float], width: int, limits: Limits) -> tuple[int, int]:
    """``width`` and the height of the same aspect ratio as ``reference``, within ``max_pixels``."""
    height = max(1, round(width * reference[1] / max(reference[0], 1e-6)))
    if width * height > limits.max_pixels:
        raise ImageTooLarge(
            f"The page would be {width} x {height} pixels at this width, more than the "
            f"{limits.max_pixels / 1e6:.0f} MP allowed. Please ask for a smaller width."
        )
    return width, height


def _no_page(page: int, count: int, what: str) -> PageNotFound:
    pages = "1 page" if count == 1 else f"{count} pages"
    return PageNotFound(f"There is no page {page}: the {what} has {pages}.")


def _pdf_page(data: bytes, page: int, limits: Limits, width: int) -> Image.Image:
    doc = open_pdf(data, limits)
    try:
        with PDFIUM_LOCK:
            count = len(doc)
            if page > count:
                raise _no_page(page, count, "PDF")
            try:
                pdf_page = _load_page(doc, page - 1)  # forms flattened, as capture read them
            except pdfium.PdfiumError as err:
                raise CorruptDocument(f"Page {page} of the PDF is damaged and cannot be read.") from err
            try:
                return _render_pdf_page(pdf_page, limits, width)
            finally:
                pdf_page.close()
    finally:
        _close(doc)


def _render_pdf_page(page: pdfium.PdfPage, limits: Limits, width: int) -> Image.Image:
    """The page drawn by PDFium into a bitmap of exactly the output size (white paper, annotations
    and any unflattened form fields drawn, as for OCR)."""
    points = page.get_size()  # with /Rotate applied, as the boxes are
    scale = _render_scale(page, limits)
    reference = (round(points[0] * scale), round(points[1] * scale))  # the text-layer page size
    size = _output_size(reference, width, limits)
    bitmap = pdfium.PdfBitmap.new_native(*size, format=pdfium_c.FPDFBitmap_BGR, rev_byteorder=True)
    try:
        bitmap.fill_rect((255, 255, 255, 255), 0, 0, *size)
        args = (bitmap, page, 0, 0, *size, 0, pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_REVERSE_BYTE_ORDER)
        pdfium_c.FPDF_RenderPageBitmap(*args)
        if page.formenv:
            pdfium_c.FPDF_FFLDraw(page.formenv, *args)
        image: Image.Image = bitmap.to_pil().copy()  # copy: detach the pixels from PDFium's buffer
        return image
    finally:
        bitmap.close()


def _image_page(data: bytes, media_type: str, page: int, limits: Limits, width: int) -> Image.Image:
    """Frame ``page`` decoded as ``capture.images`` decodes it, at ``width``."""
    if media_type == HEIC:
        if page > 1:
            raise _no_page(page, 1, "image")
        upright = _open_heic(data, limits)  # libheif applies the stored rotation itself
        return _resize(_displayable(upright), _output_size(upright.size, width, limits))
    image = _open_raster(data, media_type)
    try:
        frames = getattr(image, "n_frames", 1)
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise _damaged() from err
    if frames > limits.max_pages:
        raise TooManyPages(
            f"The image has {frames} pages, more than the {limits.max_pages} allowed. "
            "Please split it into smaller documents."
        )
    if page > frames:
        raise _no_page(page, frames, "image")
    try:
        image.seek(page - 1)
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise _damaged() from err
    _check_pixels(image.size, limits, f"page {page} of the image" if frames > 1 else "the image")
    if media_type != JPEG:
        upright = _decode(image)  # the reference raster itself
        return _resize(_displayable(upright), _output_size(upright.size, width, limits))
    reference = _upright_size(image)
    size = _output_size(reference, width, limits)
    # libjpeg decodes at 1/2, 1/4 or 1/8 scale where that is still at least the output size.
    image.draft(None, size[::-1] if reference != image.size else size)
    return _resize(_displayable(_decode(image)), size)


def _damaged() -> CorruptDocument:
    return CorruptDocument("The image is damaged or incomplete and cannot be read. Please send it again.")


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """The JPEG's size once its EXIF orientation is applied (as ``ImageOps.exif_transpose`` turns
    it), read before decoding so that libjpeg can decode it smaller."""
    try:
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, SyntaxError, ValueError, EOFError):
        orientation = 1  # unreadable EXIF: exif_transpose will not turn it either
    width, height = image.size
    return (height, width) if orientation in _TURNED_QUARTER else (width, height)


def _displayable(image: Image.Image) -> Image.Image:
    """RGB or gray pixels: 16-bit scans keep their contrast, transparency becomes white paper."""
    if image.mode in ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F"):
        return _grayscale(image)
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _gray_if_colourless(image: Image.Image) -> Image.Image:
    """An RGB page whose channels are all equal as gray: a third of the PNG, written 3x faster."""
    red, green, blue = image.split()
    if ImageChops.difference(red, green).getbbox() or ImageChops.difference(green, blue).getbbox():
        return image
    return red


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()

