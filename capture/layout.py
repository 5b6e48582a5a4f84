"""Visual lines of a page from its word boxes, the way a person's eye follows them.

OCR engines split a printed line at a wide gap (a label on the left, its amount right-aligned far to
the right) into separate lines or blocks, and a text layer orders words by drawing order. Here words
are regrouped into rows by their vertical position after undoing the page's skew (measured from the
words' own lines), so "Total ......... 36.00" is one row whatever the gap, even on a scan turned by a
degree or two.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .model import Box, Page, Word


@dataclass(frozen=True, slots=True)
class Row:
    """One visual line: its words left to right, and where it stands on the page."""

    index: int
    words: tuple[Word, ...]
    page: int

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return Box.union([w.box for w in self.words])

    @property
    def height(self) -> float:
        return statistics.median(w.h for w in self.words)


_GLUE = re.compile(r"(?<=[^\W\d_]{2})([:：])(?=\S)")


def split_glued(word: Word) -> list[Word]:
    """"Total:36.00" as "Total:" and "36.00" (OCR and some PDFs lose the space after a label's colon),
    each with its share of the box."""
    match = _GLUE.search(word.text)
    if match is None:
        return [word]
    cut = match.end()
    left_w = max(1, round(word.w * cut / len(word.text)))
    return [Word(word.text[:cut], word.x, word.y, left_w, word.h, word.conf, word.line),
            Word(word.text[cut:], word.x + left_w, word.y, max(1, word.w - left_w), word.h, word.conf, word.line)]


def skew(words: Sequence[Word]) -> float:
    """Slope (dy per dx) of the page's text lines: the median over OCR lines of three or more words."""
    slopes = []
    by_line: dict[int, list[Word]] = {}
    for word in words:
        by_line.setdefault(word.line, []).append(word)
    for line in by_line.values():
        if len(line) < 3:
            continue
        first, last = line[0], line[-1]
        dx = (last.x + last.w / 2) - (first.x + first.w / 2)
        if dx > 4 * first.h:
            slopes.append(((last.y + last.h / 2) - (first.y + first.h / 2)) / dx)
    return statistics.median(slopes) if slopes else 0.0


def rows(page: Page) -> list[Row]:
    """The page's words grouped into visual rows, top to bottom, each left to right."""
    words = [part for w in page.words if w.text.strip() for part in split_glued(w)]
    if not words:
        return []
    slope = max(-0.1, min(0.1, skew(words)))

    def level(w: Word) -> float:
        return (w.y + w.h / 2) - slope * (w.x + w.w / 2)

    ordered = sorted(words, key=level)
    groups: list[list[Word]] = []
    centre = height = 0.0  # running mean level and mean word height of the row being built
    for word in ordered:
        y = level(word)
        if groups and abs(y - centre) <= 0.45 * max(height, word.h):
            group = groups[-1]
            group.append(word)
            centre += (y - centre) / len(group)
            height += (word.h - height) / len(group)
            continue
        groups.append([word])
        centre, height = y, float(word.h)
    return [Row(i, _join_split_cents(sorted(group, key=lambda w: w.x)), page.number) for i, group in enumerate(groups)]


_UNITS = re.compile(r"[-~]?(?:[^\W\d_]{1,3})?\d{1,9}[.,]")
_CENTS = re.compile(r"\d{2}")


def _join_split_cents(words: list[Word]) -> tuple[Word, ...]:
    """"11." "80" as "11.80": OCR of till paper often opens a gap after the decimal point. Joined only when
    the cents follow closely (within a word height) and end the row, where amounts stand ("1. 20 pens" is a
    numbered line, not 1.20)."""
    out: list[Word] = []
    for i, word in enumerate(words):
        prev = out[-1] if out else None
        if (prev is not None and _CENTS.fullmatch(word.text) and _UNITS.fullmatch(prev.text)
                and word.x - (prev.x + prev.w) <= max(prev.h, word.h)
                and i == len(words) - 1):
            right = max(prev.x + prev.w, word.x + word.w)
            top = min(prev.y, word.y)
            out[-1] = Word(prev.text + word.text, prev.x, top, right - prev.x,
                           max(prev.y + prev.h, word.y + word.h) - top, min(prev.conf, word.conf), prev.line)
            continue
        out.append(word)
    return tuple(out)


def turn_box(box: Box, turn: int, width: int, height: int) -> Box:
    """``box`` on a ``width`` x ``height`` page, as it stands once the page is turned ``turn`` degrees clockwise."""
    x, y, w, h = box
    if turn == 90:
        return Box(height - y - h, x, h, w)
    if turn == 180:
        return Box(width - x - w, height - y - h, w, h)
    if turn == 270:
        return Box(y, width - x - w, h, w)
    return box


def unturn_box(box: Box, turn: int, width: int, height: int) -> Box:
    """The inverse of ``turn_box``: a box of the upright page back on the page as stored."""
    if turn in (90, 270):
        return turn_box(box, 360 - turn, height, width)
    return turn_box(box, turn, width, height)


def upright(page: Page) -> Page:
    """The page with its words placed as a reader sees them once the page is turned upright."""
    turn = page.orientation % 360
    if turn == 0:
        return page
    words = tuple(Word(w.text, *turn_box(w.box, turn, page.width, page.height), w.conf, w.line) for w in page.words)
    width, height = (page.height, page.width) if turn in (90, 270) else (page.width, page.height)
    return replace(page, words=words, width=width, height=height)
