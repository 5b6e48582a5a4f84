"""A second look at the issuer's name on a scanned page, as a person leans in to read the letterhead.

The name is a few words of large print, often made-up or foreign words that Tesseract's language model
"corrects" into dictionary words, with confidence ("SANYU" read as "SANYO" at 95, "ISNI" as "ISNT", "TEO" as
"TED"). RapidOCR (``capture.rapid``: models shipped in its package) reads such cropped words better. So on
scanned pages each word of the line the vendor was found on is read again by RapidOCR's recogniser alone
(no text detection: about 0.1 s of CPU for a name, against 1-2 s for reading a receipt), and its reading
replaces Tesseract's where it is surer and is the same word with a letter or two different (never a word
of another length, never most of its letters). Words Tesseract read with accented letters are left alone:
RapidOCR's recogniser has none. Measured on the 105 SROIE receipts: 6 names mended, none spoiled.
"""

from __future__ import annotations

import re
from dataclasses import replace

from PIL import Image

from . import rapid
from .model import Box, Field, Page, Word, join_words

SURE = 90.0  # RapidOCR score (0-100) under which its reading of a word is never preferred to Tesseract's
PAD = 0.2  # margin around a word's box, in word heights, so no stroke of it is cut
_ALNUM = re.compile(r"[^\W_]")


def reread_vendor(page: Page, image: Image.Image, scale: float, vendor: Field) -> Page:
    """``page`` with the words of the vendor's name replaced by RapidOCR's reading of each where that is
    surer and differs in single letters only; the page itself when nothing changed. ``image`` is the
    raster the page was read from (``scale`` raster pixels per page pixel), as stored (not turned upright)."""
    if page.source != "ocr" or not rapid.available():
        return page
    chosen = [(i, w) for i, w in enumerate(page.words)
              if _inside(w.box, vendor.box) and w.text.isascii() and len(_ALNUM.findall(w.text)) >= 2]
    readings = rapid.read_lines([_crop(page, image, scale, w.box) for _, w in chosen])
    mended: dict[int, Word] = {}
    for (i, word), (again, score) in zip(chosen, readings, strict=True):
        if score < max(SURE, word.conf) or not again.isascii():
            continue
        text = _mend(word.text, again)
        if text is not None:
            mended[i] = word._replace(text=text, conf=score)
    if not mended:
        return page
    words = tuple(mended.get(i, w) for i, w in enumerate(page.words))
    return replace(page, words=words, text=join_words(words))


def _crop(page: Page, image: Image.Image, scale: float, box: Box) -> Image.Image:
    """The word's box on the raster with a margin, turned upright."""
    pad = round(PAD * min(box.w, box.h))
    left, top = max(0, box.x - pad), max(0, box.y - pad)
    right, bottom = min(page.width, box.x + box.w + pad), min(page.height, box.y + box.h + pad)
    crop = image.crop((round(left * scale), round(top * scale), round(right * scale), round(bottom * scale)))
    return crop.rotate(-(page.orientation % 360), expand=True) if page.orientation % 360 else crop


def _mend(printed: str, again: str) -> str | None:
    """``printed`` (Tesseract's word) with the letters RapidOCR read differently put in, in the printed case,
    its punctuation kept; None when the two are not the same word with a letter or two different."""
    first, second = _ALNUM.findall(printed), _ALNUM.findall(again)
    if len(first) != len(second):
        return None  # a letter more or less: another cut of the line, not a misread letter
    changed = sum(a.upper() != b.upper() for a, b in zip(first, second, strict=True))
    if not changed or changed > max(1, len(first) // 3):
        return None
    letters = iter(zip(first, second, strict=True))
    out = []
    for c in printed:
        if not _ALNUM.fullmatch(c):
            out.append(c)
            continue
        a, b = next(letters)
        out.append(a if a.upper() == b.upper() else (b if not a.isalpha() else b.lower() if a.islower() else b.upper()))
    return "".join(out)


def _inside(word: Box, box: Box) -> bool:
    """The word's centre lies in the box."""
    cx, cy = word.x + word.w / 2, word.y + word.h / 2
    return box.x <= cx <= box.x + box.w and box.y <= cy <= box.y + box.h
