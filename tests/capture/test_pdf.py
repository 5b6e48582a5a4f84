"""Born-digital PDFs: the text layer is used (never OCR), every type is classified and its fields found
with boxes that point at the ink on the rendered page."""
from __future__ import annotations

import io
import re
import warnings

import pdfplumber
import pypdfium2 as pdfium
import pytest

import capture
from capture import Box, page_needs_ocr
from tests.capture.conftest import fields_by_name
from tests.capture.documents import DOCUMENTS, filled_form_pdf, text_pdf


@pytest.mark.parametrize("doc_type", sorted(DOCUMENTS))
def test_every_type_from_its_text_layer(doc_type: str, limits: capture.Limits,
                                        rules: capture.ClassificationRules) -> None:
    lines, expected = DOCUMENTS[doc_type]
    result = capture.process(text_pdf([lines]), limits=limits, rules=rules)
    assert result.ok and result.media_type == "application/pdf"
    assert [page.source for page in result.pages] == ["text_layer"]
    assert result.ocr_page_count == 0
    assert (result.classification.doc_type, result.classification.confident) == (doc_type, True)
    found = fields_by_name(result)
    for name, value in expected.items():
        assert value in found.get(name, []), f"{doc_type}: {name}={value!r} not in {found}"


def test_fields_follow_the_type_unless_it_is_unsure(limits: capture.Limits,
                                                   rules: capture.ClassificationRules) -> None:
    payslip = capture.process(text_pdf([DOCUMENTS["payslip"][0]]), limits=limits, rules=rules)
    assert "amount" not in fields_by_name(payslip)  # a payslip names its amounts: net and gross pay
    mixed = capture.process(text_pdf([["Payslip", "Net pay: EUR 2,000.00", "Bank statement",
                                       "Opening balance: EUR 10.00", "Total: EUR 12.00"]]),
                            limits=limits, rules=rules)
    assert not mixed.classification.confident
    assert {"net_pay", "total", "amount"} <= set(fields_by_name(mixed))  # all kept for the person


def test_case_reference_found_on_its_page_with_its_box(limits: capture.Limits,
                                                        rules: capture.ClassificationRules) -> None:
    pages = [["Cover letter", "Dear Sir or Madam,"], ["Enclosed you find the documents."],
             ["Regarding your claim CLM-2026-004711 of 3 November 2026."]]
    data = text_pdf(pages)
    result = capture.process(data, limits=limits, rules=rules)
    ref = result.field("case_reference")
    assert ref is not None and (ref.value, ref.page) == ("CLM-2026-004711", 3)
    page = result.pages[2]
    assert page.dpi == 300 and (page.width, page.height) == (2480, 3508)  # A4 at 300 dpi
    assert _ink(data, 2, ref.box) > 0.08  # the box covers printed text ...
    assert _ink(data, 2, Box(ref.box.x, ref.box.y + 300, ref.box.w, ref.box.h)) == 0  # ... not paper


def test_boxes_follow_a_rotated_page(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    doc = pdfium.PdfDocument(text_pdf([DOCUMENTS["payslip"][0]]))
    doc[0].set_rotation(90)
    buffer = io.BytesIO()
    doc.save(buffer)
    data = buffer.getvalue()
    result = capture.process(data, limits=limits, rules=rules)
    page = result.pages[0]
    assert (page.width, page.height) == (3508, 2480)  # shown landscape
    iban = result.field("iban")
    assert iban is not None and iban.box.h > iban.box.w  # the line runs down the page
    assert _ink(data, 0, iban.box) > 0.08


def test_boxes_stay_right_after_characters_beyond_the_bmp(limits: capture.Limits,
                                                         rules: capture.ClassificationRules) -> None:
    """PDFium counts UTF-16 units: without mapping, every box after an emoji slides one character."""
    data = text_pdf([["Thanks 😀😀😀 for claim CLM-2026-000042 and a few more words on this page"]])
    ref = capture.process(data, limits=limits, rules=rules).field("case_reference")
    assert ref is not None and ref.value == "CLM-2026-000042"
    assert _ink(data, 0, ref.box) > 0.08
    right_of = Box(ref.box.x + ref.box.w + 2, ref.box.y, 12, ref.box.h)  # the space after it
    assert _ink(data, 0, right_of) == 0


def test_answers_in_a_filled_in_form_are_read(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    data = filled_form_pdf("Policy number:", "POL-4471-2298")
    plain = pdfium.PdfDocument(data)
    assert "POL-4471-2298" not in plain[0].get_textpage().get_text_range()  # not in the text layer
    plain.close()
    result = capture.process(data, limits=limits, rules=rules)
    assert result.pages[0].source == "text_layer"
    policy = result.field("policy_number")
    assert policy is not None and policy.value == "POL-4471-2298"
    assert _ink(data, 0, policy.box) > 0.05


def test_all_pages_of_a_pdf_with_a_broken_xref_table(limits: capture.Limits,
                                                     rules: capture.ClassificationRules) -> None:
    data = _shift_xref(text_pdf([["First page", "Claim CLM-2026-000001"], ["Second page"], ["Third page"]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pdfminer complains on its way to 0 pages
        with pdfplumber.open(io.BytesIO(data)) as plumber:
            assert len(plumber.pages) == 0  # why capture reads PDFs with PDFium
    result = capture.process(data, limits=limits, rules=rules)
    assert [page.text.split()[0] for page in result.pages] == ["First", "Second", "Third"]


def test_result_survives_json(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    result = capture.process(text_pdf([DOCUMENTS["invoice"][0]]), limits=limits, rules=rules)
    assert capture.CaptureResult.from_json(result.to_json()) == result


@pytest.mark.parametrize(("text", "coverage", "needs_ocr"), [
    ("", 0.0, True),
    ("  \n Page 1 of 3 \n", 0.0, True),  # a scan with a page number in the text layer
    ("Invoice number 123, total EUR 80.00, due in 30 days.", 0.0, False),
    ("Invoice number 123, total EUR 80.00, due in 30 days.", 0.95, True),  # stamp over a scan
    ("\ue001\ue002\ue003 \ue004\ue005 abcdefghijklmnopqrstuvwxyz", 0.0, True),  # no Unicode map
    ("Real text layer " * 30, 0.95, False),  # an earlier OCR over a scan: trust it
])
def test_page_needs_ocr(text: str, coverage: float, needs_ocr: bool) -> None:
    assert page_needs_ocr(text, lambda: coverage) is needs_ocr


def test_page_needs_ocr_walks_images_only_for_sparse_text() -> None:
    def boom() -> float:
        raise AssertionError("image coverage asked for a page full of text")
    assert page_needs_ocr("A page full of text. " * 20, boom) is False


def _shift_xref(data: bytes) -> bytes:
    """Every offset in the cross-reference table off by 7 bytes, as after a careless edit."""
    at = data.rfind(b"\nxref\n") + 1
    table = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), data[at:])
    return data[:at] + table


def _ink(data: bytes, index: int, box: Box) -> float:
    """Share of dark pixels inside ``box`` on page ``index`` rendered at 300 dpi."""
    doc = pdfium.PdfDocument(data)
    doc.init_forms()  # draw filled-in form fields too
    try:
        image = doc[index].render(scale=300 / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    crop = image.crop((box.x, box.y, box.x + box.w, box.y + box.h))
    histogram = crop.histogram()
    return sum(histogram[:128]) / max(1, crop.width * crop.height)

