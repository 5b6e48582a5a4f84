"""render_page_isolated: one page as a PNG for the viewer, with the aspect ratio of the page's
reference raster, so that boxes map to it by one factor, ``png_width / page.width``."""
from __future__ import annotations

import io
import re
import sys
import time

import pillow_heif
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

import capture
from capture import (
    CorruptDocument,
    EmptyDocument,
    ImageTooLarge,
    PageNotFound,
    PasswordProtected,
    ReaderFailed,
    TooManyPages,
    UnsupportedDocument,
    render_page,
    render_page_isolated,
)
from capture.images import read_image
from capture.pdf import read_pdf
from tests.capture.documents import (
    DOCUMENTS,
    encode,
    exif_rotated_jpeg,
    image_pdf,
    multipage_tiff,
    scan,
    text_pdf,
)
from tests.capture.test_hostile import _png_header_only

PYTHON = sys.executable
NEVER_RUN = [PYTHON, "-c", "raise SystemExit(9)"]  # a worker that fails if it is ever started


def _png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _expected_size(width: int, page_width: int, page_height: int) -> tuple[int, int]:
    return width, round(width * page_height / page_width)


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> int:
    """The darkest gray value inside ``box`` (x, y, w, h) of ``image``."""
    x, y, w, h = box
    region = image.convert("L").crop((round(x), round(y), round(x + w), round(y + h)))
    return int(region.getextrema()[0])


def _scaled(box: capture.Box, factor: float) -> tuple[float, float, float, float]:
    return box.x * factor, box.y * factor, box.w * factor, box.h * factor


def _rotated(pdf: bytes, degrees: int) -> bytes:
    doc = pdfium.PdfDocument(pdf)
    for page in doc:
        page.set_rotation(degrees)
    out = io.BytesIO()
    doc.save(out)
    doc.close()
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rotation", [0, 90])
def test_pdf_page_matches_the_reference_raster_and_its_boxes(
        rotation: int, limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    data = text_pdf([DOCUMENTS["invoice"][0], DOCUMENTS["claim_form"][0]])
    data = _rotated(data, rotation) if rotation else data
    result = capture.process(data, limits=limits, rules=rules)
    page = result.pages[1]
    assert (page.width > page.height) == (rotation == 90)

    png = _png(render_page_isolated(data, 2, limits))  # default width
    assert png.size == _expected_size(1240, page.width, page.height)
    factor = png.width / page.width
    field = result.field("policy_number")
    assert field is not None and field.page == 2
    assert _ink(png, _scaled(field.box, factor)) < 100  # the field's box, scaled, is on its text
    first = page.words[0]  # "Vehicle": nothing of page 1 ("Northwind") is drawn here
    assert _ink(png, _scaled(first.box, factor)) < 100
    assert _ink(png, (0, 0, png.width, 20 * factor)) == 255  # and the margin is empty paper
    # All the ink on the PNG lies in the words' boxes, scaled, and fills most of their extent.
    text = _scaled(capture.Box.union(page.words), factor)
    ink = png.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
    assert ink is not None
    assert text[0] - 2 <= ink[0] and text[1] - 2 <= ink[1]
    assert ink[2] <= text[0] + text[2] + 2 and ink[3] <= text[1] + text[3] + 2
    assert ink[2] - ink[0] > 0.9 * text[2] and ink[3] - ink[1] > 0.8 * text[3]


def test_pdf_is_rendered_at_the_width_asked_not_shrunk_from_300_dpi(limits: capture.Limits) -> None:
    data = text_pdf([DOCUMENTS["payslip"][0]])
    assert _png(render_page_isolated(data, 1, limits, width=300)).size == (300, 424)
    assert _png(render_page(data, 1, limits, width=2480)).size == (2480, 3508)  # = the 300 dpi raster


def test_scanned_pdf_page(limits: capture.Limits) -> None:
    scans = [scan(["Page one"], size=(1200, 1600)), scan(["Page two, landscape"], size=(1800, 1000))]
    data = image_pdf(scans)
    rasters = list(read_pdf(data, limits))  # the reference rasters that OCR would read
    for number, raster in enumerate(rasters, start=1):
        png = _png(render_page_isolated(data, number, limits, width=600))
        expected = _expected_size(600, raster.width, raster.height)
        assert png.width == 600 and abs(png.height - expected[1]) <= 1


def test_colour_is_kept_and_gray_pages_are_gray(limits: capture.Limits) -> None:
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_fill_color(255, 0, 0)
    pdf.rect(100, 100, 200, 200, style="F")
    png = _png(render_page_isolated(bytes(pdf.output()), 1, limits, width=595))
    assert png.mode == "RGB" and png.getpixel((200, 200)) == (255, 0, 0)
    assert _png(render_page_isolated(text_pdf([["black on white"]]), 1, limits)).mode == "L"


def test_same_picture_in_process_and_isolated(limits: capture.Limits) -> None:
    data = text_pdf([DOCUMENTS["receipt"][0]])
    assert render_page_isolated(data, 1, limits, width=500) == render_page(data, 1, limits, width=500)


# --- images -----------------------------------------------------------------------------------


def test_tiff_frame_two(limits: capture.Limits) -> None:
    first = Image.new("L", (600, 800), 255)
    second = Image.new("L", (900, 500), 255)
    ImageDraw.Draw(second).rectangle((600, 300, 899, 499), fill=0)  # bottom-right corner
    data = multipage_tiff([first, second])
    rasters = list(read_image(data, "image/tiff", limits))
    assert (rasters[1].width, rasters[1].height) == (900, 500)

    png = _png(render_page_isolated(data, 2, limits, width=450))
    assert png.size == _expected_size(450, 900, 500) == (450, 250)
    assert _ink(png, (310, 160, 130, 80)) == 0  # the corner, scaled by 450 / 900
    assert _ink(png, (0, 0, 280, 140)) == 255
    with pytest.raises(PageNotFound, match="There is no page 3: the image has 2 pages."):
        render_page_isolated(data, 3, limits)


@pytest.mark.parametrize("width", [1268, 400, 150])  # 150: libjpeg decodes at 1/8 scale
def test_exif_rotated_jpeg_is_upright(width: int, limits: capture.Limits) -> None:
    upright = Image.new("L", (1268, 680), 255)
    ImageDraw.Draw(upright).rectangle((0, 0, 400, 200), fill=0)  # top-left, as the photo is viewed
    data = exif_rotated_jpeg(upright)
    assert Image.open(io.BytesIO(data)).size == (680, 1268)  # stored turned
    raster = next(read_image(data, "image/jpeg", limits))
    assert (raster.width, raster.height) == (1268, 680)

    png = _png(render_page_isolated(data, 1, limits, width=width))
    assert png.size == _expected_size(width, 1268, 680)
    factor = width / 1268
    assert _ink(png, (0, 0, 350 * factor, 170 * factor)) < 40  # the dark corner is top-left
    assert _ink(png, (450 * factor, 250 * factor, 800 * factor, 420 * factor)) > 215


def test_png_with_transparency_on_white_paper(limits: capture.Limits) -> None:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=(0, 0, 255, 255))
    png = _png(render_page_isolated(encode(image, "PNG"), 1, limits, width=200))
    assert png.size == (200, 100) and png.mode == "RGB"
    assert png.getpixel((50, 50)) == (0, 0, 255) and png.getpixel((150, 50)) == (255, 255, 255)


def test_heic_photo(limits: capture.Limits) -> None:
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (320, 240), (250, 250, 250))).save(buffer, quality=90)
    png = _png(render_page_isolated(buffer.getvalue(), 1, limits, width=160))
    assert png.size == (160, 120)
    with pytest.raises(PageNotFound, match="the image has 1 page"):
        render_page_isolated(buffer.getvalue(), 2, limits)


# --- pages that do not exist ------------------------------------------------------------------


def test_page_out_of_range(limits: capture.Limits) -> None:
    data = text_pdf([["one"], ["two"]])
    with pytest.raises(PageNotFound, match="There is no page 3: the PDF has 2 pages.") as err:
        render_page_isolated(data, 3, limits)
    assert err.value.code == "page_not_found"
    assert not isinstance(err.value, capture.DocumentError)  # the document is fine: a 404, not a 422
    with pytest.raises(PageNotFound, match="numbered from 1"):
        render_page_isolated(data, 0, limits, command=NEVER_RUN)  # decided before any process
    with pytest.raises(PageNotFound, match="the image has 1 page"):
        render_page_isolated(encode(Image.new("L", (50, 50), 255), "JPEG"), 2, limits)


def test_bad_width_is_the_callers_mistake(limits: capture.Limits) -> None:
    for width in (0, -5, 10_001):
        with pytest.raises(ValueError, match="width must be between 1 and 10000"):
            render_page_isolated(text_pdf([["x"]]), 1, limits, width=width, command=NEVER_RUN)


def test_error_codes_round_trip() -> None:
    for cls in (PageNotFound, CorruptDocument, TooManyPages, ReaderFailed, capture.OcrUnavailable):
        err = capture.error_from_code(cls.code, "message")
        assert type(err) is cls and str(err) == "message"
    assert type(capture.error_from_code("no such code", "m")) is ReaderFailed


# --- hostile and broken input -----------------------------------------------------------------


@pytest.mark.parametrize(("data", "error", "message"), [
    (b"", EmptyDocument, "empty"),
    (b"MZ\x90\x00" + bytes(200), UnsupportedDocument, "a Windows program"),
    (b"just text" + bytes(200), UnsupportedDocument, "not a PDF or an image"),
])
def test_refused_before_any_process(data: bytes, error: type[Exception], message: str,
                                    limits: capture.Limits) -> None:
    with pytest.raises(error, match=message):
        render_page_isolated(data, 1, limits, command=NEVER_RUN)


def test_unreadable_documents(limits: capture.Limits) -> None:
    with pytest.raises(CorruptDocument, match="damaged or incomplete"):
        render_page_isolated(b"%PDF-1.7\n" + bytes(range(256)) * 8, 1, limits)
    jpeg = encode(Image.effect_noise((400, 400), 60).convert("L"), "JPEG")
    with pytest.raises(CorruptDocument, match="damaged or incomplete"):
        render_page_isolated(jpeg[: len(jpeg) // 2], 1, limits)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_encryption(owner_password="o", user_password="u")
    with pytest.raises(PasswordProtected, match="password-protected"):
        render_page_isolated(bytes(pdf.output()), 1, limits)


def test_limits_apply_as_for_capture(limits: capture.Limits) -> None:
    started = time.monotonic()
    with pytest.raises(ImageTooLarge, match=r"100000 x 100000 pixels"):
        render_page_isolated(_png_header_only(100_000, 100_000), 1, limits)
    assert time.monotonic() - started < 5  # nothing was decoded
    with pytest.raises(TooManyPages, match="has 3 pages, more than the 2 allowed"):
        render_page_isolated(text_pdf([["a"], ["b"], ["c"]]), 1, capture.Limits(max_pages=2))
    tall = FPDF(unit="pt", format=(72, 14400))  # 1 x 200 inches
    tall.add_page()
    with pytest.raises(ImageTooLarge, match="1240 x 248000 pixels at this width"):
        render_page_isolated(bytes(tall.output()), 1, limits)


def test_running_out_of_memory_is_an_error_not_a_dead_caller() -> None:
    pdf = FPDF(unit="pt", format=(14400, 14400))  # 200 x 200 inches
    pdf.add_page()
    limits = capture.Limits(max_pixels=1_500_000_000, max_memory_bytes=400 * 2**20)
    with pytest.raises(ReaderFailed, match="^The document could not be read"):
        render_page_isolated(bytes(pdf.output()), 1, limits, width=10_000)  # 300 MB of pixels


@pytest.mark.parametrize(("script", "reason"), [
    ("import os; os.abort()", "the reader crashed (signal 6)"),
    ("import sys; sys.exit(3)", "the reader failed (exit status 3)"),
    ("print('not a picture')", "the reader gave an unreadable answer"),
])
def test_a_failing_reader(script: str, reason: str, limits: capture.Limits) -> None:
    with pytest.raises(ReaderFailed, match=re.escape(reason)) as err:
        render_page_isolated(text_pdf([["x"]]), 1, limits, command=[PYTHON, "-c", script])
    assert str(err.value) == f"The document could not be read: {reason}."


def test_a_hanging_reader_is_killed() -> None:
    started = time.monotonic()
    with pytest.raises(ReaderFailed, match="took longer than the 2 s allowed"):
        render_page_isolated(text_pdf([["x"]]), 1, capture.Limits(max_wall_seconds=1.5),
                             command=[PYTHON, "-c", "import time; time.sleep(60)"])
    assert time.monotonic() - started < 10
