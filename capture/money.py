"""Currencies (ISO 4217 codes and the symbols printed on documents) and amounts in either number convention.

A symbol that several currencies share is only read as one of them when the document says which
(``S$``, ``A$``, ``SGD``): a bare ``kr`` names no currency, a bare ``$`` is read as USD with less
confidence, since it is the most common and a document in another dollar usually says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

# ISO 4217 codes a back office meets (active codes; a code not here is still found if printed beside
# an amount? no: three capitals beside a number are too often something else, so the list is explicit).
ISO_CODES = frozenset("""
AED AUD BGN BHD BRL CAD CHF CLP CNY COP CZK DKK EGP EUR GBP HKD HUF IDR ILS INR ISK JPY KES KRW KWD MAD
MXN MYR NGN NOK NZD PEN PHP PKR PLN QAR RON RSD RUB SAR SEK SGD THB TND TRY TWD UAH USD VND ZAR
""".split())

# printed symbol -> ISO code; longest symbols are tried first
SYMBOLS: dict[str, str] = {
    "€": "EUR", "£": "GBP", "US$": "USD", "U$S": "USD", "S$": "SGD", "SG$": "SGD", "A$": "AUD", "AU$": "AUD",
    "C$": "CAD", "CA$": "CAD", "NZ$": "NZD", "HK$": "HKD", "R$": "BRL", "MX$": "MXN", "RM": "MYR", "zł": "PLN",
    "zl": "PLN", "Kč": "CZK", "Ft": "HUF", "lei": "RON", "₹": "INR", "Rs": "INR", "₺": "TRY", "₽": "RUB",
    "₩": "KRW", "₪": "ILS", "฿": "THB", "₫": "VND", "₴": "UAH", "₱": "PHP", "CHF": "CHF", "Fr.": "CHF",
    "SFr.": "CHF", "$": "USD", "¥": "JPY", "円": "JPY", "元": "CNY", "RMB": "CNY",
}
AMBIGUOUS = {"$": "USD", "¥": "JPY"}  # read so only when the document names no other currency
SCANDINAVIAN_KR = ("SEK", "NOK", "DKK", "ISK")

_CUR = "|".join(sorted((re.escape(s) for s in [*SYMBOLS, *ISO_CODES]), key=len, reverse=True))
_NUM = r"(?:\d{1,3}(?:(?:[.,'’] ?|[\u00a0\u202f ])\d{3})+|\d+)(?:[.,]\d{1,2})?"
_NUM_END = r"(?![\d]|[.,;:] ?\d)"
AMOUNT = re.compile(
    rf"(?<![\w.,])(?:(?P<pre>{_CUR})[ \u00a0.:_]?(?P<num1>-?{_NUM})|(?P<num2>-?{_NUM})[ \u00a0]?(?P<post>{_CUR}))"
    rf"{_NUM_END}(?!\w)"
)
# a number after a slash is part of a fraction or date ("1/2.50") unless the slash follows no digit, as a
# misread rule or dash in front of a till's amount column does ("CASH —/18.00")
NUMBER = re.compile(rf"(?<![\w.,:])(?<!\d/)(?P<num>-?{_NUM}){_NUM_END}(?![\w/:])")
CURRENCY_WORD = re.compile(rf"(?<![\w$€£¥])(?:{_CUR}|kr\.?|Kr\.?)(?![A-Za-z])")
_KR = re.compile(r"(?<!\w)[Kk]r\.?(?!\w)")


def parse_number(text: str) -> Decimal | None:
    """A number written with either convention: ``1,234.56``, ``1.234,56``, ``1 234,56``, ``12,5``.

    The last ``.`` or ``,`` followed by one or two digits at the end is the decimal mark; every
    other separator groups thousands.
    """
    compact = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    match = re.search(r"[.,] ?(\d{1,2})$", compact)
    if match:
        whole, decimals = compact[: match.start()], match.group(1)
    else:
        whole, decimals = compact, ""
    digits = re.sub(r"[.,'’ ]", "", whole)
    if not re.fullmatch(r"-?\d+", digits):
        return None
    return Decimal(f"{digits}.{decimals}" if decimals else digits)


def code_of(symbol: str) -> str:
    """The ISO code of a printed symbol or code."""
    return symbol if symbol in ISO_CODES else SYMBOLS[symbol]


def find_amounts(text: str) -> Iterator[tuple[int, int, Decimal, str | None]]:
    """Amounts in ``text``: (start, end, value, ISO currency or None); a number with no currency counts
    only with a decimal part (``36.00``), since bare integers are quantities, codes and years."""
    taken = []
    for match in AMOUNT.finditer(text):
        value = parse_number(match.group("num1") or match.group("num2"))
        if value is not None:
            taken.append((match.start(), match.end()))
            yield match.start(), match.end(), value, code_of(match.group("pre") or match.group("post"))
    for match in NUMBER.finditer(text):
        number = match.group("num")
        if not re.search(r"[.,]\d{1,2}$", number) or any(s <= match.start() < e for s, e in taken):
            continue
        value = parse_number(number)
        if value is not None:
            yield match.start(), match.end(), value, None


def document_currency(text: str) -> tuple[str, float] | None:
    """The currency a document is in, with how sure we are; None when it names none or is ambiguous.

    Counts codes and symbols; ``$`` and ``¥`` yield to any other currency named; ``kr`` is read only
    when the document also names which crown.
    """
    counts: Counter[str] = Counter()
    for match in CURRENCY_WORD.finditer(text):
        word = match.group()
        if _KR.fullmatch(word):
            continue
        counts[code_of(word)] += 1 if word not in AMBIGUOUS else 0
        if word in AMBIGUOUS:
            counts[f"?{AMBIGUOUS[word]}"] += 1
    if not counts and _KR.search(text):
        return None
    named = [(code, n) for code, n in counts.most_common() if not code.startswith("?") and n > 0]
    if named:
        best, n = named[0]
        runner_up = named[1][1] if len(named) > 1 else 0
        return (best, 0.95) if n > 2 * runner_up else ((best, 0.6) if n > runner_up else None)
    guessed = [(code[1:], n) for code, n in counts.items() if code.startswith("?")]
    if guessed:
        return max(guessed, key=lambda g: g[1])[0], 0.7
    return None
