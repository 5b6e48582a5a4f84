"""Labels on visual rows and the values that belong to them: to the right on the same row, else below.

A label is a phrase of a ``vocabulary`` table found as consecutive folded words of a row (or glued
into one word: ``Rechnungsnr.``). Its value is read from the words after it on the row, whatever the
gap, up to the next label; when the row has none, from the next rows under the label (a column
heading with its value beneath, an ID card's "Surname" with the name on the line below).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import dates, money
from .layout import Row
from .model import Box, Word
from .vocabulary import fold


# "Total" as thermal-print OCR misreads it ("lotal", "Iotal", "TotaI"): the label that matters most
_OCR_TOTAL = re.compile(r"^[tli1][o0u][tli][a4][li1](?=$|amt|amount|sales|due)")
_OCR_TOTAL_MARK = re.compile(r"^([TtIl1][Oo0][Tt][Aa4])[!|]")  # "Tota!": the last letter read as a mark


class Lexicon:
    """A table of folded phrases, looked up by their first word (and glued, without spaces)."""

    def __init__(self, *tables: Sequence[str]) -> None:
        self.first: dict[str, list[tuple[str, ...]]] = {}
        for table in tables:
            for phrase in table:
                words = tuple(phrase.split())
                for form in {words, ("".join(words),)}:
                    self.first.setdefault(form[0], []).append(form)
        for forms in self.first.values():
            forms.sort(key=len, reverse=True)

    def find(self, tokens: Sequence[str]) -> Iterator[tuple[int, int]]:
        """(start, end) token spans of phrases, longest first at each place, not overlapping."""
        t = 0
        while t < len(tokens):
            for form in self.first.get(tokens[t], ()):
                if tuple(tokens[t:t + len(form)]) == form:
                    yield t, t + len(form)
                    t += len(form)
                    break
            else:
                t += 1


@dataclass(frozen=True, slots=True)
class Tokens:
    """A row's folded tokens and, for each, the index of the word it came from."""

    tokens: tuple[str, ...]
    owner: tuple[int, ...]

    @staticmethod
    def of(row: Row) -> Tokens:
        """The row's tokens, computed once per row (rows are looked up by many lexicons)."""
        cached = _TOKENS.get(id(row))
        if cached is not None and cached[0] is row:
            return cached[1]
        tokens = Tokens._of(row)
        if len(_TOKENS) > 4096:
            _TOKENS.clear()
        _TOKENS[id(row)] = (row, tokens)
        return tokens

    @staticmethod
    def _of(row: Row) -> Tokens:
        tokens: list[str] = []
        owner: list[int] = []
        for i, word in enumerate(row.words):
            for token in fold(_OCR_TOTAL_MARK.sub(r"\1l", word.text)).split():
                if token in ("1", "l", "i") and tokens and tokens[-1] == "tota":
                    tokens[-1], owner[-1] = "total", i  # "Tota 1": the last letter set apart
                    continue
                tokens.append(_OCR_TOTAL.sub("total", token))
                owner.append(i)
        return Tokens(tuple(tokens), tuple(owner))


_TOKENS: dict[int, tuple[Row, Tokens]] = {}


@dataclass(frozen=True, slots=True)
class Label:
    """A label found on a row: words ``start``..``end`` (exclusive) of ``row``."""

    row: Row
    start: int
    end: int
    text: str

    @property
    def box(self) -> Box:
        return Box.union([w.box for w in self.row.words[self.start:self.end]])


def labels(rows: Iterable[Row], lexicon: Lexicon, *, at_start: bool = False) -> Iterator[Label]:
    """Every label of ``lexicon`` on ``rows``; ``at_start`` keeps only labels opening their row."""
    for row in rows:
        tokens = Tokens.of(row)
        for s, e in lexicon.find(tokens.tokens):
            if at_start and s:
                break
            first, last = tokens.owner[s], tokens.owner[e - 1] + 1
            yield Label(row, first, last, " ".join(tokens.tokens[s:e]))


def label_spans(row: Row, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Word spans of ``lexicon``'s phrases on one row."""
    tokens = Tokens.of(row)
    return [(tokens.owner[s], tokens.owner[e - 1] + 1) for s, e in lexicon.find(tokens.tokens)]


@dataclass(frozen=True, slots=True)
class Value:
    """A value read for a label: the parsed value, the words it was read from, and how it was placed."""

    value: object
    words: tuple[Word, ...]
    below: bool  # read under the label rather than beside it
    currency: str | None = None

    @property
    def box(self) -> Box:
        return Box.union([w.box for w in self.words])

    @property
    def raw(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def conf(self) -> float:
        return min(w.conf for w in self.words) / 100


def joined(words: Sequence[Word]) -> tuple[str, list[int]]:
    """The words' text joined by spaces, and where each word starts in it."""
    starts, parts, at = [], [], 0
    for word in words:
        starts.append(at)
        parts.append(word.text)
        at += len(word.text) + 1
    return " ".join(parts), starts


def words_between(words: Sequence[Word], starts: list[int], s: int, e: int) -> tuple[Word, ...]:
    return tuple(w for w, at in zip(words, starts, strict=True) if at < e and at + len(w.text) > s)


def amounts_in(words: Sequence[Word]) -> list[Value]:
    """Amounts among ``words`` (not percentages, not parts of dates or times)."""
    text, starts = joined(words)
    blocked = [(s, e) for s, e, _ in dates.find_dates(text)]
    found = []
    for s, e, value, currency in money.find_amounts(text):
        if any(bs < e and s < be for bs, be in blocked) or text[e:e + 2].strip().startswith("%"):
            continue
        if text[max(0, s - 1):s] in ("@", "x", "X") or text[e:e + 1] == ":":
            continue
        found.append(Value(value, words_between(words, starts, s, e), False, currency))
    return found


def dates_in(words: Sequence[Word], month_first: bool = False) -> list[Value]:
    text, starts = joined(words)
    return [Value(d, words_between(words, starts, s, e), False)
            for s, e, d in dates.find_dates(text, month_first=month_first)]


def after(label: Label, stops: Sequence[tuple[int, int]] = ()) -> tuple[Word, ...]:
    """The words after ``label`` on its row, up to the next stop label."""
    end = len(label.row.words)
    for s, _ in stops:
        if s >= label.end:
            end = min(end, s)
    return label.row.words[label.end:end]


def under(label: Label, rows: Sequence[Row], depth: int = 2) -> Iterator[tuple[Word, ...]]:
    """The words of the next ``depth`` rows that stand under the label (overlapping it horizontally)."""
    box = label.box
    left, right = box.x - box.w, box.x + 3 * box.w + 200
    for row in rows[label.row.index + 1: label.row.index + 1 + depth]:
        words = tuple(w for w in row.words if w.x < right and w.x + w.w > left)
        if words:
            yield words


def first_amount(words: Sequence[Word]) -> Value | None:
    """The first amount with decimals among ``words``, else none."""
    found = amounts_in(words)
    with_cents = [v for v in found if isinstance(v.value, Decimal) and v.value != v.value.to_integral_value()
                  or "." in v.raw or "," in v.raw]
    chosen = with_cents or found
    return chosen[0] if chosen else None


def as_date(value: Value) -> date:
    assert isinstance(value.value, date)
    return value.value
