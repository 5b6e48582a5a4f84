"""Fields of invoices and receipts read from visual rows: total, tax, currency, date, number (issuer: ``issuer``).

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
_CODE = re.compile(r"[#:]*\s*([A-Z0-9][A-Za-z0-9\-/._]{1,30})")
_TITLES = {"invoice", "receipt", "rechnung", "facture", "factuur", "factura", "fattura", "ticket"}
_ID_LIKE = re.compile(r"\d{3,}|[A-Z]+[-/]?\d")


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


def _payments(pages: Sequence[Sequence[Row]], sharper_than: float = 0.0) -> tuple[list[Decimal], list[Decimal]]:
    """Amounts the payment lines confirm: a card charge, or cash tendered less the change; only those read
    with an OCR confidence above ``sharper_than``."""
    paid: list[Decimal] = []
    change: list[Decimal] = []
    for page_rows in pages:
        for row in page_rows:
            for lexicon, into in ((CHANGE, change), (PAYMENT, paid)):
                spans = label_spans(row, lexicon)
                if spans and (spans[0][0] <= 1 or lexicon is CHANGE):
                    amount = first_amount(row.words[spans[0][1]:])
                    if amount is not None and isinstance(amount.value, Decimal) and amount.conf > sharper_than:
                        into.append(abs(amount.value))  # "Cash -11.80": a deduction from what is due
                    break
    return paid, change


def total(pages: Sequence[Sequence[Row]]) -> tuple[Field, str | None] | None:
    """The grand total as a decimal string, and the currency printed beside it (if any).

    Then the checks a person makes on a till receipt: the payment lines (cash less change, a card charge)
    confirm the total; a total printed once that they do not confirm, one misread character away from the
    one amount that cash less change settles on, both read more surely than the total ("TOTAL 48.00",
    "CASH 18.00", "CHANGE 0.00"), or else from the one sum of two lesser totals (per tax rate), is that
    amount misread. A grand-total label whose amount cannot be read leaves lesser totals unconfirmed by
    payment out; with no total label followed by an amount, the amount paid is taken only when it is also
    printed elsewhere (the item line) and nothing on the page is larger.
    """
    candidates = _total_candidates(pages)
    paid = _paid_amounts(pages)
    settled = _settled_amounts(pages)
    if not candidates:
        return _paid_total(pages, settled)

    def key(c: Candidate) -> tuple[float, bool, Decimal]:
        value = c.value.value
        assert isinstance(value, Decimal)
        return c.rank + (1.0 if value in paid else 0.0), True, value

    best = max(candidates, key=key)
    value = best.value.value
    assert isinstance(value, Decimal)
    if best.rank < 3 and value not in paid and _unreadable_grand_total(pages):
        return None
    sure = 0.95 if best.rank >= 3 or value in paid else 0.85
    if value not in paid and _times_printed(pages, value) == 1:  # a total printed twice is read right
        # which was misread, the total or a payment line? the one OCR read less surely
        mended = _misread(value, _paid_less_change(pages, best.value.conf)) \
            or _misread(value, _sums_of_parts(candidates, value))
        if mended is not None:
            value, sure = mended, 0.8
    if _has_rounding_line(pages):
        value = _rounded(value, paid | _rounding_amounts(pages) | {c.value.value for c in candidates})
    elif value % ROUNDING_COIN and value not in paid:
        surer = _settled_amounts(pages, best.value.conf)  # read more surely than the total: not a misread change
        value = _rounded(value, {a for a in surer if abs(a - value) < ROUNDING_COIN})  # cash rounding, unlabelled
    rivals = {c.value.value for c in candidates if key(c)[0] == key(best)[0]} - {value}
    confidence = sure * best.value.conf * (0.8 if rivals else 1.0)
    return field("total", f"{value:.2f}", best.value, best.page, confidence), best.value.currency


def _settled_amounts(pages: Sequence[Sequence[Row]], sharper_than: float = 0.0) -> set[Decimal]:
    """What the payment lines say was charged: cash tendered less the change given, or a single card or cash
    payment when no change line is printed at all (amounts read with a confidence above ``sharper_than``)."""
    paid, change = _payments(pages, sharper_than)
    if change:
        return {p - c for p in paid for c in change if p - c > 0}
    return set(paid) if len(set(paid)) == 1 and paid[0] > 0 else set()


def _paid_less_change(pages: Sequence[Sequence[Row]], sharper_than: float = 0.0) -> set[Decimal]:
    """Cash tendered less the change given: two printed amounts that agree on what was charged (both read
    with an OCR confidence above ``sharper_than``)."""
    paid, change = _payments(pages, sharper_than)
    return {p - c for p in paid for c in change if p - c > 0}


def _sums_of_parts(candidates: list[Candidate], value: Decimal) -> set[Decimal]:
    """Two lesser totals added up ("Total 6% supplies 73.52", "Total 0% supplies 20.67"): what the grand total
    of a bill split by tax rate comes to."""
    parts = sorted({c.value.value for c in candidates if c.rank < 3 and c.value.value != value}, key=str)
    return {a + b for i, a in enumerate(parts) for b in parts[i + 1:] if isinstance(a, Decimal)
            and isinstance(b, Decimal)}


def _misread(value: Decimal, settled: set[Decimal]) -> Decimal | None:
    """The amount cash less change settles on when ``value`` is a single misread character away from it; None
    when they settle on no such amount or on several (a misread cash line is no better than the total)."""
    near = {a for a in settled if _one_character_apart(f"{value:.2f}", f"{a:.2f}")}
    return near.pop() if len(near) == 1 and len(settled) == 1 else None


def _one_character_apart(a: str, b: str) -> bool:
    """One digit read as another ("48.00" / "18.00"), or one digit too many ("194.19" / "94.19")."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return len(longer) == len(shorter) + 1 and any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def _times_printed(pages: Sequence[Sequence[Row]], value: Decimal) -> int:
    return sum(1 for rows in pages for row in rows for a in amounts_in(row.words) if a.value == value)


_GARBLED = re.compile(r"[^\sA-Za-z]*\d[^\sA-Za-z]*")  # digits and marks, no word: "-51%8", "1,4O"


def _unreadable_grand_total(pages: Sequence[Sequence[Row]]) -> bool:
    """A grand-total label ("Total payable") followed only by digits and marks that make no amount and no
    date ("-51%8"): the page's real total was misread, so a lesser total found elsewhere is not it. Words
    after the label ("due in 14 days") or a date ("due 30.04.2026") are something else."""
    for page_rows in pages:
        for label in labels(page_rows, STRONG):
            rest = [w.text for w in after(label) if w.text.strip(":.|")]
            if rest and all(_GARBLED.fullmatch(text) for text in rest) and not amounts_in(after(label)) \
                    and not dates_in(after(label)) and not label_spans(label.row, NOT_TOTAL):
                return True
    return False


def _paid_total(pages: Sequence[Sequence[Row]], settled: set[Decimal]) -> tuple[Field, str | None] | None:
    """No total label with an amount: the amount paid, when a total label is printed (its amount lost), the
    same amount stands elsewhere on the bill (the item line) and nothing on the page is larger."""
    if len(settled) != 1 or not any(labels(rows, lexicon) for rows in pages for lexicon in (STRONG, PLAIN)):
        return None
    value = next(iter(settled))
    elsewhere: list[tuple[Value, int]] = []
    for page_rows in pages:
        for row in page_rows:
            if label_spans(row, PAYMENT) or label_spans(row, CHANGE):
                continue
            for amount in amounts_in(row.words):
                if isinstance(amount.value, Decimal) and amount.value > value:
                    return None
                if amount.value == value:
                    elsewhere.append((amount, row.page))
    if not elsewhere:
        return None
    amount, page = elsewhere[-1]
    return field("total", f"{value:.2f}", amount, page, 0.7 * amount.conf), amount.currency


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
                amounts = [a for ws in under(label, page_rows, 1) for a in amounts_in(ws)
                           if isinstance(a.value, Decimal)]
            if amounts and isinstance(amounts[-1].value, Decimal) and amounts[-1].value > 0:
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
