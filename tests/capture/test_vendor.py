"""The issuer's name read from a letterhead as a person reads it: the company line, not the logo read as
noise, the opening hours, a registration number or a "Company Reg No." label; one misread letter in the
legal form closing the name mended; a name read unsurely left out; a name misread into a dictionary word
read again from the pixels by the second engine. The address under it: past the registration numbers and
the shop's branch name, up to the phone."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

import capture
from capture import header, rapid
from capture.issuer import repair_legal_form
from capture.model import Box, Page, Word, join_words
from tests.capture.test_layout_fields import page


def vendor_of(*rows: tuple[tuple[str, int], ...]) -> str | None:
    _, fields = capture.analyse((page(*rows),), capture.default_rules())
    found = {f.name: f for f in fields}
    return found["vendor"].value if "vendor" in found else None


def test_opening_hours_in_the_letterhead_are_not_the_shop() -> None:
    assert vendor_of(
        (("SUN-THU:", 100), ("1000HRS-2230HRS", 400)),
        (("MARKT", 100), ("HALLE", 300), ("GmbH", 500), ("(HRB", 700), ("12345)", 850)),
        (("Hauptstrasse", 100), ("12,", 450), ("10115", 600), ("Berlin", 800)),
        (("Mo-Fr", 100), ("8:00", 300), ("-", 420), ("20:00", 480)),
    ) == "MARKT HALLE GmbH"


def test_a_name_followed_by_its_registration_number_still_reads_as_a_name() -> None:
    assert vendor_of(
        (("ACME", 100), ("CO.(M)", 300), ("BHD", 500), ("(126926-H)", 650)),
        (("3RD", 100), ("FLR,", 220), ("JALAN", 350), ("MAJU", 500)),
        (("55100", 100), ("KUALA", 250), ("LUMPUR", 420)),
    ) == "ACME CO.(M) BHD"


def test_a_logo_read_as_noise_loses_to_the_company_line() -> None:
    logo = [Word(text, x, 60, 60 * len(text), 100, 60.0, 0) for text, x in (("318", 100), ("Ol", 400), ("OF", 600))]
    rows = [Word(text, x, y, 18 * len(text), 40, 91.0, line) for line, y, row in (
        (1, 220, (("BAKKERIJ", 100), ("DE", 400), ("ZON", 500), ("B.V.", 650))),
        (2, 280, (("Kerkstraat", 100), ("5,", 450), ("1017", 550), ("GA", 680), ("Amsterdam", 780))),
    ) for text, x in row]
    words = tuple(logo + rows)
    scan = Page(1, 2480, 3508, "ocr", join_words(words), words, dpi=300)
    _, fields = capture.analyse((scan,), capture.default_rules())
    assert {f.name: f.value for f in fields}["vendor"] == "BAKKERIJ DE ZON B.V."


def test_a_company_reg_no_label_is_not_a_supplier_label() -> None:
    assert vendor_of(
        (("LIM", 100), ("HARDWARE", 250), ("TRADING", 550)),
        (("No", 100), ("7,", 180), ("Jalan", 260), ("Ipoh,", 420), ("51200", 560), ("Kuala", 700), ("Lumpur", 850)),
        (("Company", 100), ("Reg", 350), ("No.", 450), ("(002231061-T)", 550)),
    ) == "LIM HARDWARE TRADING"


@pytest.mark.parametrize(("read", "mended"), [
    ("UNIHAKKA INTERNATIONAL SON BHD", "UNIHAKKA INTERNATIONAL SDN BHD"),
    ("Broadview Marketing 5dn Bhd", "Broadview Marketing Sdn Bhd"),
    ("ONE THREE SEAFOOD SDN BH", "ONE THREE SEAFOOD SDN BHD"),
    ("Muller Werkzeuge GMBII", "Muller Werkzeuge GMBH"),  # H read as two strokes
    ("BAKERIES (KL) SDN BILD", "BAKERIES (KL) SDN BHD"),
    ("Muller Werkzeuge GNBX", "Muller Werkzeuge GNBX"),  # two letters wrong: left as printed
    ("Hoffmann Gmbh.", "Hoffmann Gmbh."),
    ("Northwind Trading LTO", "Northwind Trading LTD"),
    ("SON BHD", "SON BHD"),  # a form alone: nothing before it to be a company name
    ("SUNRISE BAKERY CO", "SUNRISE BAKERY CO"),  # short forms are never guessed at
    ("THE SON", "THE SON"),
    ("HILL LIMITED", "HILL LIMITED"),
    ("BLUE LIMITEL", "BLUE LIMITED"),
])
def test_one_misread_letter_in_the_legal_form_is_mended(read: str, mended: str) -> None:
    assert repair_legal_form(read) == mended


def test_digits_read_for_letters_in_a_name_become_letters_in_the_name_s_case() -> None:
    assert vendor_of(
        (("0ld", 100), ("Town", 250), ("Kopitiam", 400), ("Sdn", 650), ("Bhd", 780)),
        (("Lot", 100), ("5,", 200), ("Jalan", 300), ("Maju,", 450), ("43300", 600), ("Seri", 750)),
    ) == "Old Town Kopitiam Sdn Bhd"
    assert vendor_of(
        (("99", 100), ("SPEED", 200), ("MART", 400), ("5/B", 550)),
        (("Lot", 100), ("5,", 200), ("Jalan", 300), ("Maju,", 450), ("43300", 600), ("Seri", 750)),
    ) == "99 SPEED MART S/B"


def fields_of(*rows: tuple[tuple[str, int], ...], conf: dict[str, float] | None = None) -> dict[str, str]:
    scan = page(*rows)
    if conf:
        scan = Page(1, scan.width, scan.height, "ocr", scan.text,
                    tuple(w._replace(conf=conf.get(w.text, w.conf)) for w in scan.words), dpi=300)
    _, fields = capture.analyse((scan,), capture.default_rules())
    return {f.name: f.value for f in fields}


def test_a_from_in_the_small_print_is_not_a_supplier_label() -> None:
    found = fields_of(
        (("KESTREL", 100), ("PRINT", 300), ("LTD", 450)),
        (("12", 100), ("High", 170), ("Street", 300)),
        (("London", 100), ("EC1A", 300), ("1BB", 420)),
        (("TOTAL", 100), ("36.00", 2100)),
        (("Goods", 100), ("may", 250), ("be", 330), ("returned", 390), ("within", 600), ("7", 760), ("days", 800)),
        (("from", 100), ("the", 230), ("date", 320), ("of", 430), ("purchase.", 490)),
    )
    assert found["vendor"] == "KESTREL PRINT LTD"


def test_the_legal_entity_is_the_vendor_rather_than_the_shop_name_under_it() -> None:
    found = fields_of(
        (("NORTHWIND", 100), ("TRADING", 330), ("LTD", 530), ("(01234567)", 620)),
        (("CORNER", 100), ("STORE", 250), ("KENSINGTON", 380)),
        (("12", 100), ("High", 170), ("Street", 300)),
        (("London", 100), ("W8", 260), ("5SF", 330)),
    )
    assert found["vendor"] == "NORTHWIND TRADING LTD"
    assert found["vendor_address"] == "12 High Street London W8 5SF"


def test_a_legal_form_glued_to_the_name_by_ocr_still_marks_the_company() -> None:
    logo = [Word("BUROWELT", 100, 40, 700, 90, 93.0, 0)]
    rows = [Word(text, x, y, 18 * len(text), 40, 92.0, line) for line, y, row in (
        (1, 180, (("Müller", 100), ("BürotechnikGmbH", 250))),
        (2, 240, (("Hauptstraße", 100), ("5", 330))),
        (3, 300, (("10115", 100), ("Berlin", 230))),
    ) for text, x in row]
    words = tuple(logo + rows)
    scan = Page(1, 2480, 3508, "ocr", join_words(words), words, dpi=300)
    _, fields = capture.analyse((scan,), capture.default_rules())
    assert {f.name: f.value for f in fields}["vendor"] == "Müller Bürotechnik GmbH"


def test_a_name_read_unsurely_is_left_out_but_its_address_is_read() -> None:
    rows = (
        (("SHH,", 100), ("HOTOR", 200), ("SDN", 350), ("BHD", 450)),
        (("No.", 100), ("343,", 170), ("Jalan", 260), ("Kurau,", 380)),
        (("81620", 100), ("Pengerang,", 230), ("Johor.", 450)),
    )
    assert fields_of(*rows)["vendor"] == "SHH, HOTOR SDN BHD"  # read surely: kept as read
    found = fields_of(*rows, conf={"HOTOR": 22.0})
    assert "vendor" not in found
    assert found["vendor_address"] == "No. 343, Jalan Kurau, 81620 Pengerang, Johor."


@pytest.mark.parametrize(("rows", "address"), [
    ((  # registration and tax numbers, then the shop's branch name, between the company and its address
        (("Hansa", 100), ("Logistik", 250), ("AG", 450)),
        (("USt-IdNr.", 100), ("DE123456789", 300)),
        (("Filiale", 100), ("Hafen", 260)),
        (("Am", 100), ("Sandtorkai", 170), ("5", 400)),
        (("20457", 100), ("Hamburg", 230)),
        (("Mobil", 100), ("+49", 230), ("170", 320), ("1234567", 410)),
    ), "Am Sandtorkai 5 20457 Hamburg"),
    ((
        (("Boulangerie", 100), ("Dupont", 330), ("SARL", 500)),
        (("SIRET", 100), ("123", 230), ("456", 310), ("789", 390), ("00012", 470)),
        (("14", 100), ("rue", 160), ("de", 240), ("la", 300), ("Paix", 350)),
        (("75002", 100), ("Paris", 230)),
        (("Tél.", 100), ("01", 200), ("23", 260), ("45", 320), ("67", 380), ("89", 440)),
    ), "14 rue de la Paix 75002 Paris"),
    ((
        (("LIAN", 100), ("CHI", 220), ("RESTAURANT", 320), ("SDN", 600), ("BHD", 700)),
        (("(1095514-X)", 100),),
        (("(GST", 100), ("ID", 200), ("No", 260), (":", 320), ("001147416576)", 360)),
        (("54,", 100), ("JALAN", 180), ("SS23/11", 330)),
        (("TAMAN", 100), ("SEA，47400", 260)),  # a full-width comma, as OCR of Asian fonts gives it
        (("PETALING", 100), ("JAYA,", 300), ("SELANGOR", 420)),
        (("Mobile", 100), ("/Whatsapps", 260), (":", 500), ("+6012-918", 540), ("7937", 780)),
    ), "54, JALAN SS23/11 TAMAN SEA,47400 PETALING JAYA, SELANGOR"),
    ((  # the till's time stamp printed under the name
        (("Bakkerij", 100), ("Jansen", 300)),
        (("12-03-2024", 100), ("14:05", 400)),
        (("Keizersgracht", 100), ("101", 420)),
        (("1015", 100), ("CJ", 220), ("Amsterdam", 300)),
        (("Bon", 100), ("nr.", 200), ("4411", 280)),
    ), "Keizersgracht 101 1015 CJ Amsterdam"),
])
def test_the_address_is_read_past_registration_numbers_and_up_to_the_phone(rows: tuple, address: str) -> None:
    assert fields_of(*rows)["vendor_address"] == address


def test_a_label_glued_by_ocr_does_not_join_the_name() -> None:
    assert fields_of(
        (("ACCOUNT'SCOPY", 100),),
        (("GARDENIA", 100), ("BAKERIES(KL)", 300), ("SDN", 600), ("BHD", 700)),
        (("Lot", 100), ("3,", 180), ("Jalan", 240), ("Pelabur", 360), ("23/1,", 520)),
    )["vendor"] == "GARDENIA BAKERIES(KL) SDN BHD"


def test_a_zero_read_for_an_o_in_an_abbreviation_of_the_name() -> None:
    assert fields_of(
        (("AEON", 100), ("C0.", 250), ("(M)", 330), ("BHD", 420), ("(126926-H)", 520)),
        (("3RD", 100), ("FLR,", 200), ("JLN", 300), ("JEJAKA,", 400)),
        (("55100", 100), ("KUALA", 230), ("LUMPUR", 380)),
    )["vendor"] == "AEON CO. (M) BHD"


@pytest.mark.parametrize(("read", "again", "mended"), [
    ("SANYO", "SANYU", "SANYU"),
    ("TED", "TEO", "TEO"),
    ("eCosWay.c0m", "ecosway.com", "eCosWay.com"),  # the printed case and punctuation kept
    ("Shell", "Shel", None),  # a letter fewer: another cut of the line, not a misread letter
    ("BAKERY", "BXKXRX", None),  # half the letters: not the same word
    ("TRADING", "trading", None),  # nothing to mend
])
def test_a_second_reading_mends_single_letters_of_a_word(read: str, again: str, mended: str | None) -> None:
    assert header._mend(read, again) == mended


@pytest.mark.ocr
@pytest.mark.skipif(not rapid.available(), reason="RapidOCR is not installed")
def test_a_shop_name_misread_as_a_dictionary_word_is_read_again_from_the_image() -> None:
    """Tesseract's language model reads the shop "SANYU" as the brand "SANYO", at 95% confidence; the
    second engine reads the cropped word from the pixels and the name is mended, the rest left alone."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 44)
    image = Image.new("L", (1200, 160), 255)
    draw = ImageDraw.Draw(image)
    words, x = [], 60
    for text, read in (("SANYU", "SANYO"), ("STATIONERY", "STATIONERY"), ("SHOP", "SHOP")):
        left, top, right, bottom = draw.textbbox((x, 50), text, font=font)
        draw.text((x, 50), text, font=font, fill=0)
        words.append(Word(read, left, top, right - left, bottom - top, 95.0, 0))
        x = right + 28
    scan = Page(1, 1200, 160, "ocr", join_words(words), tuple(words), dpi=300)
    line = capture.Field("vendor", "SANYO STATIONERY SHOP", "", 1, Box.union([w.box for w in words]), 0.8)
    mended = header.reread_vendor(scan, image, 1.0, line)
    assert [w.text for w in mended.words] == ["SANYU", "STATIONERY", "SHOP"]
    assert mended.text == "SANYU STATIONERY SHOP"
    assert header.reread_vendor(mended, image, 1.0, line) is mended  # read right: nothing changes


@pytest.mark.ocr
@pytest.mark.skipif(not rapid.available(), reason="RapidOCR is not installed")
def test_a_scanned_receipt_names_its_shop_as_printed(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    """Through the product path (OCR, the second look at the letterhead, extraction): the shop's name as
    printed, though no dictionary word, and the address under it up to the phone."""
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 30)
    regular = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 20)
    image = Image.new("L", (640, 900), 255)
    draw = ImageDraw.Draw(image)
    y = 40
    for text, font in (("SANYU STATIONERY SHOP", bold), ("NO. 31G, JALAN SETIA INDAH", regular),
                       ("40170 SETIA ALAM", regular), ("Tel: +603-3362 4137", regular), ("TAX INVOICE", bold),
                       ("Date: 28/03/2018", regular), ("PEN BLUE 2.50", regular), ("TOTAL 2.50", bold),
                       ("CASH 10.00", regular), ("CHANGE 7.50", regular)):
        draw.text((40, y), text, font=font, fill=0)
        y += 60
    out = io.BytesIO()
    image.save(out, format="PNG")
    result = capture.process(out.getvalue(), limits=limits, rules=rules)
    assert result.field("vendor").value == "SANYU STATIONERY SHOP"  # type: ignore[union-attr]
    assert result.field("vendor_address").value == "NO. 31G, JALAN SETIA INDAH 40170 SETIA ALAM"  # type: ignore[union-attr]


def test_signs_ocr_reads_for_a_letter_or_a_bracket_of_the_name_are_put_right() -> None:
    address = (("No", 100), ("8,", 170), ("Jalan", 240), ("Raja", 380)), (("56000", 100), ("Kuala", 230), ("Lumpur", 380))
    assert fields_of((("POPULAR", 100), ("BOOK", 300), ("CO.", 420), ("CM)", 500), ("SDN", 600), ("BHD", 700)),
                     *address)["vendor"] == "POPULAR BOOK CO. (M) SDN BHD"
    assert fields_of((("MR.", 100), ("D.I.¥.", 200), ("(M)", 360), ("SDN", 450), ("BHD", 550)),
                     *address)["vendor"] == "MR. D.I.Y. (M) SDN BHD"
    assert fields_of((("CAFE", 100), ("CORNER", 250), ("(KL)", 450), ("SDN", 550), ("BHD", 650)),
                     *address)["vendor"] == "CAFE CORNER (KL) SDN BHD"  # a C of the name stays a C
