"""Recognising amounts, dates, IBANs, references and e-mails in text, in every convention the issue lists."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from capture import values


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("EUR 1,234.56", "1234.56", "EUR"),
    ("€1.234,56", "1234.56", "EUR"),
    ("1.234,56 €", "1234.56", "EUR"),
    ("USD 12,500", "12500", "USD"),
    ("$ 99.90", "99.90", "USD"),
    ("£61.45", "61.45", "GBP"),
    ("GBP 1 204,10", "1204.10", "GBP"),
    ("EUR 2, 512.34", "2512.34", "EUR"),  # OCR put a space after the thousands comma
    ("12,5 EUR", "12.5", "EUR"),
])
def test_amounts_in_both_conventions(text: str, value: str, currency: str) -> None:
    [(_, end, amount, cur)] = list(values.find_amounts(f"Total: {text} paid"))
    assert (amount, cur) == (Decimal(value), currency)
    assert end == len("Total: ") + len(text)


def test_an_amount_is_never_cut_short() -> None:
    # "EUR 1.390;50": OCR read the decimal comma as ';'. No value beats a wrong 1390.00.
    assert list(values.find_amounts("Total EUR 1.390;50")) == []
    assert values.leading_amount("2,512.34 net") == (8, Decimal("2512.34"), None)
    assert values.leading_amount("3 hours") is None  # a bare integer is not an amount


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-03", date(2026, 11, 3)),
    ("03/11/2026", date(2026, 11, 3)),  # day first
    ("11/23/2026", date(2026, 11, 23)),  # month first when the day cannot be a month
    ("3.11.2026", date(2026, 11, 3)),
    ("3 November 2026", date(2026, 11, 3)),
    ("3rd Nov. 2026", date(2026, 11, 3)),
    ("November 3, 2026", date(2026, 11, 3)),
])
def test_dates(text: str, expected: date) -> None:
    assert [found for *_, found in values.find_dates(f"Date: {text}.")] == [expected]


def test_impossible_dates_are_not_dates() -> None:
    assert list(values.find_dates("31/02/2026 and 2026-13-01 and 45 March 2026")) == []


def test_iban_mod97_with_spaces() -> None:
    text = "Pay to DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX or NL91ABNA0417164300."
    assert [iban for *_, iban in values.find_ibans(text)] == ["DE89370400440532013000", "NL91ABNA0417164300"]
    assert values.iban_is_valid("GB82WEST12345698765432")
    assert not values.iban_is_valid("GB82WEST12345698765433")  # one digit off fails mod-97
    assert list(values.find_ibans("DE89 3704 0044 0532 0130 0012")) == []  # too long for DE


def test_case_reference_and_email() -> None:
    text = "Re: clm – 2026 – 000123 and ONB-2025-000007; write to Claims.Team@Example.COM"
    assert [values.case_reference(m) for m in values.CASE_REFERENCE.finditer(text)] == [
        "CLM-2026-000123", "ONB-2025-000007"]
    assert [m.group() for m in values.EMAIL.finditer(text)] == ["Claims.Team@Example.COM"]


def test_number_parsing_decides_the_decimal_mark() -> None:
    assert values.parse_number("1,234") == Decimal("1234")
    assert values.parse_number("1.234") == Decimal("1234")
    assert values.parse_number("1.234.567,8") == Decimal("1234567.8")
    assert values.parse_number("12a") is None


def test_a_product_code_made_of_dashed_numbers_is_not_a_date_but_the_till_stamp_is() -> None:
    text = "HD03-04-06-5/40/160 2X2.50 5.00\n19-09-1715:39 SH01ZJ03 T3"
    assert [found for *_, found in values.find_dates(text)] == [date(2017, 9, 19)]
    assert [found for *_, found in values.find_dates("Ref 2018-03-04-77")] == []
