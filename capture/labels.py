"""Field labels ("Net pay", "Policy number", ...) as plain phrases, looked up at word starts.

A phrase is only tried where a word starts with its first word (a dictionary lookup), which is
many times faster than running one big case-insensitive pattern over every character of every
page. Longer phrases are tried first, so "date of birth" wins over "date".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

_NUMBERED = ("number", "no", "nr", "#")
_STRIP = "([{\"'“‘"
_STRIP_END = ":;,.#)]}\"'”’"


def _numbered(*things: str) -> tuple[str, ...]:
    return tuple(f"{thing} {suffix}" for thing in things for suffix in _NUMBERED)


# (field name, value kind, label phrases)
LABELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("company_name", "company", ("company name", "name of company", "name of the company", "registered name")),
    ("policy_number", "code", _numbered("policy")),
    ("account_number", "code", (*_numbered("account", "customer"), "customer id")),
    ("document_number", "code", _numbered("invoice", "receipt", "estimate", "quote", "quotation", "document",
                                          "passport", "licence", "license", "card", "statement",
                                          "certificate", "registration", "company", "order")),
    ("tax_id", "code", ("tax identification number", "tax id", "tax reference", "tax number", "tin", "utr")),
    ("incident_date", "date", ("date of loss", "date of incident", "date of accident", "date of damage",
                               "incident date", "accident date")),
    ("name", "name", ("employee name", "patient name", "customer name", "account holder name",
                      "policyholder name", "policy holder name", "insured name", "claimant name", "full name",
                      "employee", "patient", "policyholder", "policy holder", "account holder", "claimant",
                      "insured person", "insured", "name")),
)
KINDS = {name: kind for name, kind, _ in LABELS}


def _key(word: str) -> str:
    return word.lower().lstrip(_STRIP).rstrip(_STRIP_END)


def _pattern(phrase: str) -> re.Pattern[str]:
    """Words of the phrase with optional spaces or specks between ("Policy:number", "Policyno")."""
    body = r"[\s.:]*".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"{body}(?!\w)", re.I)


def _by_first_word() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    table: dict[str, list[tuple[int, re.Pattern[str], str]]] = {}
    for name, _, phrases in LABELS:
        for phrase in phrases:
            table.setdefault(_key(phrase.split()[0]), []).append((len(phrase), _pattern(phrase), name))
    return {key: [(p, n) for _, p, n in sorted(entries, key=lambda e: -e[0])] for key, entries in table.items()}


_FIRST_WORDS = _by_first_word()


def find_labels(text: str, words: Sequence[str], starts: Sequence[int]) -> Iterator[tuple[str, str, int, int]]:
    """Labels on a page: (field name, value kind, start, end); ``words``/``starts`` index ``text``."""
    reach = 0
    for word, start in zip(words, starts, strict=True):
        candidates = _FIRST_WORDS.get(_key(word))
        if candidates is None or start < reach:
            continue
        at = start + len(word) - len(word.lstrip(_STRIP))
        for pattern, name in candidates:
            match = pattern.match(text, at)
            if match:
                reach = match.end()
                yield name, KINDS[name], match.start(), match.end()
                break
