"""A second OCR engine for photos and till receipts: RapidOCR (PP-OCR models in ONNX, shipped inside the
``rapidocr-onnxruntime`` package, nothing downloaded at run time).

Measured on 105 real receipt scans (``bench/capture_accuracy.py``): Tesseract loses the right-hand
column of amounts on grey thermal paper, RapidOCR reads it; RapidOCR costs 2-5 s of CPU a receipt
against Tesseract's 1-2 s. So it reads only image pages that Tesseract read unsurely and whose text is
English (its recogniser has no accented letters); everything else stays with Tesseract.

Its text boxes are lines; they are cut into words here, each word placed along the line's slanted
box, so the layout code sees words as from Tesseract and measures the skew from them.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from PIL import Image

from .model import Word

_ENGINE: Any = None
# a label glued to its number ("TOTAL69.45", "Receiptno:88213"): small print loses the space between
_GLUED = re.compile(r"(?<!\S)([^\W\d_]{3,}[:.]?)(\d[\d.,]*)(?!\S)")
_LOCK = threading.Lock()
# A page larger than this (a 600 dpi A4 scan is 35 MP) is read shrunk to it: RapidOCR's detector runs on the whole
# image, and at 35 MP it needs more than a capture worker's 2 GiB; at 12 MP printed text is still 20+ px high.
MAX_PIXELS = 12_000_000
_LOAD_LOCK = threading.Lock()


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401, PLC0415 - optional engine, probed once
    except ImportError:
        return False
    return True


def _engine() -> Any:
    """The engine, loaded on first use (about a second; a warm capture worker keeps it)."""
    global _ENGINE
    with _LOAD_LOCK:
        if _ENGINE is None:
            from rapidocr_onnxruntime import RapidOCR  # noqa: PLC0415 - heavy import, only where used

            _ENGINE = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        return _ENGINE


def read_words(image: Image.Image, scale: float) -> list[Word]:
    """Words of ``image`` with boxes in page pixels (``scale`` raster pixels per page pixel)."""
    import numpy  # noqa: PLC0415 - comes with the optional engine

    size = image.width * image.height
    if size > MAX_PIXELS:  # its text detector works on the whole image at full size: memory grows with it
        factor = (MAX_PIXELS / size) ** 0.5
        image = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
        scale *= factor
    pixels = numpy.asarray(image.convert("RGB"))
    engine = _engine()
    with _LOCK:  # one page at a time per process: the engine holds per-call state
        result, _ = engine(pixels)
    words: list[Word] = []
    for line, (quad, text, score) in enumerate(result or ()):
        words.extend(_split(quad, str(text), float(score), line, scale))
    return words


def _split(quad: Any, text: str, score: float, line: int, scale: float) -> list[Word]:
    """A line's text cut at spaces, each word at its share of the line's length along the top edge."""
    (x0, y0), (x1, y1), _, (x3, y3) = ((float(p[0]), float(p[1])) for p in quad)
    height = max(1.0, ((x3 - x0) ** 2 + (y3 - y0) ** 2) ** 0.5)
    length = max(1, len(text))
    out = []
    at = 0
    for part in _GLUED.sub(r"\1 \2", text).split(" "):
        if part:
            a, b = at / length, (at + len(part)) / length
            left, top = x0 + (x1 - x0) * a, y0 + (y1 - y0) * a
            right = x0 + (x1 - x0) * b
            out.append(Word(part, round(left / scale), round(top / scale), max(1, round((right - left) / scale)),
                            round(height / scale), round(score * 100, 1), line))
        at += len(part) + 1
    return out



def read_lines(images: list[Image.Image]) -> list[tuple[str, float]]:
    """The text of each image holding one printed line or word, with RapidOCR's score for it (0-100), in
    order: recognition only, in batches, no text detection (milliseconds a word where a page takes seconds)."""
    import numpy  # noqa: PLC0415 - comes with the optional engine

    if not images:
        return []
    engine = _engine()
    with _LOCK:
        result, _ = engine.text_rec([numpy.asarray(image.convert("RGB")) for image in images])
    return [(str(text), round(float(score) * 100, 1)) for text, score in result]
