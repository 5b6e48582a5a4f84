"""Capture accuracy on labelled documents, through the product's own capture path.

Usage: .venv/bin/python bench/capture_accuracy.py FOLDER [--doc-type receipt] [--jobs 2] [--cache DIR]

FOLDER holds documents (``.pdf``, ``.jpg``, ``.png``, ``.tif``) each beside a ``.json`` of the same stem with the
expected fields: our field names (``total``, ``document_date``, ``vendor``, ``invoice_number``, ``net_pay``, ...)
or the SROIE names (``company`` -> vendor, ``date`` -> document_date, ``address`` -> vendor_address, ``total``),
and optionally ``doc_type``. The expected type is the file's ``doc_type``, else ``--doc-type``, else none (no
classification figures for that file).

Each document goes through ``capture.run_isolated`` (the sandboxed worker pool the engine uses). ``--cache DIR``
is for developers iterating on extraction rules: the pages (OCR word boxes) of each document are kept in DIR
after the first run, and later runs only classify and extract them again (``capture.analyse``, the same
function the product runs after reading the pages). Figures for a report come from a run without ``--cache``.

Printed: per field, expected / found / right, precision, recall and F1; for classification, how many were
right and confident, right but routed to a person, wrong and routed, wrong and confident (the one that hurts).
Values are compared after normalising: amounts as decimals, dates as ISO dates, names and addresses in upper
case without spacing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import capture  # noqa: E402
from capture import values  # noqa: E402

SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic"}
ALIASES = {"company": "vendor", "date": "document_date", "address": "vendor_address"}
TYPE_WORDS = ("receipt", "invoice", "payslip", "id_document", "proof_of_address", "bank_statement")
CACHE_VERSION = "2"


def expected_fields(raw: dict[str, Any]) -> dict[str, str]:
    """The expected values under our field names (SROIE names mapped), type and notes left out."""
    out = {}
    for key, value in raw.items():
        if key in ("doc_type", "language", "notes", "kind") or value in (None, ""):
            continue
        out[ALIASES.get(key, key)] = str(value)
    return out


def normalise(name: str, value: str) -> str | None:
    """A comparable form of a value: amounts as decimals, dates ISO, other text upper case without spaces."""
    text = value.strip()
    if name in ("total", "tax_amount", "net_pay", "gross_pay"):
        number = re.sub(r"^[^\d-]+|[^\d]+$", "", text.split(" ")[0] if " " in text and text[0].isdigit() else text)
        parsed = values.parse_number(number) if number else None
        return f"{parsed:.2f}" if parsed is not None else text
    if name in ("document_date", "date_of_birth", "expiry_date"):
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return text
        found = [d for *_, d in values.find_dates(text)]
        return found[0].isoformat() if found else text
    return re.sub(r"\s+", "", text).upper()


def score(expected: dict[str, str], result: capture.CaptureResult) -> dict[str, tuple[int, int, int]]:
    """Per field the folder expects somewhere: (expected, found, right) for one document."""
    out = {}
    for name in FIELDS_SEEN:
        best = result.field(name)
        want = normalise(name, expected[name]) if name in expected else None
        got = normalise(name, best.value) if best is not None else None
        out[name] = (int(want is not None), int(got is not None), int(want is not None and want == got))
    return out


FIELDS_SEEN: set[str] = set()  # fields some document of the folder expects: only those count as found


def read_document(path: Path, limits: capture.Limits, rules: capture.ClassificationRules,
                  cache: Path | None) -> capture.CaptureResult:
    data = path.read_bytes()
    entry = None
    if cache is not None:
        entry = cache_entry(cache, data)
        if entry.exists() and hasattr(capture, "analyse"):
            pages = capture.CaptureResult.from_dict(json.loads(entry.read_text()))
            classification, fields = capture.analyse(pages.pages, rules)
            return capture.CaptureResult("ok", pages.media_type, pages.pages, classification, fields)
    result = capture.run_isolated(data, limits, rules)
    if entry is not None and result.ok:
        entry.write_text(json.dumps({**result.to_dict(), "fields": [], "classification": {
            "doc_type": "other", "confidence": 0.0, "confident": False, "scores": [], "matched": []}}))
    return result


def cache_entry(cache: Path, data: bytes) -> Path:
    return cache / f"{hashlib.sha256(data).hexdigest()}-{CACHE_TAG[0]}.json"


CACHE_TAG = [CACHE_VERSION]


def expected_type(raw: dict[str, Any], default: str | None) -> str | None:
    return raw.get("doc_type") or default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--doc-type", help="expected type of files whose JSON names none")
    parser.add_argument("--jobs", type=int, default=2, help="documents read at once")
    parser.add_argument("--cache", type=Path, help="developers only: keep and reuse OCR word boxes here")
    parser.add_argument("--cache-tag", default=CACHE_VERSION,
                        help="developers only: which stored readings to use (1: Tesseract alone, as before RapidOCR)")
    parser.add_argument("--cached-only", action="store_true", help="developers only: skip documents not in --cache")
    parser.add_argument("--limit", type=int, default=0, help="read only the first N documents")
    parser.add_argument("--show", action="store_true", help="print every miss")
    args = parser.parse_args()
    docs = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in SUFFIXES and p.with_suffix(".json").exists())
    if args.limit:
        docs = docs[: args.limit]
    if args.cache:
        CACHE_TAG[0] = args.cache_tag
    if args.cached_only and args.cache:
        docs = [p for p in docs if cache_entry(args.cache, p.read_bytes()).exists()]
    if not docs:
        sys.exit(f"{args.folder}: no document with a .json of expected fields beside it")
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
        CACHE_TAG[0] = args.cache_tag
    truth = {p: json.loads(p.with_suffix(".json").read_text()) for p in docs}
    FIELDS_SEEN.update(name for raw in truth.values() for name in expected_fields(raw))
    limits, rules = capture.Limits(), capture.default_rules()
    started = time.perf_counter()
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = dict(zip(docs, pool.map(lambda p: read_document(p, limits, rules, args.cache), docs), strict=True))
    elapsed = time.perf_counter() - started
    report(docs, truth, results, args.doc_type, args.show)
    print(f"\n{len(docs)} documents in {elapsed:.1f} s ({elapsed / len(docs):.2f} s each, {args.jobs} at once)"
          f"{'; pages from the cache where present' if args.cache else ''}")


def report(docs: list[Path], truth: dict[Path, dict[str, Any]], results: dict[Path, capture.CaptureResult],
           default_type: str | None, show: bool) -> None:
    totals: dict[str, list[int]] = {}
    matrix: Counter[str] = Counter()
    failed = 0
    for path in docs:
        result = results[path]
        if not result.ok:
            failed += 1
            print(f"  {path.name}: capture failed: {result.error}")
        expected = expected_fields(truth[path])
        for name, (e, f, r) in score(expected, result).items():
            row = totals.setdefault(name, [0, 0, 0])
            row[0] += e
            row[1] += f
            row[2] += r
            if show and e and not r:
                got = result.field(name)
                print(f"  miss {path.name} {name}: expected {expected[name]!r}, got {got.value if got else None!r}")
        want = expected_type(truth[path], default_type)
        if want:
            c = result.classification
            right = c.doc_type == want
            matrix[("right" if right else "wrong") + ("-and-confident" if c.confident else
                                                       ("-but-routed" if right else "-and-routed"))] += 1
            if show and not (right and c.confident):
                print(f"  type {path.name}: expected {want}, got {c.doc_type} {c.confidence:.2f} "
                      f"{'confident' if c.confident else 'routed'} {c.scores[:3]}")
    print(f"\n{'field':<16}{'expected':>9}{'found':>7}{'right':>7}{'precision':>11}{'recall':>8}{'F1':>8}")
    for name in sorted(totals):
        e, f, r = totals[name]
        p = r / f if f else 0.0
        rc = r / e if e else 0.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        print(f"{name:<16}{e:>9}{f:>7}{r:>7}{p:>10.1%}{rc:>8.1%}{f1:>8.1%}")
    if matrix:
        print("\nclassification")
        for key in ("right-and-confident", "right-but-routed", "wrong-and-routed", "wrong-and-confident"):
            print(f"  {key:<22}{matrix[key]:>5}  {matrix[key] / sum(matrix.values()):6.1%}")
    if failed:
        print(f"\n{failed} documents failed to capture")


if __name__ == "__main__":
    main()
