"""Recognising and normalising values in text: amounts, dates, IBANs, references, codes, names.

Pure string functions; ``fields`` decides where to look and which field a value becomes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from . import dates
from .money import parse_number as parse_number  # re-exported: fields reads numbers through values

CURRENCIES = {"EUR": "EUR", "€": "EUR", "USD": "USD", "US$": "USD", "$": "USD", "GBP": "GBP", "£": "GBP"}
_CUR = r"(?:EUR|USD|GBP|US\$|€|\$|£)"
# thousands groups may be split by . , ' or a (thin/no-break) space; OCR sometimes adds a space after , or .
_NUM = r"(?:\d{1,3}(?:(?:[.,'’] ?|[\u00a0\u202f ])\d{3})+|\d+)(?:[.,]\d{1,2})?"
_NUM_END = r"(?![\d]|[.,;:] ?\d)"  # never stop inside a longer number ("EUR 2" of "EUR 2, 512.34")
AMOUNT = re.compile(
    rf"(?<![\w.,])(?:(?P<pre>{_CUR})[ \u00a0.]?(?P<num1>-?{_NUM})"
    rf"|(?P<num2>-?{_NUM})[ \u00a0]?(?P<post>{_CUR})){_NUM_END}"
)
_CURRENCY_HINT = re.compile(r"EUR|USD|GBP|[€$£]")
BARE_AMOUNT = re.compile(rf"^(?P<num>-?{_NUM}){_NUM_END}")

CASE_REFERENCE = re.compile(r"(?<![A-Z0-9])(CLM|ONB|LOA)\s?[-–—]\s?(\d{4})\s?[-–—]\s?(\d{6})(?!\d)", re.I)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?!\w)")
# groups may be split by spaces, or by specks OCR read as . , ( : ' - (the mod-97 check guards)
IBAN_CANDIDATE = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:[ \u00a0.,(:‘’'-]{0,3}[A-Z0-9]){10,40}")
CODE = re.compile(r"[#:]*\s*([A-Z0-9][A-Za-z0-9\-/.]{2,30})")
NAME = re.compile(r"(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?([A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]*\.?){0,3})")

IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "TR": 26, "UA": 29,
}

def format_amount(value: Decimal, currency: str | None) -> str:
    text = f"{value:.2f}"
    return f"{text} {currency}" if currency else text


def find_amounts(text: str) -> Iterator[tuple[int, int, Decimal, str]]:
    """Amounts that name their currency: (start, end, value, ISO currency)."""
    for offset, line in lines_with(text, _CURRENCY_HINT):
        for match in AMOUNT.finditer(line):
            number = match.group("num1") or match.group("num2")
            symbol = match.group("pre") or match.group("post")
            value = parse_number(number)
            if value is not None:
                yield offset + match.start(), offset + match.end(), value, CURRENCIES[symbol]


def lines_with(text: str, hint: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """The lines of ``text`` where ``hint`` occurs, with their offsets.

    Scanning every character of hundreds of pages with patterns that open with a look-behind
    is slow; a hint with a literal start (a currency, a year) skips most lines at C speed.
    """
    offset = 0
    for line in text.split("\n"):
        if hint.search(line):
            yield offset, line
        offset += len(line) + 1


def leading_amount(text: str) -> tuple[int, Decimal, str | None] | None:
    """The amount a value text starts with (currency optional): (length used, value, currency)."""
    match = AMOUNT.match(text)
    if match:
        value = parse_number(match.group("num1") or match.group("num2"))
        symbol = match.group("pre") or match.group("post")
        return (match.end(), value, CURRENCIES[symbol]) if value is not None else None
    bare = BARE_AMOUNT.match(text)
    if bare and ("." in bare.group("num") or "," in bare.group("num")):
        value = parse_number(bare.group("num"))
        return (bare.end(), value, None) if value is not None else None
    return None


def find_dates(text: str) -> Iterator[tuple[int, int, date]]:
    """Dates written ISO, day-first numeric (month-first when the day cannot be a month), with two- or
    four-digit years, or with month names in six languages (see ``capture.dates``)."""
    offset = 0
    for line in text.split("\n"):
        if dates.has_digit(line):
            for start, end, day in dates.find_dates(line):
                yield offset + start, offset + end, day
        offset += len(line) + 1


def iban_is_valid(iban: str) -> bool:
    """ISO 13616 check: known country length and the mod-97 check digits."""
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def find_ibans(text: str) -> Iterator[tuple[int, int, str]]:
    """Valid IBANs, spaces tolerated: (start, end, compact IBAN)."""
    for match in IBAN_CANDIDATE.finditer(text):
        length = IBAN_LENGTHS.get(match.group()[:2])
        if length is None:
            continue
        positions = [i for i, ch in enumerate(match.group(), start=match.start()) if ch.isalnum()]
        if len(positions) < length:
            continue
        end = positions[length - 1] + 1
        iban = "".join(text[i] for i in positions[:length])
        if not text[end: end + 1].isalnum() and iban_is_valid(iban):  # not the start of a longer code
            yield match.start(), end, iban


def case_reference(match: re.Match[str]) -> str:
    return f"{match.group(1).upper()}-{match.group(2)}-{match.group(3)}"


def leading_code(text: str) -> tuple[int, str] | None:
    """A number-like identifier a value text starts with (must contain a digit)."""
    match = CODE.match(text)
    if not match or not any(ch.isdigit() for ch in match.group(1)):
        return None
    return match.end(), match.group(1).rstrip(".-/")


def leading_name(text: str) -> tuple[int, str] | None:
    """A person's name (one to four capitalised words) a value text starts with."""
    match = NAME.match(text)
    if not match:
        return None
    return match.end(), " ".join(match.group(1).split())


def leading_company(text: str) -> tuple[int, str] | None:
    """An organisation's name: up to six words, starting with a capital or a digit."""
    match = re.match(r"\s*(\S+(?:[ \u00a0]+\S+){0,5})", text)
    if not match or not (match.group(1)[0].isupper() or match.group(1)[0].isdigit()):
        return None
    return match.end(), match.group(1).rstrip(",;")
