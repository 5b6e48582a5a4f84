"""Fields about people: the holder of an ID document (printed labels and the MRZ), the addressee of a
letter, and a payslip's pay figures.

European ID documents print "Surname" and "Given names" (often in two or three languages on one label)
with the value on the line below; the MRZ says the same with check digits and wins for numbers and
dates. A payslip's net pay is the period's, never the year-to-date column beside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from . import dates, mrz, vocabulary as v
from .commerce import field
from .layout import Row
from .model import Box, Field, Word
from .reading import Label, Lexicon, Value, after, amounts_in, dates_in, label_spans, labels, under

SURNAME = Lexicon(v.SURNAME)
GIVEN = Lexicon(v.GIVEN_NAMES)
FULL = Lexicon(v.FULL_NAME)
BIRTH = Lexicon(v.DATE_OF_BIRTH)
EXPIRY = Lexicon(v.EXPIRY)
DOC_NUMBER = Lexicon(v.DOCUMENT_NUMBER)
NET = Lexicon(v.NET_PAY)
GROSS = Lexicon(v.GROSS_PAY)
EMPLOYER = Lexicon(v.EMPLOYER)
PERIOD = Lexicon(v.PAY_PERIOD)
YTD = Lexicon(v.YEAR_TO_DATE)
ANY_LABEL = Lexicon(v.SURNAME, v.GIVEN_NAMES, v.FULL_NAME, v.DATE_OF_BIRTH, v.EXPIRY, v.DOCUMENT_NUMBER,
                    v.DOCUMENT_KIND)
_NAME_MARKS = "'’-"
# Tesseract's English model has no slashed O: it reads the Ø opening a Nordic name as "@", "0" or "O@".
_SLASHED_O = re.compile(r"^O?[@0](?=[^\W\d_]{2})")
_TITLE = re.compile(r"^(?:mr|mrs|ms|miss|dr|herr|frau|m|mme|mlle|dhr|mevr|mw|sr|sra|srta|sig|sig\.ra|signor|signora)\.?$",
                    re.I)
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9<\-]{4,14}$")


def _is_name_word(text: str) -> bool:
    """A capitalised word of letters in any alphabet (Łukasz, ŻÓŁĆ, Øster-gård, O'Neil) or an initial (J.)."""
    if len(text) == 2 and text[1] == ".":
        return text[0].isalpha() and text[0].isupper()
    return len(text) >= 2 and text[0].isalpha() and text[0].isupper() and all(
        c.isalpha() or c in _NAME_MARKS for c in text[1:])


def _name_words(words: Sequence[object]) -> tuple[str, ...]:
    """The leading name-like words (capitalised, letters) of a run of words, titles dropped."""
    out: list[str] = []
    for word in words:
        text = _SLASHED_O.sub("O", getattr(word, "text", "").strip(",;:"))
        if not out and _TITLE.match(text):
            continue
        if not _is_name_word(text) or label_spans(Row(0, (word,), 0), ANY_LABEL):  # type: ignore[arg-type]
            break
        out.append(text)
    return tuple(out)


def _own_label(words: Sequence[Word]) -> bool:
    """Whether a row under a label starts with a label of its own ("Given names", "Supply address:")."""
    spans = label_spans(Row(0, tuple(words), 0), ANY_LABEL)
    return any(s == 0 for s, _ in spans) or any(w.text.endswith(":") for w in words[:3])


def _value_words(label: Label, rows: Sequence[Row]) -> list[tuple[Value, tuple[str, ...]]]:
    """Name words beside the label, else on the rows under it; a row under it that opens with a label of its
    own ("Given names", "Supply address:") is that label's, so the search stops there."""
    found = []
    stops = label_spans(label.row, ANY_LABEL)
    for words, below in ((after(label, stops), False), *((ws, True) for ws in under(label, rows, 2))):
        words = tuple(w for w in words if w.text.strip("/|:"))
        if below and _own_label(words):
            break
        names = _name_words(words)
        if names:
            used = words[:len(names) + (1 if _TITLE.match(words[0].text) else 0)]
            found.append((Value(" ".join(names), used, below), names))
            break
    return found


def holder_name(pages: Sequence[Sequence[Row]], zone: mrz.Mrz | None) -> Field | None:
    """The holder: "Given names" + "Surname" labels, a "Name" label, else the MRZ names."""
    rows = pages[0] if pages else []
    surname = next((f for lab in labels(rows, SURNAME) for f in _value_words(lab, rows)), None)
    given = next((f for lab in labels(rows, GIVEN) for f in _value_words(lab, rows)), None)
    if surname and given and surname[0].words != given[0].words:
        text = f"{given[0].value} {surname[0].value}"
        box = Box.union([surname[0].box, given[0].box])
        conf = 0.9 * min(surname[0].conf, given[0].conf)
        if zone and _same(zone.holder_name, text):
            conf = 0.97
        return Field("holder_name", text, f"{given[0].raw} / {surname[0].raw}", rows[0].page, box, round(conf, 3))
    full = next((f for lab in labels(rows, FULL) for f in _value_words(lab, rows)), None)
    if full:
        return field("holder_name", str(full[0].value), full[0], rows[0].page, 0.85 * full[0].conf)
    if zone and zone.surname:
        line = pages[0][zone.lines[-1]] if zone.lines and zone.lines[-1] < len(pages[0]) else pages[0][-1]
        return Field("holder_name", zone.holder_name, line.text, line.page, line.box, 0.9)
    return None


def _same(a: str, b: str) -> bool:
    def fold(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z]+", v.fold(text)) if len(w) > 1}
    return bool(fold(a)) and (fold(a) <= fold(b) or fold(b) <= fold(a))


def find_mrz(pages: Sequence[Sequence[Row]]) -> tuple[mrz.Mrz, int] | None:
    for page_rows in pages:
        texts = [row.text for row in page_rows]
        candidates = [i for i, text in enumerate(texts) if mrz.looks_like_mrz(text)]
        if candidates:
            start = candidates[0]
            zone = mrz.parse(texts[start:start + 3])
            if zone is not None:
                lines = tuple(start + i for i in zone.lines)
                return mrz.Mrz(**{**{k: getattr(zone, k) for k in zone.__dataclass_fields__}, "lines": lines}), \
                    page_rows[0].page
    return None


def id_fields(pages: Sequence[Sequence[Row]], text: str) -> list[Field]:
    """holder_name, date_of_birth, document_number, expiry_date: the MRZ's when its checks pass, else the labels'."""
    found = find_mrz(pages)
    zone, zone_page = found if found else (None, 0)
    out: list[Field] = []
    name = holder_name(pages, zone)
    if name:
        out.append(name)
    zone_box = None
    if zone:
        zone_rows = [pages[0][i] for i in zone.lines if i < len(pages[0])] if zone_page == pages[0][0].page else []
        zone_box = Box.union([r.box for r in zone_rows]) if zone_rows else None
    for name_, lexicon, from_zone in (("date_of_birth", BIRTH, zone.date_of_birth if zone else None),
                                      ("expiry_date", EXPIRY, zone.expiry_date if zone else None)):
        if from_zone and zone_box:
            out.append(Field(name_, from_zone.isoformat(), "MRZ", zone_page, zone_box, 0.97))
            continue
        labelled = _labelled_date(pages, lexicon)
        if labelled:
            out.append(field(name_, labelled[0].isoformat(), labelled[1], labelled[2], 0.85 * labelled[1].conf))
    if zone and zone_box and zone.document_number:
        out.append(Field("document_number", zone.document_number, "MRZ", zone_page, zone_box, 0.97))
    else:
        number = _labelled_code(pages, DOC_NUMBER)
        if number:
            out.append(number)
    return out


def _labelled_date(pages: Sequence[Sequence[Row]], lexicon: Lexicon) -> tuple[date, Value, int] | None:
    for rows in pages:
        for label in labels(rows, lexicon):
            for words in (after(label), *under(label, rows, 2)):
                found = dates_in(words)
                if found:
                    day = found[0].value
                    assert isinstance(day, date)
                    return day, found[0], label.row.page
    return None


def _labelled_code(pages: Sequence[Sequence[Row]], lexicon: Lexicon) -> Field | None:
    for rows in pages:
        for label in labels(rows, lexicon):
            for words in (after(label), *under(label, rows, 2)):
                for word in words:
                    code = word.text.strip(".:;,#")
                    if _CODE.match(code) and any(ch.isdigit() for ch in code):
                        value = Value(code, (word,), False)
                        return field("document_number", code, value, label.row.page, 0.8 * value.conf)
    return None


def addressee(pages: Sequence[Sequence[Row]], skip_rows: set[int]) -> Field | None:
    """The person a letter is addressed to: a name row directly above a street row and a postcode row."""
    rows = pages[0] if pages else []
    full = next((f for lab in labels(rows, FULL) for f in _value_words(lab, rows)), None)
    if full:
        return field("holder_name", str(full[0].value), full[0], rows[0].page, 0.85 * full[0].conf)
    for row in rows[: max(1, len(rows) // 2)]:
        if row.index in skip_rows or row.index + 2 >= len(rows):
            continue
        if any(w.text.endswith(":") for w in row.words):
            continue  # "Nationality: Europa" is a label and its value, never the name a letter is addressed to
        names = _name_words(row.words)
        if not 2 <= len(names) <= 5 or len(names) < len(row.words) - (1 if _TITLE.match(row.words[0].text) else 0):
            continue
        street, town = rows[row.index + 1].text, rows[row.index + 2].text
        if (v.ADDRESS_WORDS.search(street) or re.search(r"\d", street)) and (
                v.POSTCODE.search(town) or v.POSTCODE.search(street)):
            value = Value(" ".join(names), row.words, False)
            return field("holder_name", " ".join(names), value, row.page, 0.75 * value.conf)
    return None


def _ytd_columns(rows: Sequence[Row]) -> list[Box]:
    return [lab.box for lab in labels(rows, YTD)]


def _pay(pages: Sequence[Sequence[Row]], lexicon: Lexicon, name: str) -> Field | None:
    """The amount of a pay label, outside any year-to-date column and off rows that say year-to-date."""
    best: tuple[int, Field] | None = None
    for rows in pages:
        columns = _ytd_columns(rows)
        for label in labels(rows, lexicon):
            if label_spans(label.row, YTD):
                continue
            for words in (after(label), *under(label, rows, 1)):
                amounts = [a for a in amounts_in(words) if isinstance(a.value, Decimal) and a.value > 0
                           and not any(_overlaps(a.box, c) for c in columns)]
                if amounts:
                    amount = amounts[0]
                    currency = f" {amount.currency}" if amount.currency else ""
                    found = field(name, f"{amount.value:.2f}{currency}", amount, label.row.page, 0.9 * amount.conf)
                    specificity = len(label.text)
                    if best is None or specificity > best[0]:
                        best = (specificity, found)
                    break
    return best[1] if best else None


def _overlaps(a: Box, column: Box) -> bool:
    left, right = column.x - column.w // 2, column.x + column.w + column.w // 2
    return a.x < right and a.x + a.w > left


def payslip_fields(pages: Sequence[Sequence[Row]], currency: str | None) -> list[Field]:
    out = [f for f in (_pay(pages, NET, "net_pay"), _pay(pages, GROSS, "gross_pay")) if f]
    if currency:
        out = [f if " " in f.value else Field(f.name, f"{f.value} {currency}", f.raw, f.page, f.box, f.confidence)
               for f in out]
    period = pay_period(pages)
    if period:
        out.append(period)
    employer = _labelled_company(pages)
    if employer:
        out.append(employer)
    return out


def _labelled_company(pages: Sequence[Sequence[Row]]) -> Field | None:
    for rows in pages[:1]:
        for label in labels(rows, EMPLOYER, at_start=True):
            words = after(label) or next(iter(under(label, rows, 1)), ())
            text = " ".join(w.text for w in words).strip(" :")
            if re.search(r"[^\W\d_]{3}", text):
                value = Value(text, tuple(words), False)
                return field("employer", text, value, label.row.page, 0.85 * value.conf)
    return None


_MONTH_YEAR = re.compile(rf"(?<!\w){dates._MONTH}\s*/?\s*((?:19|20)\d\d)(?!\d)", re.I)
_NUM_MONTH_YEAR = re.compile(r"(?<![\d./-])(0?[1-9]|1[0-2])\s*[./-]\s*((?:19|20)\d\d)(?![\d./-])")


def pay_period(pages: Sequence[Sequence[Row]]) -> Field | None:
    """The period paid: ``2024-03`` for a month, ``2024-03-01/2024-03-31`` for a range of dates."""
    for rows in pages[:1]:
        for label in labels(rows, PERIOD):
            if label_spans(label.row, YTD):
                continue
            for words in (after(label), *under(label, rows, 1)):
                text = " ".join(w.text for w in words)
                found = dates_in(words)
                if len(found) >= 2:
                    a, b = found[0], found[1]
                    value = f"{a.value.isoformat()}/{b.value.isoformat()}"  # type: ignore[attr-defined]
                    return field("pay_period", value, Value(value, a.words + b.words, False), label.row.page,
                                 0.85 * min(a.conf, b.conf))
                match = _MONTH_YEAR.search(text) or _NUM_MONTH_YEAR.search(text)
                if match:
                    month = dates.MONTHS.get(match.group(1).lower().rstrip(".")) or int(match.group(1))
                    value = f"{match.group(2)}-{month:02d}"
                    used = tuple(words)
                    return field("pay_period", value, Value(value, used, False), label.row.page,
                                 0.85 * min(w.conf for w in used) / 100)
    return None
