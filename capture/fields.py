"""Fields of a document found on its pages, each with its page, box and confidence.

Pattern fields (case references, IBANs, e-mails, dates, amounts with a currency) are found
anywhere. Labelled identifiers (policy, account and document numbers, names, tax ids) take the value
that follows their label on the same line, up to a column gap, or else the line below. Fields that
need the page's layout (total, tax, currency, document date, vendor, payslip and ID fields, holder
names) come from ``capture.extract``. The document type decides which fields are kept; an unsure
type keeps them all for the person checking it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import accumulate

from . import extract, values
from .labels import find_labels
from .model import Box, Classification, Field, Page, Word

COLUMN_GAP = 2.5  # a gap wider than this many word heights ends a value (next column)
_SEPARATORS = " \t:#-–—=|"
_NOT_NAMES = {"number", "no", "date", "address", "amount", "total", "id", "of", "details"}

_WITH_COMMERCE = {"invoice", "receipt", "medical_invoice", "repair_estimate"}
_COMMERCE = ("total", "currency", "document_date", "vendor", "vendor_address", "invoice_number", "tax_amount")
FIELDS_BY_TYPE: dict[str, frozenset[str]] = {
    name: frozenset(fields) | (frozenset(_COMMERCE) if name in _WITH_COMMERCE else frozenset()) for name, fields in {
        "claim_form": ("case_reference", "policy_number", "name", "email", "iban", "date",
                       "incident_date", "document_date", "amount"),
        "repair_estimate": ("case_reference", "policy_number", "document_number", "total", "amount",
                            "date", "document_date", "email", "iban"),
        "invoice": ("case_reference", "document_number", "account_number", "total", "amount", "date",
                    "document_date", "iban", "email"),
        "receipt": ("document_number", "total", "amount", "date", "document_date"),
        "medical_invoice": ("case_reference", "policy_number", "name", "document_number", "total",
                            "amount", "date", "document_date", "iban", "email"),
        "id_document": ("name", "holder_name", "document_number", "date_of_birth", "expiry_date", "date"),
        "proof_of_address": ("name", "holder_name", "account_number", "document_number", "date", "document_date",
                             "email", "vendor", "vendor_address"),
        "payslip": ("name", "employer", "net_pay", "gross_pay", "pay_period", "iban", "date", "document_date",
                    "case_reference", "email", "currency"),
        "bank_statement": ("name", "iban", "account_number", "date", "document_date", "amount"),
        "tax_return": ("name", "tax_id", "date", "document_date", "amount", "case_reference"),
        "company_registration": ("company_name", "document_number", "tax_id", "date", "document_date", "email"),
    }.items()
}


@dataclass(frozen=True)
class _PageIndex:
    """A page's text with the offset where each word starts, to map a match back to words."""

    page: Page
    starts: tuple[int, ...]

    @staticmethod
    def of(page: Page) -> _PageIndex:
        # mirrors model.join_words: one separator (space or newline) between words
        starts = accumulate((len(w.text) + 1 for w in page.words[:-1]), initial=0)
        return _PageIndex(page, tuple(starts))

    @property
    def text(self) -> str:
        return self.page.text

    def word_range(self, start: int, end: int) -> range:
        return range(max(bisect_right(self.starts, start) - 1, 0), bisect_left(self.starts, end))

    def field(self, name: str, value: str, start: int, end: int, base: float) -> Field:
        words = [self.page.words[i] for i in self.word_range(start, end)] or [self.page.words[0]]
        confidence = base * min(w.conf for w in words) / 100
        return Field(name, value, self.text[start:end].strip(), self.page.number,
                     Box.union([w.box for w in words]), round(confidence, 3))


def extract_fields(pages: tuple[Page, ...], classification: Classification) -> tuple[Field, ...]:
    """The fields this type of document carries (all fields when the type is unsure)."""
    return keep_for(find_fields(pages)[0], classification)


def keep_for(found: tuple[Field, ...], classification: Classification) -> tuple[Field, ...]:
    """The fields a document of this type carries; all of them when the type is unsure (for the person)."""
    wanted = FIELDS_BY_TYPE.get(classification.doc_type)
    if wanted is not None and classification.confident:
        return tuple(f for f in found if f.name in wanted)
    return found


def find_fields(pages: tuple[Page, ...]) -> tuple[tuple[Field, ...], frozenset[str]]:
    """Every field found, whatever the type, and the cues they give the classifier (``@total``, ...)."""
    indexes = [_PageIndex.of(page) for page in pages if page.words]
    currency = _main_currency(indexes)
    found = [f for index in indexes for f in _pattern_fields(index)]
    found += [f for index in indexes for f in _labelled_fields(index, currency)]
    found = _best_per_value(found)
    laid_out, cues = extract.document_fields(pages, "\n".join(index.text for index in indexes))
    replaced = {f.name for f in laid_out}
    found = [f for f in found if f.name not in replaced] + laid_out
    found += _holder_alias(found)
    names = {f.name for f in found}
    cues |= {f"@{name}" for name in ("total", "net_pay", "iban") if name in names}
    return tuple(found), frozenset(cues)


def _main_currency(indexes: list[_PageIndex]) -> str | None:
    counts = Counter(cur for index in indexes for *_, cur in values.find_amounts(index.text))
    return counts.most_common(1)[0][0] if counts else None


def _pattern_fields(index: _PageIndex) -> Iterator[Field]:
    text = index.text
    for m in values.CASE_REFERENCE.finditer(text):
        yield index.field("case_reference", values.case_reference(m), m.start(), m.end(), 0.95)
    for start, end, iban in values.find_ibans(text):
        yield index.field("iban", iban, start, end, 0.98)
    for m in values.EMAIL.finditer(text):
        yield index.field("email", m.group().lower(), m.start(), m.end(), 0.95)
    for start, end, day in values.find_dates(text):
        yield index.field("date", day.isoformat(), start, end, 0.8)
    for start, end, amount, cur in values.find_amounts(text):
        yield index.field("amount", values.format_amount(amount, cur), start, end, 0.8)


def _labelled_fields(index: _PageIndex, currency: str | None) -> Iterator[Field]:
    words = [w.text for w in index.page.words]
    for name, kind, start, end in find_labels(index.text, words, index.starts):
        found = _value_after(index, start, end, kind, currency)
        if found is not None:
            value, v_start, v_end, base = found
            yield index.field(name, value, v_start, v_end, base)


def _value_after(index: _PageIndex, start: int, end: int, kind: str,
                 currency: str | None) -> tuple[str, int, int, float] | None:
    """The value of a label: the rest of its line up to a column gap, else the start of the next line."""
    for v_start, v_end, base in _value_spans(index, start, end):
        parsed = _PARSERS[kind](index.text[v_start:v_end], currency)
        if parsed is not None:
            used, value = parsed
            return value, v_start, v_start + used, base
    return None


def _value_spans(index: _PageIndex, start: int, end: int) -> Iterator[tuple[int, int, float]]:
    words = index.page.words
    last = index.word_range(start, end)[-1]
    run = _run_after(words, last)
    text = index.text
    if run:
        v_start = end
        while v_start < len(text) and text[v_start] in _SEPARATORS:
            v_start += 1
        yield v_start, index.starts[run[-1]] + len(words[run[-1]].text), 0.9
    elif last + 1 < len(words) and words[last + 1].line != words[last].line:
        below = [last + 1, *_run_after(words, last + 1)]
        yield index.starts[below[0]], index.starts[below[-1]] + len(words[below[-1]].text), 0.8


def _run_after(words: tuple[Word, ...], i: int) -> list[int]:
    """Indexes of the words following word ``i`` on its line, up to the first column gap."""
    run: list[int] = []
    while i + 1 < len(words) and words[i + 1].line == words[i].line:
        a, b = words[i], words[i + 1]
        if b.x - (a.x + a.w) > COLUMN_GAP * max(a.h, b.h, 1):
            break
        i += 1
        run.append(i)
    return run


def _parse_amount(text: str, currency: str | None) -> tuple[int, str] | None:
    found = values.leading_amount(text)
    if found is None:
        return None
    used, amount, cur = found
    return used, values.format_amount(amount, cur or currency)


def _parse_code(text: str, currency: str | None) -> tuple[int, str] | None:
    return values.leading_code(text)


def _parse_name(text: str, currency: str | None) -> tuple[int, str] | None:
    found = values.leading_name(text)
    if found is None or any(part.lower().strip(".") in _NOT_NAMES for part in found[1].split()):
        return None
    return found


def _parse_company(text: str, currency: str | None) -> tuple[int, str] | None:
    return values.leading_company(text)


def _parse_date(text: str, currency: str | None) -> tuple[int, str] | None:
    for start, end, day in values.find_dates(text):
        if start == 0:
            return end, day.isoformat()
    return None


_PARSERS: dict[str, Callable[[str, str | None], tuple[int, str] | None]] = {
    "amount": _parse_amount, "code": _parse_code, "name": _parse_name,
    "company": _parse_company, "date": _parse_date,
}


def _best_per_value(found: list[Field]) -> list[Field]:
    """One field per (name, value), the most confident; one ``total`` (the largest) per document."""
    best: dict[tuple[str, str], Field] = {}
    for f in found:
        key = (f.name, f.value)
        if key not in best or f.confidence > best[key].confidence:
            best[key] = f
    kept = list(best.values())
    totals = [f for f in kept if f.name == "total"]
    if len(totals) > 1:
        top = max(totals, key=lambda f: (values.parse_number(f.value.split()[0]) or 0, f.confidence))
        kept = [f for f in kept if f.name != "total" or f is top]
    return kept


def _holder_alias(found: list[Field]) -> list[Field]:
    """``name`` beside ``holder_name`` when no label gave one: the engine's checks read ``name``."""
    holder = next((f for f in found if f.name == "holder_name"), None)
    if holder is None or any(f.name == "name" for f in found):
        return []
    return [replace(holder, name="name")]
