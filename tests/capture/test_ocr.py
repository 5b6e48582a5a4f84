"""Scans and photos through Tesseract: turned, skewed, noisy, EXIF-rotated, multi-page and low
resolution pages are read, classified and their fields boxed where the ink is."""
from __future__ import annotations

import io

import pillow_heif
import pypdfium2 as pdfium
import pytest
from PIL import Image

import capture
from capture import Box
from capture.images import _upscale_factor
from capture.model import Page, Word, join_words
from capture.ocr import Raster, _date_lines_from_second_engine, _unturn, printed_area, reading_orientation
from tests.capture.conftest import fields_by_name
from tests.capture.documents import (
    DOCUMENTS,
    encode,
    exif_rotated_jpeg,
    image_pdf,
    multipage_tiff,
    receipt_photo,
    scan,
    text_pdf,
)

pytestmark = [pytest.mark.ocr, pytest.mark.slow]


def _png(image: Image.Image, dpi: int = 300) -> bytes:
    return encode(image, "PNG", dpi=(dpi, dpi))


def _ink(image: Image.Image, box: Box) -> float:
    crop = image.convert("L").crop((box.x, box.y, box.x + box.w, box.y + box.h))
    return sum(crop.histogram()[:128]) / max(1, crop.width * crop.height)


def test_scanned_payslip(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    image = scan(DOCUMENTS["payslip"][0], noise=0.01, skew=2.0)
    result = capture.process(_png(image), limits=limits, rules=rules)
    assert result.media_type == "image/png"
    [page] = result.pages
    assert page.source == "ocr" and page.ocr_confidence is not None and page.ocr_confidence > 60
    assert (page.width, page.height) == image.size
    assert (result.classification.doc_type, result.classification.confident) == ("payslip", True)
    net_pay, iban = result.field("net_pay"), result.field("iban")
    assert net_pay is not None and net_pay.value == "2512.34 EUR"
    assert iban is not None and iban.value == "DE89370400440532013000"
    assert 0.3 < net_pay.confidence <= 0.9
    assert _ink(image, net_pay.box) > 0.05 and _ink(image, iban.box) > 0.05
    assert result.field("employer") is not None


@pytest.mark.parametrize(("doc_type", "turn", "skew", "psm"), [
    ("invoice", 90, 0.0, 3), ("claim_form", 180, 0.0, 3), ("receipt", 270, 1.5, 3),
    ("medical_invoice", 0, -4.0, 3),
    ("invoice", 90, 0.0, 1), ("claim_form", 180, 0.0, 1),  # orientation from the same pass
])
def test_turned_and_skewed_scans(doc_type: str, turn: int, skew: float, psm: int,
                                 rules: capture.ClassificationRules) -> None:
    lines, expected = DOCUMENTS[doc_type]
    image = scan(lines, rotate=turn, skew=skew, noise=0.003)  # PIL turns counter-clockwise
    result = capture.process(_png(image), limits=capture.Limits(ocr_psm=psm), rules=rules)
    assert result.classification.doc_type == doc_type and result.classification.confident
    assert result.pages[0].orientation == turn  # turn the image back clockwise by this to read it
    found = fields_by_name(result)
    for name, value in expected.items():
        if name in {"document_number", "total", "case_reference", "iban"}:
            assert value in found.get(name, []), f"{name}: {found}"
    for field in result.fields:
        assert _ink(image, field.box) > 0.03, field


def test_low_confidence_page_gets_the_orientation_probe(limits: capture.Limits,
                                                        rules: capture.ClassificationRules) -> None:
    """Four upside-down lines: too little text for --psm 1 to see it is turned (mean confidence
    ~38); the OSD probe turns it and the second reading is kept, its boxes mapped back."""
    image = scan(DOCUMENTS["id_document"][0][:4], rotate=180)
    result = capture.process(_png(image), limits=limits, rules=rules)
    page = result.pages[0]
    assert page.orientation == 180 and page.ocr_confidence is not None and page.ocr_confidence > 90
    assert page.text.splitlines()[:2] == ["KINGDOM OF THE NETHERLANDS", "IDENTITY CARD"]
    name = result.field("name")
    assert name is not None and name.value == "Jane Marie Doe"
    assert _ink(image, name.box) > 0.05


def test_exif_rotated_photo(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    upright = scan(DOCUMENTS["medical_invoice"][0], noise=0.002)
    data = exif_rotated_jpeg(upright)
    assert Image.open(io.BytesIO(data)).size == (upright.height, upright.width)  # stored on its side
    result = capture.process(data, limits=limits, rules=rules)
    page = result.pages[0]
    assert (page.width, page.height) == upright.size and page.orientation == 0
    assert result.classification.doc_type == "medical_invoice"
    total = result.field("total")
    assert total is not None and total.value == "205.00"
    assert _ink(upright, total.box) > 0.05  # boxes are on the photo as displayed


def test_every_frame_of_a_multipage_tiff(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    lines = DOCUMENTS["payslip"][0]
    data = multipage_tiff([scan(lines[:5]), scan(lines[5:])])
    result = capture.process(data, limits=limits, rules=rules)
    assert [(p.number, p.source) for p in result.pages] == [(1, "ocr"), (2, "ocr")]
    net_pay = result.field("net_pay")
    assert net_pay is not None and (net_pay.value, net_pay.page) == ("2512.34 EUR", 2)
    assert result.classification.doc_type == "payslip"


def test_low_resolution_scan_is_enlarged(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    image = scan(DOCUMENTS["receipt"][0], font_px=13)  # about 100 dpi
    result = capture.process(_png(image, dpi=100), limits=limits, rules=rules)
    page = result.pages[0]
    assert (page.width, page.height, page.dpi) == (*image.size, 100)  # boxes in the original pixels
    total = result.field("total")
    assert total is not None and total.value == "69.45"
    assert _ink(image, total.box) > 0.05
    assert _upscale_factor(image.size, 100, limits) == 3.0
    assert _upscale_factor((2480, 3508), 300, limits) == 1.0
    assert _upscale_factor((600, 800), None, limits) == 1.0  # no DPI: OCR decides from the text


@pytest.mark.parametrize("photo", [
    # (font px, blur, paper, ink, JPEG quality): read as they come, these lose the total or misread it
    (9, 0.6, 230, 40, 80),
    (11, 1.0, 200, 80, 70),
])
def test_small_receipt_photo_is_read_again_enlarged(photo: tuple[int, float, int, int, int],
                                                    limits: capture.Limits,
                                                    rules: capture.ClassificationRules) -> None:
    data = receipt_photo(*photo)
    result = capture.process(data, limits=limits, rules=rules)
    page = result.pages[0]
    assert (page.width, page.height, page.dpi) == (*Image.open(io.BytesIO(data)).size, None)
    assert result.classification.doc_type == "receipt"
    total = result.field("total")
    assert total is not None and total.value == "69.45"


def test_heic_photo(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    image = scan(DOCUMENTS["id_document"][0]).convert("RGB")
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, quality=95)
    result = capture.process(buffer.getvalue(), limits=limits, rules=rules)
    assert result.media_type == "image/heic"
    assert result.classification.doc_type == "id_document"
    assert "NX4829175" in fields_by_name(result).get("document_number", [])


def test_scanned_and_mixed_pdf(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    """A text page and a scanned page in one PDF: only the scanned page is OCRed."""
    text_page = text_pdf([DOCUMENTS["claim_form"][0]])
    scanned = image_pdf([scan(DOCUMENTS["repair_estimate"][0], noise=0.003)])
    merged = pdfium.PdfDocument.new()
    for part in (text_page, scanned):
        merged.import_pages(pdfium.PdfDocument(part))
    buffer = io.BytesIO()
    merged.save(buffer)
    result = capture.process(buffer.getvalue(), limits=limits, rules=rules)
    assert [p.source for p in result.pages] == ["text_layer", "ocr"]
    assert result.ocr_page_count == 1
    number = [f for f in result.fields if f.name == "document_number"]
    assert [(f.value, f.page) for f in number] == [("EST-2026-0042", 2)]


def test_text_layer_and_ocr_boxes_agree(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    """The same page read from its text layer and from its 300 dpi scan puts a field in one place."""
    born_digital = text_pdf([DOCUMENTS["payslip"][0]])
    doc = pdfium.PdfDocument(born_digital)
    rendered = doc[0].render(scale=300 / 72, grayscale=True).to_pil()
    doc.close()
    scanned = image_pdf([rendered])
    from_text = capture.process(born_digital, limits=limits, rules=rules).field("iban")
    from_scan = capture.process(scanned, limits=limits, rules=rules).field("iban")
    assert from_text is not None and from_scan is not None
    assert _overlap(from_text.box, from_scan.box) > 0.6


def test_orientation_and_box_mapping() -> None:
    words = [Word("a", 100, 50, 40, 20, 90.0, 0), Word("b", 60, 50, 30, 20, 90.0, 0)]
    assert reading_orientation(words) == 180  # the second word is left of the first
    up = [Word("a", 50, 300, 20, 40, 90.0, 0), Word("b", 50, 200, 20, 40, 90.0, 0)]
    assert reading_orientation(up) == 90
    # a box found on the image turned 90 degrees clockwise, mapped back to the original 100x50 image
    assert _unturn(10, 20, 30, 5, 90, (100, 50)) == Box(20, 10, 5, 30)
    assert _unturn(10, 20, 30, 5, 180, (100, 50)) == Box(60, 25, 30, 5)
    assert _unturn(10, 20, 30, 5, 270, (100, 50)) == Box(75, 10, 5, 30)


def _overlap(a: Box, b: Box) -> float:
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    inter = max(0, w) * max(0, h)
    return inter / (a.w * a.h + b.w * b.h - inter)


def test_ocr_reads_only_the_printed_area_and_puts_words_where_they_stand(limits: capture.Limits,
                                                                        rules: capture.ClassificationRules) -> None:
    """A scanned PDF page printed in one corner is read from that corner (less work for Tesseract), its dust
    ignored, and every box lands where the word is on the whole page."""
    page = Image.new("L", (2480, 3508), 255)
    text = scan(["INVOICE 2026-118", "Total EUR 42.50"], noise=0.0)
    page.paste(text, (1300, 2600))
    for x, y in ((40, 40), (2400, 90), (120, 3400)):  # specks of dust far from the print
        page.putpixel((x, y), 0)
    left, top, right, bottom = printed_area(page) or (0, 0, page.width, page.height)
    assert (right - left) * (bottom - top) < 0.2 * page.width * page.height
    assert left <= 1300 + 80 and top <= 2600 + 70 and right >= 1300 + 400 and bottom >= 2600 + 120
    result = capture.process(image_pdf([page]), limits=limits, rules=rules)
    total = next(w for w in result.pages[0].words if w.text == "42.50")
    assert _ink(page, total.box) > 0.1 and total.box.x > 1300 and total.box.y > 2600


def test_pages_that_are_all_print_or_dark_edged_are_not_cut() -> None:
    assert printed_area(Image.new("L", (1000, 1400), 255)) is None  # blank: nothing to cut to
    dark_edges = Image.new("L", (1000, 1400), 30)
    dark_edges.paste(Image.new("L", (900, 1300), 255), (50, 50))
    dark_edges.paste(scan(["Total 1.00"]), (100, 100))
    assert printed_area(dark_edges) is None  # a scanner's dark border counts as print: keep the page whole


def test_a_receipt_photo_without_a_date_gets_the_date_line_the_second_engine_read() -> None:
    tesseract = [Word("GUARDIAN", 100, 50, 300, 40, 90.0, 0), Word("TOTAL", 100, 900, 150, 40, 90.0, 1),
                 Word("4.50", 600, 900, 100, 40, 90.0, 1)]
    rapid = [Word("GUARDIAN", 98, 52, 300, 40, 95.0, 0), Word("18:15", 100, 1500, 120, 40, 93.0, 7),
             Word("24/05/18", 260, 1500, 180, 40, 93.0, 7), Word("TOTAL", 100, 900, 150, 40, 95.0, 3),
             Word("4.50", 600, 900, 100, 40, 95.0, 3)]
    raster = Raster(1, Image.new("L", (800, 1600), 255), 800, 1600, None, photo=True)
    words = _date_lines_from_second_engine(raster, tesseract, rapid)
    assert words[:3] == tesseract  # Tesseract's reading stays; only the line with a date is added
    assert [(w.text, w.line) for w in words[3:]] == [("18:15", 9), ("24/05/18", 9)]
    page = Page(1, 800, 1600, "ocr", join_words(words), tuple(words), dpi=None)
    _, fields = capture.analyse((page,), capture.default_rules())
    assert [f.value for f in fields if f.name == "document_date"] == ["2018-05-24"]


def test_the_second_engine_reads_a_very_large_scan_shrunk_with_boxes_where_the_words_stand() -> None:
    """A 600 dpi scan is 35 MP; RapidOCR's detector would need more memory than a capture worker has."""
    from PIL import ImageDraw, ImageFont

    from capture import rapid
    if not rapid.available():
        pytest.skip("RapidOCR is not installed")
    image = Image.new("L", (5000, 3000), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 90)
    ImageDraw.Draw(image).text((3000, 2000), "TOTAL 48.00", fill=0, font=font)
    assert image.width * image.height > rapid.MAX_PIXELS
    words = rapid.read_words(image, 1.0)
    total = next(w for w in words if w.text.upper() == "TOTAL")
    assert abs(total.x - 3000) < 60 and abs(total.y - 2000) < 80 and total.h > 40  # page pixels, not shrunk ones
