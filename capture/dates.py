"""Dates as documents print them in English, German, French, Dutch, Spanish and Italian.

Numeric dates are day first (as in all six languages outside the US) unless the day cannot be a month
(``12/28/2017``) or the caller found the document writes month first. Two-digit years are read in a
window around today (``01/03/18`` is 2018, a birth date ``12.03.65`` is 1965). Month names and their
abbreviations in the six languages are one table; where two languages share a spelling they agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan januar jänner janvier janv januari enero ene gennaio genn gen",
    "february feb februar février fevrier févr fevr februari febrero febbraio",
    "march mar märz maerz marz mrz mars maart maa marzo",
    "april apr avril avr abril abr aprile",
    "may mai mei mayo maggio mag",
    "june jun juni juin junio giugno giu",
    "july jul juli juillet juil julio luglio lug",
    "august aug august août aout augustus agosto ago",
    "september sep sept septembre septiembre set settembre",
    "october oct oktober okt octobre okt octubre ottobre ott",
    "november nov novembre noviembre",
    "december dec dezember dez décembre decembre déc diciembre dic dicembre",
), start=1):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH = "(" + "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True)) + r")\.?"
_SEP = r"[./\-]"
# each pattern: (style, regex); groups are read by _to_date
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # a date run on by another separated number ("HD03-04-06-5/40") is a product or reference code
    ("ymd", re.compile(r"(?<![\d.,/-])((?:19|20)\d\d)([./-])(\d{1,2})\2(\d{1,2})(?![\d]|[/-]\d)")),
    # a year may run straight into the time ("19/10/201820:49:59", "18/03/1815:17": OCR lost the space)
    ("dmy", re.compile(r"(?<![\d,/-])(?<!\d\.)(\d{1,2}) ?([./-]) ?(\d{1,2}) ?\2 ?"
                       r"((?:19|20)\d\d(?=\d\d?:\d\d)|\d\d(?=[0-2]\d:[0-5]\d)|\d{4}(?![\d]|[.,]\d)|\d\d(?![\d]|[.,]\d))(?![/-]\d)")),
    ("d_month_y", re.compile(
        rf"(?<![^\W\d_])(\d{{1,2}})(?:st|nd|rd|th|er|e|°|º)?\.?(?:\s*|\s*[-/]\s*|\s+de\s+){_MONTH}"
        rf"(?:\s*[-/,]?\s*|\s+de\s+)((?:19|20)\d\d(?=\d\d?:\d\d)|(?:19|20)\d\d(?!\d)|\d\d(?!\d))", re.I)),
    ("month_d_y", re.compile(rf"(?<![\w]){_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)(?!\d)", re.I)),
)
_MISREAD_DASH = re.compile(r"(?<=\d)~(?=\d)")  # "10~04-2018": OCR reads a thin dash as a tilde
# a line can hold a date only if a digit meets a date separator or a word (checked at C speed first)
_HINT = re.compile(r"\d ?[./-] ?\d|\d(?:st|nd|rd|th|er|e)?[./-]? ?(?:de )?[^\W\d_]{3}|[^\W\d_]{3}\.? \d", re.I)


def full_year(year: int, *, today: date | None = None) -> int:
    """A two-digit year in the century that puts it at most 10 years ahead of today."""
    if year >= 100:
        return year
    now = (today or date.today()).year
    candidate = 2000 + year
    return candidate if candidate <= now + 10 else 1900 + year


def find_dates(text: str, *, month_first: bool = False) -> Iterator[tuple[int, int, date]]:
    """(start, end, date) of each date in ``text``; overlapping matches keep the earliest, longest one."""
    text = _MISREAD_DASH.sub("-", text)  # same length: offsets still point into the caller's text
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, date]] = []
    for style, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            day = to_date(style, match.groups(), month_first=month_first)
            if day is not None:
                taken.append((match.start(), match.end()))
                found.append((match.start(), match.end(), day))
    yield from sorted(found)


def writes_month_first(text: str) -> bool:
    """True when the document's numeric dates can only be month first (``12/28/2017``) and none day first."""
    month_first = day_first = 0
    for match in PATTERNS[1][1].finditer(text):
        a, b = int(match.group(1)), int(match.group(3))
        if a <= 12 < b <= 31:
            month_first += 1
        elif b <= 12 < a <= 31:
            day_first += 1
    return month_first > 0 and day_first == 0


def to_date(style: str, groups: tuple[str, ...], *, month_first: bool = False) -> date | None:
    if style == "ymd":
        year, month, day = int(groups[0]), int(groups[2]), int(groups[3])
    elif style == "dmy":
        day, month, year = int(groups[0]), int(groups[2]), full_year(int(groups[3]))
        if (month_first and day <= 12) or (month > 12 >= day):
            day, month = month, day
    elif style == "d_month_y":
        day, month, year = int(groups[0]), MONTHS[groups[1].lower()], full_year(int(groups[2]))
    else:
        month, day, year = MONTHS[groups[0].lower()], int(groups[1]), int(groups[2])
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def has_digit(text: str) -> bool:
    return _HINT.search(text) is not None
