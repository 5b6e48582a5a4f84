"""Write the generated multilingual labelled set (``tests/capture/multilingual.py``) into a folder for
``bench/capture_accuracy.py``: invoices, receipts, payslips and ID cards in six languages, each as a
born-digital PDF and a scanned-looking image, with a JSON of the expected fields beside it.

Usage: .venv/bin/python bench/make_capture_set.py OUTDIR [--per-kind 1] [--seed 2026] [--no-scans]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.capture.multilingual import documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--per-kind", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-scans", action="store_true")
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    count = 0
    for doc in documents(args.per_kind, args.seed, scans=not args.no_scans):
        (args.outdir / f"{doc.name}{doc.suffix}").write_bytes(doc.data)
        (args.outdir / f"{doc.name}.json").write_text(json.dumps(doc.expected, ensure_ascii=False, indent=1))
        count += 1
    print(f"{count} documents written to {args.outdir}")


if __name__ == "__main__":
    main()
