"""Document type from weighted phrases in a rules file a process designer edits (TOML or JSON).

Each phrase found counts its weight once; negative phrases subtract. The confidence combines
how strong the evidence is (best score against ``saturation``) with how clearly it beats the
runner-up, so two types scoring alike, or one scoring weakly, are never a confident guess.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import RulesError
from .model import Classification

_TYPE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOP_KEYS = {"threshold", "saturation", "types"}
_TYPE_KEYS = {"keywords", "negative", "description"}


@dataclass(frozen=True, slots=True)
class TypeRule:
    """The phrases (lower case) that speak for and against one document type."""

    name: str
    keywords: tuple[tuple[str, float], ...]
    negative: tuple[tuple[str, float], ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class ClassificationRules:
    """Validated classification rules; build with ``load_rules`` or ``ClassificationRules.from_mapping``."""

    types: tuple[TypeRule, ...]
    threshold: float = 0.6  # confidence below which a person must check the type
    saturation: float = 6.0  # a score at or above this is full evidence
    source: str = "<rules>"

    @staticmethod
    def from_mapping(data: Mapping[str, Any], source: str = "<rules>") -> ClassificationRules:
        """Validate plain data (a parsed rules file); errors name ``source`` and the entry."""
        return _parse(data, source)

    def to_dict(self) -> dict[str, Any]:
        """The rules as plain data, ``from_mapping`` round-trips it (e.g. to a sandboxed worker)."""
        return {
            "threshold": self.threshold,
            "saturation": self.saturation,
            "types": {
                rule.name: {"description": rule.description, "keywords": dict(rule.keywords),
                            "negative": dict(rule.negative)}
                for rule in self.types
            },
        }


def load_rules(path: str | Path) -> ClassificationRules:
    """Read and validate a rules file (``.toml`` or ``.json``); a ``RulesError`` names file and entry."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise RulesError(f"{path}: cannot read the rules file: {err.strerror}") from err
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise RulesError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'TOML'}: {err}") from err
    return _parse(data, str(path))


def default_rules() -> ClassificationRules:
    """The rules shipped with capture (``capture/rules/classification.toml``)."""
    ref = resources.files("capture") / "rules" / "classification.toml"
    with resources.as_file(ref) as path:
        return load_rules(path)


def _parse(data: Any, source: str) -> ClassificationRules:
    if not isinstance(data, Mapping):
        raise RulesError(f"{source}: the rules must be a table of settings and 'types'")
    _reject_unknown(data, _TOP_KEYS, source, "top level")
    threshold = _number(data.get("threshold", 0.6), source, "threshold", low=0.0, high=1.0)
    saturation = _number(data.get("saturation", 6.0), source, "saturation", low=0.0)
    types = data.get("types")
    if not isinstance(types, Mapping) or not types:
        raise RulesError(f"{source}: 'types' must be a non-empty table of document types")
    rules = tuple(_parse_type(name, spec, source) for name, spec in types.items())
    return ClassificationRules(rules, threshold, saturation, source)


def _parse_type(name: Any, spec: Any, source: str) -> TypeRule:
    where = f"types.{name}"
    if not isinstance(name, str) or not _TYPE_NAME.fullmatch(name):
        raise RulesError(f"{source}: {where}: a type name is lower case letters, digits and '_'")
    if name == "other":
        raise RulesError(f"{source}: {where}: 'other' is what matches nothing; it takes no rules")
    if not isinstance(spec, Mapping):
        raise RulesError(f"{source}: {where}: expected a table with 'keywords' (and 'negative')")
    _reject_unknown(spec, _TYPE_KEYS, source, where)
    keywords = _phrases(spec.get("keywords"), source, f"{where}.keywords")
    if not keywords:
        raise RulesError(f"{source}: {where}.keywords: give at least one phrase with a weight")
    negative = _phrases(spec.get("negative", {}), source, f"{where}.negative")
    both = {p for p, _ in keywords} & {p for p, _ in negative}
    if both:
        raise RulesError(f"{source}: {where}: {sorted(both)[0]!r} is both a keyword and a negative")
    description = spec.get("description", "")
    if not isinstance(description, str):
        raise RulesError(f"{source}: {where}.description: expected text")
    return TypeRule(name, keywords, negative, description)


def _phrases(value: Any, source: str, where: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, Mapping):
        raise RulesError(f'{source}: {where}: expected a table of "phrase" = weight')
    phrases: dict[str, float] = {}
    for phrase, weight in value.items():
        entry = f"{where}[{phrase!r}]"
        normal = str(phrase).strip().lower() if str(phrase).startswith("@") else normalize(str(phrase)).strip()
        if not normal:
            raise RulesError(f"{source}: {entry}: the phrase is empty")
        if normal in phrases:
            raise RulesError(f"{source}: {entry}: the phrase appears twice (case, spaces and punctuation ignored)")
        phrases[normal] = _number(weight, source, entry, low=0.0)
    return tuple(phrases.items())


def _number(value: Any, source: str, where: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{source}: {where}: expected a number, got {value!r}")
    if value <= low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"greater than {low}"
        raise RulesError(f"{source}: {where}: must be {bound}, got {value!r}")
    return float(value)


def _reject_unknown(data: Mapping[str, Any], allowed: set[str], source: str, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RulesError(
            f"{source}: {where}: unknown key {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})"
        )


_NON_WORD = re.compile(r"[^\w'’&+]+")


def normalize(text: str) -> str:
    """Lower case words without accents separated by single spaces, padded, so a phrase is a substring search.

    Punctuation and line breaks become spaces on both sides (text and phrase), which makes
    "Net pay:" match "net pay" and keeps matching at C speed on hundreds of pages; accents are
    dropped on both sides because OCR drops or misreads them ("Fälligkeit", "Falligkeit").
    """
    lowered = text.lower()
    if not lowered.isascii():
        lowered = "".join(ch for ch in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(ch))
    return f" {_NON_WORD.sub(' ', lowered).strip()} "


@lru_cache(maxsize=4096)
def _needle(phrase: str) -> str:
    return normalize(phrase)


def _has(phrase: str, words: str, cues: frozenset[str]) -> bool:
    return phrase in cues if phrase.startswith("@") else _needle(phrase) in words


def classify(text: str, rules: ClassificationRules, cues: frozenset[str] = frozenset()) -> Classification:
    """The most likely type of a document with this text, and how sure we are.

    ``cues`` are what capture measured beyond the words (``@mrz``, ``@narrow_page``, ...; see the
    rules file); a rule phrase starting with ``@`` counts when its cue is present.
    """
    words = normalize(text)
    scored: list[tuple[float, str, tuple[str, ...]]] = []
    for rule in rules.types:
        found = tuple(p for p, _ in rule.keywords if _has(p, words, cues))
        chosen = set(found)
        score = sum(w for p, w in rule.keywords if p in chosen)
        score -= sum(w for p, w in rule.negative if _has(p, words, cues))
        scored.append((float(max(score, 0.0)), rule.name, found))
    scored.sort(key=lambda s: s[0], reverse=True)
    scores = tuple((name, round(score, 2)) for score, name, _ in scored)
    best, runner_up = scored[0][0], (scored[1][0] if len(scored) > 1 else 0.0)
    if best <= 0:
        return Classification("other", 0.0, False, scores)
    confidence = round(min(1.0, best / rules.saturation) * best / (best + runner_up), 3)
    return Classification(scored[0][1], confidence, confidence >= rules.threshold, scores, scored[0][2])
