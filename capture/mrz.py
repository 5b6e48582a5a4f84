"""Machine-readable zones of passports and ID cards (ICAO 9303: TD1, TD2, TD3), read with their check digits.

OCR reads the zone as rows of ``A-Z0-9<``; common misreadings are repaired only where the format
says a digit must stand (``O`` -> ``0``), and a zone counts only when its check digits agree, so a
misread zone gives nothing rather than a wrong birth date or document number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

_ALLOWED = re.compile(r"[^A-Z0-9<]")
_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6",
                           "<": "0"})


@dataclass(frozen=True, slots=True)
class Mrz:
    """What a valid zone says; names as the zone spells them (no accents, ``<`` as spaces)."""

    kind: str  # TD1, TD2, TD3
    document_code: str
    issuer: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: date | None
    expiry_date: date | None
    sex: str
    lines: tuple[int, ...] = ()  # which of the given lines it was read from

    @property
    def holder_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.surname) if p)


def check_digit(text: str) -> str:
    total = 0
    for i, ch in enumerate(text):
        value = int(ch) if ch.isdigit() else (ord(ch) - 55 if ch.isalpha() else 0)
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


def clean(line: str) -> str:
    """A row of OCR text as MRZ characters: upper case, no spaces, guillemets and look-alikes as fillers."""
    text = line.upper().replace(" ", "").replace("«", "<<").replace("‹", "<").replace("(", "<").replace("[", "<")
    return _ALLOWED.sub("", text)


def looks_like_mrz(line: str) -> bool:
    text = clean(line)
    return len(text) >= 28 and text.count("<") >= 2 and len(text) >= 0.9 * len(line.replace(" ", ""))


def _digits(text: str) -> str:
    return text.translate(_TO_DIGIT)


def _yymmdd(text: str, future: bool) -> date | None:
    if not text.isdigit():
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    now = date.today().year % 100
    century = 2000 if (yy <= now + (20 if future else 0)) else 1900
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        return None


def _names(text: str) -> tuple[str, str]:
    surname, _, given = text.strip("<").partition("<<")
    return surname.replace("<", " ").strip(), " ".join(given.replace("<", " ").split())


def _fit(line: str, length: int) -> str:
    return (line + "<" * length)[:length]


def _checked(field: str, check: str) -> bool:
    return check_digit(field) == check


_SWAPS = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B", "Z": "2", "2": "Z"}


def _repaired(number: str, check: str, composite: Callable[[str], bool] = lambda _: True) -> str | None:
    """The document number whose check digit agrees, trying OCR's usual letter/digit confusions (O/0, I/1,
    S/5, B/8, Z/2) at no more than four places; a repaired number must also satisfy the zone's composite
    check digit (one digit alone agrees by chance one time in ten). None when no reading agrees."""
    if _checked(number, check):
        return number
    places = [i for i, ch in enumerate(number) if ch in _SWAPS][:4]
    for mask in range(1, 1 << len(places)):
        chars = list(number)
        for bit, i in enumerate(places):
            if mask >> bit & 1:
                chars[i] = _SWAPS[chars[i]]
        candidate = "".join(chars)
        if _checked(candidate, check) and composite(candidate):
            return candidate
    return None


def parse(lines: list[str]) -> Mrz | None:
    """The first valid zone among consecutive ``lines`` (OCR rows), or None."""
    rows = [clean(line) for line in lines]
    for i in range(len(rows)):
        for reader in (_td3, _td1, _td2):
            found = reader(rows, i)
            if found is not None:
                return found
    return None


def _td3(rows: list[str], i: int) -> Mrz | None:
    if i + 1 >= len(rows) or not 40 <= len(rows[i]) <= 48 or not 40 <= len(rows[i + 1]) <= 48:
        return None
    one, two = _fit(rows[i], 44), _fit(rows[i + 1], 44)
    final = _digits(two[43])
    number = _repaired(two[0:9], _digits(two[9]),
                       lambda n: _checked(n + two[9:10] + two[13:20] + two[21:43], final))
    nat = two[10:13]
    dob, exp = _digits(two[13:19]), _digits(two[21:27])
    checks = number is not None and _checked(dob, _digits(two[19])) and _checked(exp, _digits(two[27]))
    if not checks or number is None or one[0] not in "PIVAC":
        return None
    surname, given = _names(one[5:44])
    return Mrz("TD3", one[0:2].strip("<"), one[2:5], surname, given, number.strip("<"), nat,
               _yymmdd(dob, False), _yymmdd(exp, True), two[20], (i, i + 1))


def _td1(rows: list[str], i: int) -> Mrz | None:
    if i + 2 >= len(rows) or not all(26 <= len(rows[j]) <= 34 for j in (i, i + 1, i + 2)):
        return None
    one, two, three = (_fit(rows[j], 30) for j in (i, i + 1, i + 2))
    final = _digits(two[29])
    number = _repaired(one[5:14], _digits(one[14]),
                       lambda n: _checked(n + one[14:30] + two[0:7] + two[8:15] + two[18:29], final))
    dob, exp = _digits(two[0:6]), _digits(two[8:14])
    if number is None or not (_checked(dob, _digits(two[6])) and _checked(exp, _digits(two[14]))):
        return None
    surname, given = _names(three)
    return Mrz("TD1", one[0:2].strip("<"), one[2:5], surname, given, number.strip("<"), two[15:18],
               _yymmdd(dob, False), _yymmdd(exp, True), two[7], (i, i + 1, i + 2))


def _td2(rows: list[str], i: int) -> Mrz | None:
    if i + 1 >= len(rows) or not 33 <= len(rows[i]) <= 39 or not 33 <= len(rows[i + 1]) <= 39:
        return None
    one, two = _fit(rows[i], 36), _fit(rows[i + 1], 36)
    final = _digits(two[35])
    number = _repaired(two[0:9], _digits(two[9]),
                       lambda n: _checked(n + two[9:10] + two[13:20] + two[21:35], final))
    dob, exp = _digits(two[13:19]), _digits(two[21:27])
    if number is None or not (_checked(dob, _digits(two[19])) and _checked(exp, _digits(two[27]))):
        return None
    surname, given = _names(one[5:36])
    return Mrz("TD2", one[0:2].strip("<"), one[2:5], surname, given, number.strip("<"), two[10:13],
               _yymmdd(dob, False), _yymmdd(exp, True), two[20], (i, i + 1))
