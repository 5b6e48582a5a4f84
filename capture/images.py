"""Photos and scans (PNG, JPEG, TIFF, HEIC) as grayscale rasters ready for OCR, one per frame.

The pixel limit is checked on each frame's header before any pixel is decoded, so a
decompression bomb costs nothing. Pillow's ``Image.open`` would run its own global check (a
warning, then an error at twice ``Image.MAX_IMAGE_PIXELS``); opening through the format plugins
keeps the decision with ``Limits.max_pixels`` and changes no global state.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pillow_heif
from PIL import Image, ImageOps, JpegImagePlugin, PngImagePlugin, TiffImagePlugin

from .errors import CorruptDocument, ImageTooLarge, TooManyPages
from .model import Limits
from .ocr import Raster
from .sniff import HEIC, JPEG, PNG, TIFF

PLAUSIBLE_DPI = (100, 2400)  # outside this a DPI tag is noise (cameras write 72)
MAX_UPSCALE = 3.0


def read_image(data: bytes, media_type: str, limits: Limits) -> Iterator[Raster]:
    """Each frame of the image, upright (EXIF orientation applied), grayscale, enlarged if small."""
    if media_type == HEIC:
        yield _prepare(1, _open_heic(data, limits), limits)
        return
    image = _open_raster(data, media_type)
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_pages:
        raise TooManyPages(
            f"The image has {frames} pages, more than the {limits.max_pages} allowed. "
            "Please split it into smaller documents."
        )
    for index in range(frames):
        # pytesseract on a PIL image would read frame 0 only: every frame is a page.
        image.seek(index)
        _check_pixels(image.size, limits, f"page {index + 1} of the image" if frames > 1 else "the image")
        yield _prepare(index + 1, _decode(image), limits)


def _open_raster(data: bytes, media_type: str) -> Image.Image:
    opener = {PNG: PngImagePlugin.PngImageFile, JPEG: JpegImagePlugin.jpeg_factory,
              TIFF: TiffImagePlugin.TiffImageFile}[media_type]
    try:
        return opener(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as err:
        raise CorruptDocument(
            "The image is damaged or incomplete and cannot be read. Please send it again."
        ) from err


def _open_heic(data: bytes, limits: Limits) -> Image.Image:
    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        _check_pixels(heif.size, limits, "the image")
        return heif.to_pillow()
    except (ValueError, RuntimeError, OSError) as err:
        raise CorruptDocument(
            "The HEIC photo is damaged or incomplete and cannot be read. Please send it again."
        ) from err


def _check_pixels(size: tuple[int, int], limits: Limits, what: str) -> None:
    allowed = min(limits.max_pixels, Image.MAX_IMAGE_PIXELS or limits.max_pixels)
    pixels = size[0] * size[1]
    if pixels > allowed:
        raise ImageTooLarge(
            f"{what[0].upper()}{what[1:]} is {size[0]} x {size[1]} pixels ({pixels / 1e6:.0f} MP), "
            f"more than the {allowed / 1e6:.0f} MP allowed. Please scan at 300 dpi or send a smaller photo."
        )


def _decode(image: Image.Image) -> Image.Image:
    """Decode the current frame; a truncated file is a damaged document, not a crash."""
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise CorruptDocument(
            "The image is damaged or incomplete and cannot be read. Please send it again."
        ) from err
    return upright


def _prepare(number: int, image: Image.Image, limits: Limits) -> Raster:
    """Gray pixels for OCR; a scan below ``min_ocr_dpi`` is enlarged now, a photo without a
    resolution is enlarged by OCR only if its text turns out small."""
    dpi = _dpi(image)
    gray = _grayscale(image)
    scale = _upscale_factor(gray.size, dpi, limits)
    raster = gray
    if scale > 1.0:
        raster = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.BICUBIC)
    return Raster(number, raster, gray.width, gray.height, dpi, scale, enlarge_if_small=dpi is None, photo=True)


def _dpi(image: Image.Image) -> int | None:
    value = image.info.get("dpi")
    try:
        dpi = round(float(value[0])) if value else 0
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if PLAUSIBLE_DPI[0] <= dpi <= PLAUSIBLE_DPI[1] else None


def _grayscale(image: Image.Image) -> Image.Image:
    """8-bit gray; transparent areas become white paper, 16-bit scans keep their contrast."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    return image.convert("L")


def _upscale_factor(size: tuple[int, int], dpi: int | None, limits: Limits) -> float:
    """How much to enlarge a scan whose resolution says its glyphs are small for Tesseract."""
    if dpi is None or dpi >= limits.min_ocr_dpi:
        return 1.0
    ceiling = (limits.max_pixels / max(size[0] * size[1], 1)) ** 0.5
    factor = min(limits.ocr_dpi / dpi, MAX_UPSCALE, ceiling)
    return factor if factor > 1.05 else 1.0
