"""Fields of invoices and receipts read from visual rows: total, tax, currency, date, vendor, address, number.

The total is chosen the way a person checks a bill: among amounts labelled as totals, never one on a
subtotal, tax, count, year-to-date, "change" or "amount due on <date>" row; a grand-total label beats
a plain "Total"; an amount the payment lines confirm (cash less change, the card charge) beats one
they do not; only then the larger. Nothing labelled, nothing returned: a guess is worse than a gap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import dates, money, vocabulary as v
from .layout import Row
from .model import Field
from .vocabulary import fold
from .reading import Label, Lexicon, Value, after, amounts_in, dates_in, first_amount, label_spans, labels, under

STRONG = Lexicon(v.TOTAL_STRONG)
PLAIN = Lexicon(v.TOTAL_PLAIN)
WEAK = Lexicon(v.TOTAL_WEAK)
NOT_TOTAL = Lexicon(v.NOT_TOTAL)
PAYMENT = Lexicon(v.PAYMENT)
CHANGE = Lexicon(v.CHANGE)
TAX = Lexicon(v.TAX)
STOPS = Lexicon(v.TOTAL_STRONG, v.TOTAL_PLAIN, v.TOTAL_WEAK, v.PAYMENT, v.CHANGE)  # where a total's value ends
DATE_LABELS = Lexicon(v.DOCUMENT_DATE)
NOT_DATE = Lexicon(v.NOT_DOCUMENT_DATE)
NUMBER_LABELS = Lexicon(v.INVOICE_NUMBER)
NOT_VENDOR = Lexicon(v.NOT_VENDOR)
VENDOR_LABELS = Lexicon(v.VENDOR_LABEL)
BUYER = Lexicon(v.BUYER_LABEL)
_CODE = re.compile(r"[#:]*\s*([A-Z0-9][A-Za-z0-9\-/._]{1,30})")
_LETTERS = re.compile(r"[^\W\d_]")
_TITLES = {"invoice", "receipt", "rechnung", "facture", "factuur", "factura", "fattura", "ticket"}
_ID_LIKE = re.compile(r"\d{3,}|[A-Z]+[-/]?\d")
_PHONE = re.compile(r"(?:\+?\d[\d ()./-]{6,}\d)")


def field(name: str, value: str, found: Value | Label | Row, page: int, confidence: float) -> Field:
    raw = found.raw if isinstance(found, Value) else found.text
    return Field(name, value, raw, page, found.box, round(max(0.0, min(1.0, confidence)), 3))


@dataclass(frozen=True, slots=True)
class Candidate:
    value: Value
    page: int
    rank: float
    order: int


def _total_candidates(pages: Sequence[Sequence[Row]]) -> list[Candidate]:
    found: list[Candidate] = []
    order = 0
    for page_rows in pages:
        for row in page_rows:
            order += 1
            excluded = label_spans(row, NOT_TOTAL)
            stops = label_spans(row, STOPS)
            for lexicon, rank in ((STRONG, 3.0), (PLAIN, 2.0), (WEAK, 1.0)):
                for label in labels([row], lexicon):
                    amount = first_amount(after(label, stops))
                    end = row.words.index(amount.words[0]) if amount else len(row.words)
                    if any(s < end for s, _ in excluded):
                        continue  # a subtotal, tax, count, change or "due on <date>" line
                    below = False
                    if amount is None and not amounts_in(row.words):
                        amount = _amount_below(label, page_rows)
                        below = amount is not None
                    if amount is not None and isinstance(amount.value, Decimal) and amount.value > 0:
                        table = len(amounts_in(row.words)) > 1 and rank < 3  # a summary table's "Total" row
                        found.append(Candidate(amount, row.page, rank - 0.5 * below - 1.5 * table, order))
                if any(c.order == order for c in found):
                    break
    return found


ROUNDING_STEP = Decimal("0.10")  # cash rounding to 0.05 or 0.10 (Malaysia, Switzerland, the Nordics, ...)
ROUNDING_COIN = Decimal("0.05")  # the smallest coin where cash is rounded; 0.10 and whole units are on it too
ROUNDING = Lexicon(v.ROUNDING)


def _has_rounding_line(pages: Sequence[Sequence[Row]]) -> bool:
    return any(label_spans(row, ROUNDING) for rows in pages for row in rows)


def _rounding_amounts(pages: Sequence[Sequence[Row]]) -> set[Decimal]:
    """Amounts on rounding lines: the adjustment, or on some tills the rounded total itself."""
    return {a.value for rows in pages for row in rows if label_spans(row, ROUNDING)
            for a in amounts_in(row.words) if isinstance(a.value, Decimal)}


def _rounded(value: Decimal, amounts: set[object]) -> Decimal:
    """Cash rounding: a total off the smallest coin (0.05) gives way to the nearest amount printed or paid
    that is on it ("Total 87.08", "Rounding", "Net total 87.10"); a total already on it stays."""
    if value % ROUNDING_COIN == 0:
        return value
    near = [a for a in amounts if isinstance(a, Decimal) and a > 0 and a % ROUNDING_COIN == 0
            and abs(a - value) <= ROUNDING_STEP]
    return min(near, key=lambda a: (abs(a - value), a)) if near else value


def has_payment_lines(pages: Sequence[Sequence[Row]]) -> bool:
    """Cash, card or change lines with amounts: the document records a payment at a till."""
    return bool(_payments(pages)[0])


def _amount_below(label: Label, page_rows: Sequence[Row]) -> Value | None:
    """The amount under a total label, unless the row below is another labelled line (cash, change, ...)."""
    for words in under(label, page_rows, 1):
        row = page_rows[label.row.index + 1]
        if label_spans(row, STOPS) or label_spans(row, NOT_TOTAL):
            return None
        return first_amount(words)
    return None


def _paid_amounts(pages: Sequence[Sequence[Row]]) -> set[Decimal]:
    paid, change = _payments(pages)
    confirmed = set(paid)
    confirmed |= {p - c for p in paid for c in change if p - c > 0}
    return confirmed


def _payments(pages: Sequence[Sequence[Row]]) -> tuple[list[Decimal], list[Decimal]]:
    """Amounts the payment lines confirm: a card charge, or cash tendered less the change."""
    paid: list[Decimal] = []
    change: list[Decimal] = []
    for page_rows in pages:
        for row in page_rows:
            for lexicon, into in ((CHANGE, change), (PAYMENT, paid)):
                spans = label_spans(row, lexicon)
                if spans and (spans[0][0] <= 1 or lexicon is CHANGE):
                    amount = first_amount(row.words[spans[0][1]:])
                    if amount is not None and isinstance(amount.value, Decimal):
                        into.append(amount.value)
                    break
    return paid, change


def total(pages: Sequence[Sequence[Row]]) -> tuple[Field, str | None] | None:
    """The grand total as a decimal string, and the currency printed beside it (if any)."""
    candidates = _total_candidates(pages)
    if not candidates:
        return None
    paid = _paid_amounts(pages)

    def key(c: Candidate) -> tuple[float, bool, Decimal]:
        value = c.value.value
        assert isinstance(value, Decimal)
        return c.rank + (1.0 if value in paid else 0.0), True, value

    best = max(candidates, key=key)
    value = best.value.value
    assert isinstance(value, Decimal)
    if _has_rounding_line(pages):
        value = _rounded(value, paid | _rounding_amounts(pages) | {c.value.value for c in candidates})
    rivals = {c.value.value for c in candidates if key(c)[0] == key(best)[0]} - {value}
    confidence = (0.95 if best.rank >= 3 or value in paid else 0.85) * best.value.conf * (0.8 if rivals else 1.0)
    return field("total", f"{value:.2f}", best.value, best.page, confidence), best.value.currency


def tax_amount(pages: Sequence[Sequence[Row]]) -> Field | None:
    """The tax charged: the last amount on a row opened by a tax label ("VAT 21%", "Total VAT"), or the
    amount under it; rate and base come first when printed beside it."""
    for page_rows in pages:
        for row in page_rows:
            spans = label_spans(row, TAX)
            if not spans or not _opens_tax_row(row, spans[0][0]):
                continue
            amounts = [a for a in amounts_in(row.words[spans[0][1]:]) if isinstance(a.value, Decimal)]
            if not amounts and spans[0][1] >= len(row.words) - 1:
                label = Label(row, spans[0][0], spans[0][1], "")
                amounts = [a for ws in under(label, page_rows, 1) for a in amounts_in(ws)]
            if amounts and amounts[-1].value > 0:
                best = amounts[-1]
                return field("tax_amount", f"{best.value:.2f}", best, row.page, 0.8 * best.conf)
    return None


_TOTAL_WORDS = {"total", "totaal", "totale", "summe", "gesamt", "tax", "montant", "importe", "importo"}
_BASE_WORDS = re.compile(r"(?i)\b(?:excl|excluding|incl|including|inclusive|exkl|inkl|hors|zonder|sin|senza|ohne)\b")


def _opens_tax_row(row: Row, start: int) -> bool:
    """The tax label opens the row ("VAT 21%") or follows a total word ("Total VAT"), and the row is not
    an amount before or after tax ("Total excl. VAT")."""
    if _BASE_WORDS.search(row.text):
        return False
    return start == 0 or (start == 1 and fold(row.words[0].text) in _TOTAL_WORDS)


def currency(text: str, beside_total: str | None, page: int, total_field: Field | None) -> Field | None:
    """The document's currency: the one printed beside the total, else the one the document names most."""
    if beside_total and beside_total not in money.AMBIGUOUS.values():
        code, sure = beside_total, 0.95
    else:
        found = money.document_currency(text)
        if found is None:
            return None
        code, sure = found
    box = total_field.box if total_field else None
    if box is None:
        return None
    return Field("currency", code, code, total_field.page if total_field else page, box, sure)


def document_date(pages: Sequence[Sequence[Row]], text: str) -> Field | None:
    """The issue date: a date labelled as such beats an unlabelled one; due, birth and period dates never count."""
    month_first = dates.writes_month_first(text)
    best: tuple[float, int, Value, int] | None = None
    order = 0
    for page_rows in pages:
        for row in page_rows:
            order += 1
            found = dates_in(row.words, month_first)
            if not found:
                continue
            excluded = label_spans(row, NOT_DATE)
            good = label_spans(row, DATE_LABELS)
            for value in found:
                first = row.words.index(value.words[0])
                before = [s for s in excluded if s[1] <= first]
                label = [s for s in good if s[1] <= first]
                if before and (not label or before[-1][0] >= label[-1][0]):
                    continue
                score = 2.0 if label else 1.0
                if best is None or score > best[0]:
                    best = (score, order, value, row.page)
    if best is None:
        return None
    score, _, value, page = best
    day = value.value
    assert hasattr(day, "isoformat")
    return field("document_date", day.isoformat(), value, page, (0.95 if score >= 2 else 0.85) * value.conf)


def invoice_number(pages: Sequence[Sequence[Row]]) -> Field | None:
    """The number beside (or under) an invoice/receipt number label: a code with at least one digit."""
    for page_rows in pages:
        for label in labels(page_rows, NUMBER_LABELS):
            titled = label.text in _TITLES  # "Invoice 2024-118" yes; "INVOICE" over a line of text no
            for words in (after(label), *(() if titled else under(label, page_rows, 1))):
                if not words:
                    continue
                text = " ".join(w.text for w in words[:2])
                match = _CODE.match(text)
                if not match or not any(ch.isdigit() for ch in match.group(1)):
                    continue
                code = match.group(1).rstrip(".-/")
                if dates_in(words[:2]) or len(code) < 3 or ":" in code or (titled and not _ID_LIKE.search(code)):
                    continue
                used = tuple(w for w in words[:2] if w.text.strip("#:") and w.text.strip("#:") in code) or words[:1]
                return field("invoice_number", code, Value(code, used, words is not after(label)), label.row.page,
                             0.85 * min(w.conf for w in used) / 100)
    return None


def _vendor_score(row: Row, rank: int, body_height: float) -> float:
    """How much a row near the top of page 1 looks like the issuer's name (a company, large print, not
    an address, a phone number or a title such as "Tax invoice")."""
    text = _REGISTRATION.sub("", row.text)  # "ACME CO. (M) BHD (126926-H)": the number is not part of the name
    letters = len(_LETTERS.findall(text))
    if letters < 3 or letters < 0.5 * len(text.replace(" ", "")) or not _WORD.search(text):
        return -9.0  # no word of three letters: a logo read as noise ("318 Ol OF"), a code or a rule
    if _OPENING_HOURS.search(text):
        return -9.0
    score = 2.0 - 0.4 * rank
    suffix = v.COMPANY_SUFFIX.search(text)
    rest = text[: suffix.start()] + text[suffix.end():] if suffix else ""
    if suffix and (_WORD.search(rest) or not _LETTERS.search(rest)):
        score += 3.0  # a legal form or trade word (alone, or beside a real name); "HO AG" is noise, not a company
    spans = label_spans(row, NOT_VENDOR)
    if spans:
        score -= 4.0 if spans[0][0] == 0 else 2.0
    if v.ADDRESS_WORDS.search(text) or _PHONE.search(text) or "@" in text:
        score -= 3.0
    if row.height > 1.3 * body_height:
        score += 1.0
    words = text.split()
    if text == text.lower() or (len(words) >= 4 and sum(w[:1].islower() for w in words) > len(words) / 2):
        score -= 2.0  # lower case words: a handwritten note, a slogan or a sentence, rarely a letterhead
    return score


def _address_follows(rows: Sequence[Row], row: Row) -> bool:
    """An address starts on the next row (or the one after a registration number)."""
    for nxt in rows[row.index + 1: row.index + 3]:
        if v.ADDRESS_WORDS.search(nxt.text) or v.POSTCODE.search(nxt.text):
            return True
        if not re.fullmatch(r"[\W\d\-]*\(?[\w. :-]*\d[\w-]*\)?[\W]*", nxt.text):
            return False
    return False


def vendor(page_rows: Sequence[Row], body_height: float) -> tuple[Field, int] | None:
    """The issuer's name as printed: the strongest name-like row among the first of page 1 (letterhead),
    or the value of a "Supplier"/"From" label. Returns the field and the row it ends on."""
    for label in labels(page_rows, VENDOR_LABELS, at_start=True):
        if any(start <= label.end for start, _ in label_spans(label.row, NOT_VENDOR)):
            continue  # "Company Reg No. ...": the label belongs to another phrase
        words = after(label) or next(iter(under(label, page_rows, 1)), ())
        text = " ".join(w.text for w in words).strip(" :")
        if len(_LETTERS.findall(text)) >= 3:
            value = Value(text, tuple(words), False)
            return field("vendor", text, value, label.row.page, 0.8 * value.conf), label.row.index
    buyer_rows = {lab.row.index for lab in labels(page_rows, BUYER, at_start=True)}
    head = [r for r in page_rows[:8] if r.index not in buyer_rows]
    scored = [(_vendor_score(row, rank, body_height) + 1.5 * _address_follows(page_rows, row), row)
              for rank, row in enumerate(head)]
    scored = [(s, r) for s, r in scored if s > 0.5]
    if not scored:
        return None
    score, row = max(scored, key=lambda sr: sr[0])
    text = " ".join(row.text.split()).strip(" ,:;-*")
    row_end = row.index
    nxt = page_rows[row.index + 1] if row.index + 1 < len(page_rows) else None
    prev = page_rows[row.index - 1] if row.index > 0 else None
    if nxt is not None and v.COMPANY_SUFFIX.fullmatch(nxt.text.strip(" .,")) and not v.COMPANY_SUFFIX.search(text):
        text, row_end = f"{text} {nxt.text.strip(' ,:;-*')}", nxt.index
    elif nxt is not None and _legal_entity_below(row, nxt):
        text, row_end = f"{text} {' '.join(nxt.text.split()).strip(' ,:;-*')}", nxt.index
    elif prev is not None and _continues(prev, row, body_height):
        text, row = f"{' '.join(prev.text.split())} {text}", Row(row.index, prev.words + row.words, row.page)
    text = _OCR_LETTERS.sub(_as_letters, _REGISTRATION.sub("", text)).strip()
    text = repair_legal_form(text)
    confidence = min(0.9, 0.45 + 0.1 * score) * min(w.conf for w in row.words) / 100
    return Field("vendor", text, row.text, row.page, row.box, round(confidence, 3)), row_end


# a company registration number printed after the name: "(519537-X)", "(Co. No. 113825-W)"
_REGISTRATION = re.compile(r"\s*[（(][^()（）]*\d[^()（）]*[)）]?\s*$")
# a word of letters where OCR read O as 0 or I/l as 1 ("S0ON", "1DEA", "0ld Town")
_OCR_LETTERS = re.compile(r"\b(?=[A-Za-z01]*[A-Za-z]{2})[A-Za-z]*[01][A-Za-z01]*\b")
_DIGIT_AS_LETTER = str.maketrans({"0": "O", "1": "I"})
_DIGIT_AS_SMALL = str.maketrans({"0": "o", "1": "l"})


def _as_letters(match: re.Match[str]) -> str:
    """The digits of a misread word as letters, in the case of the word's other letters."""
    word = match.group()
    small = sum(c.islower() for c in word) > sum(c.isupper() for c in word)
    if small and word[0] in "01" and word[1:2].islower():
        return word[0].translate(_DIGIT_AS_LETTER) + word[1:].translate(_DIGIT_AS_SMALL)  # "0ld" -> "Old"
    return word.translate(_DIGIT_AS_SMALL if small else _DIGIT_AS_LETTER)
_WORD = re.compile(r"[^\W\d_]{3,}")
# opening hours printed in the letterhead: "SUN-THU: 1000HRS-2230HRS", "Mon-Fri 9:00 - 17:30", "8h30-19h"
_OPENING_HOURS = re.compile(
    r"\d{1,2}[:.h]?\d{2}\s*(?:hrs?|h|uhr|am|pm)?\s*[-\u2013~]\s*\d{1,2}(?:[:.h]?\d{2})?\s*(?:hrs?|h|uhr|am|pm)?(?![\w/])"
    r"|(?<![\w])\d{3,4}\s*hrs(?![\w])", re.I)


def repair_legal_form(name: str) -> str:
    """Mend one misread character in the legal form closing a company name ("SON BHD", "5dn Bhd", "GMBII").

    Legal forms are a closed vocabulary, so a closing word one edit away from one (with the other word of a
    two-word form read exactly) is far likelier a misreading than a different word; the name itself is never
    touched. Case follows the printed word."""
    words = name.split(" ")
    for form in v.LEGAL_FORMS_SPELLED:
        parts = form.split(" ")
        if len(words) <= len(parts):
            continue
        tail = words[-len(parts):]
        folded = [w.upper().strip(".,") for w in tail]
        edits = [min(_edits(a, b), 1 + _edits(_H_READ.sub("H", a), b) if _H_READ.search(a) else 2)
                 for a, b in zip(folded, parts)]
        if sum(edits) != 1 or max(edits) > 1 or any(len(p) < 3 and e for p, e in zip(parts, edits)):
            continue
        fixed = [w if e == 0 else _like(w, p) for w, p, e in zip(tail, parts, edits)]
        return " ".join(words[: -len(parts)] + fixed)
    return name


# a capital H printed narrow is often read as two strokes: "BIID", "BILD", "GMBII"
_H_READ = re.compile(r"II|IL|LI|I-I")


def _like(printed: str, canonical: str) -> str:
    """``canonical`` in the case of ``printed`` (upper, or capitalised), keeping its closing punctuation."""
    core = printed.rstrip(".,")
    letters = [c for c in core if c.isalpha()]
    word = canonical if all(c.isupper() for c in letters) else canonical.capitalize()
    return word + printed[len(core):]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance, cut at 2 (only 0, 1 or "more" matter here)."""
    if abs(len(a) - len(b)) > 1:
        return 2
    if a == b:
        return 0
    if len(a) == len(b):
        return 1 if sum(x != y for x, y in zip(a, b)) == 1 else 2
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return 1 if any(long_[:i] + long_[i + 1:] == short for i in range(len(long_))) else 2


def _legal_entity_below(row: Row, nxt: Row) -> bool:
    """A trading name with the legal entity on the next line ("LEMON TREE RESTAURANT" / "JTJ FOODS SDN BHD")."""
    if v.LEGAL_FORM.search(row.text) or not v.LEGAL_FORM.search(nxt.text):
        return False
    if v.ADDRESS_WORDS.search(nxt.text) or _PHONE.search(nxt.text) or label_spans(nxt, NOT_VENDOR):
        return False
    return 0.7 <= nxt.height / max(row.height, 1.0) <= 1.3


def _continues(prev: Row, row: Row, body_height: float) -> bool:
    """A company name printed over two lines: the row above ends the name the suffix row closes
    ("LIAN CHI PU TIAN VEGETARIAN" / "RESTAURANT SDN BHD"), same print size, no digits."""
    matches = list(v.COMPANY_SUFFIX.finditer(row.text))
    if not matches or matches[-1].end() < len(_REGISTRATION.sub("", row.text).rstrip(" .,")) - 1:
        return False
    starts_with_suffix = matches[0].start() == 0
    if re.search(r"\d", prev.text) or prev.text == prev.text.lower() or label_spans(prev, NOT_VENDOR):
        return False
    if v.ADDRESS_WORDS.search(prev.text):
        return False
    if len(_LETTERS.findall(prev.text)) < 3:
        return False
    return starts_with_suffix or (0.8 <= prev.height / max(row.height, 1.0) <= 1.25 and len(row.text.split()) <= 4)


def vendor_address(page_rows: Sequence[Row], after_row: int) -> Field | None:
    """The rows under the vendor's name up to the first phone, tax-number, date or title row (at most 4)."""
    taken: list[Row] = []
    for row in page_rows[after_row + 1: after_row + 6]:
        text = row.text
        if re.fullmatch(r"[\W\d\-]*\(?[\w-]*\d[\w-]*\)?[\W]*", text) and not taken and not v.POSTCODE.search(text):
            continue  # a registration number under the name
        if _PHONE.search(text) and not v.POSTCODE.search(text) or label_spans(row, NOT_VENDOR):
            break
        if dates_in(row.words):
            break
        taken.append(row)
        if len(taken) == 4:
            break
    if not taken or not any(v.ADDRESS_WORDS.search(r.text) or v.POSTCODE.search(r.text) for r in taken):
        return None
    text = " ".join(r.text for r in taken)
    box_rows = Row(-1, tuple(w for r in taken for w in r.words), taken[0].page)
    confidence = 0.7 * min(w.conf for w in box_rows.words) / 100
    return Field("vendor_address", " ".join(text.split()), text, taken[0].page, box_rows.box, round(confidence, 3))
