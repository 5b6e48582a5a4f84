"""Invoices, receipts, payslips and ID cards in six languages (generated, ``tests/capture/multilingual.py``):
floors on what capture reads from them, the page language detected and OCR run with it, and a look at real
receipts when the shared corpus is present (it stays a benchmark: ``bench/capture_accuracy.py``)."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

import capture
from capture import language
from tests.capture.multilingual import documents, invoice, scanned
from bench.capture_accuracy import normalise

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "receipts-sroie-dev"


def _score(docs: list, results: list[capture.CaptureResult]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    right: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for doc, result in zip(docs, results, strict=True):
        c = result.classification
        types[("right" if c.doc_type == doc.expected["doc_type"] else "wrong") + ("-confident" if c.confident else "")] += 1
        for name, value in doc.expected.items():
            if name in ("doc_type", "language"):
                continue
            expected[name] += 1
            found = result.field(name)
            right[name] += found is not None and normalise(name, found.value) == normalise(name, value)
    return right, expected, types


def test_born_digital_documents_in_six_languages(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    docs = list(documents(per_kind=2, seed=11, scans=False))
    results = [capture.process(doc.data, limits=limits, rules=rules) for doc in docs]
    right, expected, types = _score(docs, results)
    assert types["wrong-confident"] == 0  # never wrong and sure
    assert types["right-confident"] >= 0.95 * len(docs)
    for name, count in expected.items():
        assert right[name] >= 0.9 * count, f"{name}: {right[name]} of {count} right"


def test_language_of_a_page() -> None:
    assert language.detect("Rechnung Nr. 2024-118 vom 3. März 2024, Gesamtbetrag zu zahlen bis zum 2. April")[0] == "de"
    assert language.detect("Factuur voor de levering van bureaustoelen, totaal te betalen binnen dertig dagen")[0] == "nl"
    assert language.detect("TOTAL 12.00") is None  # too little text to say


@pytest.mark.ocr
def test_a_scanned_german_invoice_is_read_in_german(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    """Read with English alone, every umlaut is lost ("Miller Birotechnik"); the page's language is
    detected and the page read again with the German model."""
    page, expected = next(made for made in (invoice("de", random.Random(seed)) for seed in range(100))
                          if made[1]["vendor"].startswith("Müller"))
    data = scanned(page.pdf(), random.Random(3))
    result = capture.process(data, limits=limits, rules=rules)
    assert "Müller" in result.text and "Bürotechnik" in result.text
    assert result.classification.doc_type == "invoice" and result.classification.confident
    total = result.field("total")
    assert total is not None and total.value == expected["total"]
    assert result.field("currency").value == "EUR"  # type: ignore[union-attr]


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.exists(), reason="the shared corpus of real receipts is not here")
def test_real_receipts_through_the_product_path(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    """Two real scanned receipts (SROIE): a right-aligned total and a two-digit-year date, typed receipt."""
    for name in ("001", "013"):
        truth = json.loads((CORPUS / f"{name}.json").read_text())
        result = capture.run_isolated((CORPUS / f"{name}.jpg").read_bytes(), limits, rules)
        assert result.ok, result.error
        assert result.classification.doc_type == "receipt"
        assert normalise("total", result.field("total").value) == normalise("total", truth["total"])  # type: ignore[union-attr]
        assert normalise("document_date", result.field("document_date").value) == normalise(  # type: ignore[union-attr]
            "document_date", truth["date"])
