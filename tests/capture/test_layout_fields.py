"""Fields read from word boxes the way a person reads a page: values beside their label whatever the gap,
or under it; the grand total over subtotals, tax, year-to-date and payment lines; nothing guessed."""
from __future__ import annotations

from datetime import date

import pytest

import capture
from capture import layout, mrz, values
from capture.money import document_currency
from capture.model import Page, Word, join_words


def page(*rows: tuple[tuple[str, int] | tuple[str, int, float], ...], height: int = 40, slope: float = 0.0,
         width: int = 2480, page_height: int = 3508) -> Page:
    """A page from rows of (word, x) pairs or (word, x, OCR confidence), ``height`` px words, each row 60 px
    under the last; ``slope`` drops the right end of every row (a scan turned by a degree or two)."""
    words = []
    for line, row in enumerate(rows):
        y = 100 + 60 * line
        for text, x, *conf in row:
            words.append(Word(text, x, round(y + slope * x), 18 * len(text), height, conf[0] if conf else 91.0,
                              line * 10 + (x > 1200)))
    return Page(1, width, page_height, "ocr", join_words(words), tuple(words), dpi=300)


def analyse(*pages: Page) -> dict[str, capture.Field]:
    classification, fields = capture.analyse(tuple(pages), capture.default_rules())
    return {f.name: f for f in fields} | {"@type": classification}  # type: ignore[dict-item]


def test_a_right_aligned_total_beyond_a_wide_gap_on_a_turned_scan() -> None:
    found = analyse(page(
        (("City", 100), ("Fuel", 200), ("Ltd", 300)),
        (("Unleaded", 100), ("61.45", 2100)),
        (("Total", 100), ("36.00", 2100)),
        slope=0.012,  # the right column sits 25 px lower than its label: about 0.7 degrees
    ))
    total = found["total"]
    assert total.value == "36.00"
    assert (total.page, total.box.x) == (1, 2100)  # where it stands, for the viewer
    assert 0 < total.confidence <= 1


def test_the_grand_total_beats_subtotals_tax_payments_and_the_largest_number() -> None:
    found = analyse(page(
        (("Subtotal", 100), ("100.00", 2000)),
        (("VAT", 100), ("21%", 600), ("21.00", 2000)),
        (("Amount", 100), ("due", 300), ("on", 400), ("15/04/2026", 500), ("50.00", 2000)),
        (("Grand", 100), ("total", 260), ("121.00", 2000)),
        (("Cash", 100), ("200.00", 2000)),
        (("Change", 100), ("79.00", 2000)),
    ))
    assert found["total"].value == "121.00"
    assert found["tax_amount"].value == "21.00"


def test_a_total_under_its_label_and_a_total_over_several_languages() -> None:
    assert analyse(page((("Gesamtbetrag", 100),), (("1.234,56", 100), ("EUR", 300))))["total"].value == "1234.56"
    assert analyse(page((("Net", 100), ("à", 200), ("payer", 260), ("1 234,56", 2000), ("€", 2200))))[
        "total"].value == "1234.56"
    assert analyse(page((("Totaal", 100), ("te", 300), ("betalen", 400), ("€", 1900), ("99,95", 2000))))[
        "total"].value == "99.95"


def test_nothing_labelled_as_a_total_gives_no_total() -> None:
    found = analyse(page((("Widgets", 100), ("19.99", 2000)), (("Bolts", 100), ("4.00", 2000))))
    assert "total" not in found


def test_cash_rounding_takes_the_amount_paid() -> None:
    found = analyse(page(
        (("TOTAL", 100), ("60.31", 2000)), (("ROUNDING", 100), ("ADJ", 300), ("-0.01", 2000)),
        (("CASH", 100), ("70.30", 2000)), (("CHANGE", 100), ("10.00", 2000)),
    ))
    assert found["total"].value == "60.30"


def test_cash_rounding_takes_the_rounded_total_printed_under_it() -> None:
    found = analyse(page(
        (("Grand", 100), ("Total", 250), (":", 400), ("87.08", 2000)), (("Rounding", 100), ("Adjustment:", 300)),
        (("Net", 100), ("Total", 250), (":", 400), ("87.10", 2000)),
    ))
    assert found["total"].value == "87.10"


def test_a_total_already_on_the_smallest_coin_is_not_moved_by_a_misread_change_line() -> None:
    found = analyse(page(
        (("Total", 100), (":", 300), ("248.05", 2000)), (("Rounding", 100), (":", 300), ("0.01", 2000)),
        (("CASH", 100), (":", 300), ("248.05", 2000)), (("Change", 100), (":", 300), ("0.01", 2000)),
    ))
    assert found["total"].value == "248.05"


def test_payslip_net_pay_is_the_period_not_the_year_to_date_column() -> None:
    found = analyse(page(
        (("ACME", 100), ("Manufacturing", 260), ("Ltd", 560)),
        (("Payslip", 100),),
        (("Pay", 100), ("period", 200), ("March", 400), ("2025", 560)),
        (("This", 1400), ("period", 1500), ("Year", 1900), ("to", 2000), ("date", 2060)),
        (("Gross", 100), ("pay", 240), ("3,450.00", 1450), ("10,350.00", 1950)),
        (("Net", 100), ("pay", 200), ("2,512.34", 1450), ("7,537.02", 1950)),
    ))
    assert found["net_pay"].value.split()[0] == "2512.34"
    assert found["gross_pay"].value.split()[0] == "3450.00"
    assert found["pay_period"].value == "2025-03"
    assert found["employer"].value == "ACME Manufacturing Ltd"
    assert found["@type"].doc_type == "payslip"


ICAO_TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def test_mrz_with_check_digits() -> None:
    zone = mrz.parse(list(ICAO_TD3))  # the ICAO 9303 specimen
    assert zone is not None and zone.kind == "TD3"
    assert (zone.document_number, zone.date_of_birth, zone.expiry_date) == (
        "L898902C3", date(1974, 8, 12), date(2012, 4, 15))
    assert zone.holder_name == "ANNA MARIA ERIKSSON"
    misread = ICAO_TD3[1].replace("7408122", "7408132")  # one digit of the birth date misread
    assert mrz.parse([ICAO_TD3[0], misread]) is None  # its check digit disagrees: nothing, not a wrong date
    assert mrz.parse([ICAO_TD3[0], ICAO_TD3[1].replace("7408122", "74O8122")]) is not None  # O for 0 in a date
    repaired = mrz.parse([ICAO_TD3[0], ICAO_TD3[1].replace("L898902C3", "L8989O2C3")])
    assert repaired is not None and repaired.document_number == "L898902C3"  # both check digits agree only so


def test_id_card_labels_on_separate_lines_and_mrz() -> None:
    found = analyse(page(
        (("IDENTITY", 100), ("CARD", 400)),
        (("Name", 700), ("/", 820), ("Surname", 860), ("/", 1020), ("Nom", 1060)),
        (("MUSTERMANN", 700),),
        (("Vornamen", 700), ("/", 900), ("Given", 940), ("names", 1060)),
        (("ERIKA", 700),),
        ((ICAO_TD3[0], 100),),
        ((ICAO_TD3[1], 100),),
    ))
    assert found["holder_name"].value == "ERIKA MUSTERMANN"
    assert (found["document_number"].value, found["date_of_birth"].value, found["expiry_date"].value) == (
        "L898902C3", "1974-08-12", "2012-04-15")
    assert found["@type"].doc_type == "id_document" and found["@type"].confident


def test_proof_of_address_names_the_addressee() -> None:
    found = analyse(page(
        (("Northern", 100), ("Power", 330), ("plc", 500)),
        (("Mrs", 100), ("Jane", 200), ("Doe", 320)),
        (("12", 100), ("High", 160), ("Street", 280)),
        (("Leeds", 100), ("LS1", 260), ("4AP", 340)),
        (("Electricity", 100), ("bill", 360), ("-", 460), ("meter", 500), ("reading", 640)),
    ))
    assert found["holder_name"].value == "Jane Doe"


def test_a_label_and_its_value_above_two_lines_with_digits_is_not_an_addressee() -> None:
    """An identity card without an issuer line: "Nationality: Europa" over the date of birth and the document
    number looks like a name over a street and a postcode, but a labelled line is never a letter's addressee."""
    found = analyse(page(
        (("IDENTITY", 100), ("CARD", 400)),
        (("Nationality:", 100), ("Europa", 420)),
        (("Date", 100), ("of", 220), ("birth:", 280), ("12", 460), ("March", 540), ("1985", 700)),
        (("Document", 100), ("number:", 340), ("NX4829222", 560)),
        (("Date", 100), ("of", 220), ("expiry:", 280), ("11", 460), ("March", 540), ("2031", 700)),
    ))
    assert "holder_name" not in found or "Nationality" not in found["holder_name"].value


@pytest.mark.parametrize(("text", "expected"), [
    ("01/03/18", date(2018, 3, 1)),  # two-digit year
    ("12.03.2018", date(2018, 3, 12)),
    ("3. März 2018", date(2018, 3, 3)),
    ("12 mars 2018", date(2018, 3, 12)),
    ("12 maart 2018", date(2018, 3, 12)),
    ("12 de marzo de 2018", date(2018, 3, 12)),
    ("12 marzo 2018", date(2018, 3, 12)),
    ("05-JAN-17", date(2017, 1, 5)),
    ("19/10/201820:49:59", date(2018, 10, 19)),  # OCR lost the space before the time
])
def test_dates_in_six_languages(text: str, expected: date) -> None:
    assert [d for *_, d in values.find_dates(f"Datum: {text}")] == [expected]


@pytest.mark.parametrize(("text", "currency"), [
    ("TOTAL RM 60.30", "MYR"), ("Razem 120,00 zł", "PLN"), ("Total CHF 12.50", "CHF"), ("Summe 12,50 €", "EUR"),
    ("Total $ 9.99", "USD"), ("Total S$ 9.99 SGD", "SGD"), ("Total 9.99 GBP", "GBP"),
])
def test_currencies(text: str, currency: str) -> None:
    found = document_currency(text)
    assert found is not None and found[0] == currency


def test_an_ambiguous_crown_names_no_currency() -> None:
    assert document_currency("Totalt 120,00 kr") is None  # SEK, NOK, DKK or ISK: not a guess


@pytest.mark.parametrize("rows, holder", [
    ([(("Surname:", 100), ("ŻÓŁĆ", 400)), (("Given", 100), ("names:", 300), ("ŁUKASZ", 600))], "ŁUKASZ ŻÓŁĆ"),
    # the English OCR model reads Ø as "O@"; the row under an unreadable surname is another label's
    ([(("Surname", 100),), (("O@STERGARD", 100),), (("Given", 100), ("names", 300)), (("SØREN", 100),)],
     "SØREN OSTERGARD"),
    ([(("Surname:", 100), ("Z0LC#", 400)), (("Given", 100), ("names:", 300), ("ŁUKASZ", 600))], None),
])
def test_an_id_holder_in_any_alphabet_and_never_a_label_for_a_name(rows, holder) -> None:
    found = analyse(page((("IDENTITY", 100), ("CARD", 400)), *rows,
                         (("Date", 100), ("of", 250), ("birth:", 330), ("14.06.1988", 600)),
                         (("Document", 100), ("number:", 330), ("DK4829175", 600))))
    assert found["@type"].doc_type == "id_document"  # type: ignore[attr-defined]
    assert (found["holder_name"].value if "holder_name" in found else None) == holder


def test_a_total_whose_cents_ocr_set_apart_is_read_whole_but_a_numbered_line_is_not() -> None:
    found = analyse(page(
        (("1.", 100), ("20", 140), ("pens", 200), ("4.00", 2000)),
        (("Total", 100), ("RM", 300), ("Incl.", 400), ("of", 520), ("GST", 580), ("11.", 1900), ("80", 1970)),
    ))
    assert found["total"].value == "11.80"
    rows = layout.rows(page((("1.", 100), ("20", 140), ("pens", 200)), (("Cash", 100), ("-11,", 1900), ("80", 1970))))
    assert [w.text for w in rows[0].words] == ["1.", "20", "pens"]
    assert [w.text for w in rows[1].words] == ["Cash", "-11,80"]


def test_a_total_misread_by_one_digit_is_mended_by_cash_less_change() -> None:
    till = ((("CASH", 100), ("18.00", 2000, 96.0)), (("CHANGE", 100), ("0.00", 2000, 96.0)))
    assert analyse(page((("TOTAL", 100), (":", 300), ("48.00", 2000, 65.0)), *till))["total"].value == "18.00"
    # read as surely as the payment lines, the total may be right and a payment line misread: it stays
    assert analyse(page((("TOTAL", 100), ("48.00", 2000, 96.0)), *till))["total"].value == "48.00"
    # printed twice, the total is read right: the payment lines are what was misread
    twice = analyse(page((("TOTAL", 100), ("48.00", 2000, 65.0)),
                         (("Amount", 100), ("due", 300), ("48.00", 2000, 65.0)), *till))
    assert twice["total"].value == "48.00"
    # more than one misread character apart: not a misreading of the same amount, the label wins
    assert analyse(page((("TOTAL", 100), ("45.00", 2000, 65.0)), *till))["total"].value == "45.00"


def test_a_misread_cash_line_does_not_move_the_total() -> None:
    found = analyse(page((("Nett", 100), ("Total:", 250), ("RM8.50", 2000)), (("CASH", 100), ("RM8&.50", 2000))))
    assert found["total"].value == "8.50"


def test_cash_rounding_read_from_cash_less_change_when_no_rounding_line_is_readable() -> None:
    found = analyse(page(
        (("Total", 100), ("Amt", 250), ("Incl", 400), ("GST:", 500), ("7.42", 2000, 80.0)),
        (("Paid", 100), ("Amount:", 250), ("10.00", 2000, 95.0)), (("Change:", 100), ("2.60", 2000, 95.0)),
    ))
    assert found["total"].value == "7.40"
    # a change line read less surely than the total may be the misread one ("2.58" read "2.60"): no rounding
    found = analyse(page(
        (("Total", 100), ("7.42", 2000, 95.0)),
        (("Paid", 100), ("Amount:", 250), ("10.00", 2000, 95.0)), (("Change:", 100), ("2.60", 2000, 70.0)),
    ))
    assert found["total"].value == "7.42"


def test_an_unreadable_grand_total_leaves_a_lesser_total_out() -> None:
    found = analyse(page(
        (("Total", 100), ("6%", 250), ("supplies:", 350), ("32.05", 2000)),
        (("Total", 100), ("0%", 250), ("supplies:", 350), ("19.83", 2000)),
        (("Total", 100), ("Payable:", 250), ("-51%8", 2000)),
    ))
    assert "total" not in found
    # a date or words after a grand-total label are not a misread amount
    for after in ((("30.04.2026", 2000),), (("within", 600), ("14", 800), ("days", 900))):
        found = analyse(page((("Total", 100), ("123.45", 2000)), (("Payment", 100), ("due", 300), *after)))
        assert found["total"].value == "123.45"


def test_the_amount_paid_stands_for_a_total_whose_amount_was_lost() -> None:
    rows = ((("TOTAL", 100), ("AMOUNT", 300)), (("CASH", 100), ("RM6.00", 2000)))
    assert analyse(page((("PPF", 100), ("1.000", 700), ("6.00", 2000)), *rows))["total"].value == "6.00"
    # paid, but not printed anywhere else, or less than an amount on the bill: too little to go on
    assert "total" not in analyse(page((("PPF", 100), ("5.50", 2000)), *rows))
    assert "total" not in analyse(page((("PPF", 100), ("6.00", 2000)), (("Milk", 100), ("7.00", 2000)), *rows))


def test_total_labels_and_amounts_as_thermal_print_ocr_breaks_them() -> None:
    assert analyse(page((("Grand", 100), ("Tota", 250), ("1", 330), ("RM29.30", 2000))))["total"].value == "29.30"
    assert analyse(page((("Tota!", 100), ("Inclusive", 250), ("GST:", 450), ("217.00", 2000))))[
        "total"].value == "217.00"
    assert analyse(page((("IUIAL(GSIINLL)", 100), ("4.50", 2000))))["total"].value == "4.50"
    found = analyse(page((("TOTAL", 100), ("48.00", 2000, 65.0)), (("CASH", 100), ("—/18.00", 2000)),
                         (("CHANGE", 100), ("0.00", 2000))))
    assert found["total"].value == "18.00"  # "—/" before the cash amount is a misread rule, not a fraction
    assert [d for *_, d in values.find_dates("10~04-2018 08:11:53")] == [date(2018, 4, 10)]
    assert [a for *_, a, _ in values.find_amounts("1/2.50")] == []


def test_a_total_misread_by_one_digit_is_mended_by_the_totals_per_tax_rate_it_adds_up() -> None:
    rates = ((("Total", 100), ("6%", 250), ("supplies", 350), ("(Inc.", 550), ("GST):", 650), ("73.52", 2000)),
             (("Total", 100), ("0%", 250), ("supplies:", 350), ("20.67", 2000)))
    assert analyse(page(*rates, (("Total", 100), ("Payable:", 250), ("194.19", 2000))))["total"].value == "94.19"
    # two characters apart: the sums do not say which was misread, the grand-total label wins
    assert analyse(page(*rates, (("Total", 100), ("Payable:", 250), ("96.18", 2000))))["total"].value == "96.18"
