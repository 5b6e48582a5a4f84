"""The issuer's name read from a letterhead as a person reads it: the company line, not the logo read as
noise, the opening hours, a registration number or a "Company Reg No." label; one misread letter in the
legal form closing the name mended, the name itself never touched."""
from __future__ import annotations

import pytest

import capture
from capture.issuer import repair_legal_form
from capture.model import Page, Word, join_words
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
