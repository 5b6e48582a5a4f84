"""Layout-aware fields of a whole document: rows are built once, then each kind of field reads them.

Only the first ``HEAD_PAGES`` and last ``TAIL_PAGES`` pages are laid out: issuers, numbers and dates
stand at the start, totals at the end, and a 100-page text PDF must stay fast.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from . import commerce, issuer as issuers, people
from .layout import Row, rows, unturn_box, upright
from .model import Field, Page

HEAD_PAGES = 3
TAIL_PAGES = 2


def laid_out(pages: Sequence[Page]) -> list[list[Row]]:
    """Rows of the pages read for layout fields, each page turned upright first."""
    chosen = [p for i, p in enumerate(pages) if i < HEAD_PAGES or i >= len(pages) - TAIL_PAGES]
    return [r for r in (rows(upright(p)) for p in chosen if p.words) if r]


NARROW_PAGE = 0.62  # width / height under this is a till roll, not A4 (0.71) or Letter (0.77)


def document_fields(pages: Sequence[Page], text: str) -> tuple[list[Field], set[str]]:
    """Every layout field found (total, currency, dates, vendor, payslip and ID fields, holder names),
    boxes on the pages as stored (a turned page is read upright, its boxes turned back), and the
    layout cues for the classifier (``@narrow_page``, ``@payment_lines``, ``@mrz``)."""
    by_number = {p.number: p for p in pages}
    laid = laid_out(pages)
    cues: set[str] = set()
    first = upright(pages[0]) if pages else None
    if first is not None and first.width < NARROW_PAGE * first.height:
        cues.add("@narrow_page")
    if laid and commerce.has_payment_lines(laid):
        cues.add("@payment_lines")
    if laid and people.find_mrz(laid):
        cues.add("@mrz")
    return [_as_stored(f, by_number.get(f.page)) for f in _fields(laid, text)], cues


def _as_stored(found: Field, page: Page | None) -> Field:
    if page is None or page.orientation % 360 == 0:
        return found
    return replace(found, box=unturn_box(found.box, page.orientation % 360, page.width, page.height))


def _fields(laid: list[list[Row]], text: str) -> list[Field]:
    if not laid:
        return []
    out: list[Field] = []
    found_total = commerce.total(laid)
    total_field, beside = (found_total if found_total else (None, None))
    if total_field:
        out.append(total_field)
    cur = commerce.currency(text, beside, laid[0][0].page, total_field)
    if cur:
        out.append(cur)
    for extractor in (commerce.tax_amount, commerce.invoice_number):
        found = extractor(laid)
        if found:
            out.append(found)
    day = commerce.document_date(laid, text)
    if day:
        out.append(day)
    first = laid[0]
    body = statistics.median(w.h for row in first for w in row.words)
    issuer = issuers.vendor(first, body)
    vendor_rows: set[int] = set()
    name = issuer[0] if issuer else None
    if issuer:
        if name:
            out.append(name)
        vendor_rows = set(range(0, issuer[1] + 1))
        address = issuers.vendor_address(first, issuer[1])
        if address:
            out.append(address)
    out += people.payslip_fields(laid, cur.value if cur else None)
    if name and not any(f.name == "employer" for f in out):
        out.append(replace(name, name="employer", confidence=round(0.8 * name.confidence, 3)))
    out += people.id_fields(laid, text)
    if not any(f.name == "holder_name" for f in out):
        holder = people.addressee(laid, vendor_rows)
        if holder:
            out.append(holder)
    return out


def vendor_line(pages: Sequence[Page]) -> Field | None:
    """The vendor's name where the letterhead shows it on the first page, also when OCR read it unsurely
    (for a second reading of that line), its box on the page as stored."""
    laid = laid_out(pages[:1])
    if not laid:
        return None
    body = statistics.median(w.h for row in laid[0] for w in row.words)
    found = issuers.vendor(laid[0], body, keep_unsure=True)
    return _as_stored(found[0], pages[0]) if found and found[0] else None
