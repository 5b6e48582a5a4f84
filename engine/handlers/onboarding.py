"""Service handlers of customer onboarding (KYC): watch-list screening (``screening.check``) and account
opening (``accounts.open``).

Screening compares the applicant's name with a sanctions/PEP watch list shipped as reference data in
``processes/onboarding/watchlist.json``. The list is read from disk when a case is screened (re-read when
the file changes), not from the process version the case started on: a case must always be screened
against the newest list.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from engine.bpmn.scripting import ServiceCall, ServiceRegistry
from engine.settings import PROJECT_ROOT

WATCHLIST_DIR = PROJECT_ROOT / "processes" / "onboarding"
WATCHLIST_PATH = WATCHLIST_DIR / "watchlist.json"

# A similarity of 0.85 or more is a possible match that a compliance officer must review. It tolerates one
# or two wrong letters in an ordinary name ("Viktor Krumow" against "Viktor Krumov" scores 0.92) but not a
# different surname ("Viktor Hugo" scores 0.75, "Bastian Schweinsteiger" against "Bastian Oltrogge" 0.58).
# Names from NEAR_THRESHOLD up to the match threshold are no hit, but the risk table
# (onboarding_risk.dmn) asks for an identity check on them.
MATCH_THRESHOLD = 0.85
NEAR_THRESHOLD = 0.75

# Words that do not tell people or companies apart: titles, generational suffixes and legal forms.
NOISE_WORDS = frozenset(
    "mr mrs ms miss dr prof sir dame jr sr the ltd limited llc inc plc gmbh bv nv sa sarl ag co corp company"
    .split())
# Letters that Unicode decomposition leaves alone but that people write without their accent.
SPECIAL_LETTERS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
                                 "ı": "i", "ß": "ss"})


# -- names ------------------------------------------------------------------------------------------------
def name_tokens(name: str) -> list[str]:
    """The words of a name, compared without case, accents, punctuation or noise words."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(SPECIAL_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return [t for t in re.split(r"[\W_]+", text) if t and t not in NOISE_WORDS]


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def similarity(name: str, listed: str) -> float:
    """How alike two names are, 0..1: the better of a token-sort and a token-set comparison.

    Token sort makes word order irrelevant ("Krumov, Viktor"); the token-set part makes extra words on one
    side irrelevant once at least two words agree exactly ("Viktor Ivanovich Krumov" contains the listed
    "Viktor Krumov"), as middle names and second surnames come and go between documents."""
    a, b = name_tokens(name), name_tokens(listed)
    if not a or not b:
        return 0.0
    best = _ratio(" ".join(sorted(a)), " ".join(sorted(b)))
    common = sorted(set(a) & set(b))
    if len(common) >= 2:
        sect = " ".join(common)
        rest_a = " ".join([sect, *sorted(set(a) - set(common))]).strip()
        rest_b = " ".join([sect, *sorted(set(b) - set(common))]).strip()
        best = max(best, _ratio(sect, rest_a), _ratio(sect, rest_b), _ratio(rest_a, rest_b))
    return best


# -- the watch list -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListedParty:
    entry_id: str
    name: str
    aliases: tuple[str, ...]
    list: str
    country: str

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Match:
    party: ListedParty
    matched_name: str
    score: float


class WatchList:
    """The entries of one watch-list file, re-read only when the file changes (checked by mtime and size)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[float, int] | None = None
        self._entries: tuple[ListedParty, ...] = ()
        self.version = ""

    def entries(self) -> tuple[ListedParty, ...]:
        stat = self.path.stat()  # a missing list must fail the screening (an incident), never pass it
        stamp = (stat.st_mtime, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                self._entries = tuple(_party(e) for e in raw["entries"])
                self.version, self._stamp = str(raw.get("version", "")), stamp
            if not self._entries:
                raise ValueError(f"the watch list {self.path} has no entries")
            return self._entries

    def best_match(self, name: str) -> Match | None:
        """The listed name most like ``name`` (primary names and aliases), or None for an empty name."""
        best: Match | None = None
        for party in self.entries():
            for listed in party.names():
                score = similarity(name, listed)
                if best is None or score > best.score:
                    best = Match(party, listed, score)
        return best if best is not None and best.score > 0 else None


def _party(entry: dict[str, Any]) -> ListedParty:
    return ListedParty(str(entry["id"]), str(entry["name"]), tuple(str(a) for a in entry.get("aliases", [])),
                       str(entry["list"]), str(entry.get("country", "")))


def screening_result(watchlist: WatchList, name: str) -> dict[str, Any]:
    """What the process stores as ``screening``: hit, score, and the closest entry when it comes near."""
    match = watchlist.best_match(name)
    score = round(match.score, 3) if match else 0.0
    result: dict[str, Any] = {"name": name, "hit": score >= MATCH_THRESHOLD, "score": score,
                              "threshold": MATCH_THRESHOLD, "match": None, "matched_name": None, "list": None,
                              "entry_id": None, "country": None, "list_version": watchlist.version}
    if match is not None and score >= NEAR_THRESHOLD:
        result.update(match=match.party.name, matched_name=match.matched_name, list=match.party.list,
                      entry_id=match.party.entry_id, country=match.party.country)
    return result


# -- service handlers ------------------------------------------------------------------------------------
class Screening:
    """``screening.check``: parameter ``name`` (required), optional ``watchlist`` (a file name in the
    onboarding process folder ``folder``, for a second list)."""

    def __init__(self, default: Path, folder: Path = WATCHLIST_DIR) -> None:
        self.default, self.folder = default, folder
        self._lists: dict[Path, WatchList] = {}

    def watchlist(self, name: str | None) -> WatchList:
        path = self.folder / Path(name).name if name else self.default  # a file of that folder, no paths
        if path not in self._lists:
            self._lists[path] = WatchList(path)
        return self._lists[path]

    def __call__(self, call: ServiceCall) -> dict[str, Any]:
        name = call.params.get("name")
        if not isinstance(name, str) or not name_tokens(name):
            raise ValueError(f"screening needs the name to screen, got {name!r}")
        result = screening_result(self.watchlist(call.params.get("watchlist")), name)
        call.emit("screening_completed", {k: result[k] for k in ("name", "hit", "score", "match", "list",
                                                                 "entry_id", "list_version")})
        return result


# IBAN-like account numbers: XC is a user-assigned ISO 3166 code, so a demo number is never a real account.
ACCOUNT_COUNTRY = "XC"
BANK_CODE = "CWKS"


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits: the number with ``country`` + ``00`` moved to the end, letters as 10..35,
    taken mod 97, subtracted from 98."""
    digits = "".join(str(int(c, 36)) for c in (bban + country + "00").upper())
    return f"{98 - int(digits) % 97:02d}"


def iban_is_valid(iban: str) -> bool:
    text = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}", text):
        return False
    return int("".join(str(int(c, 36)) for c in text[4:] + text[:4])) % 97 == 1


def account_number(reference: str, country: str = ACCOUNT_COUNTRY, bank: str = BANK_CODE) -> str:
    """The same number for the same case reference every time, so a retried step opens no second account."""
    serial = int(hashlib.sha256(reference.encode()).hexdigest(), 16) % 10**10
    bban = f"{bank}{serial:010d}"
    return f"{country}{iban_check_digits(country, bban)}{bban}"


def open_account(call: ServiceCall) -> dict[str, Any]:
    """``accounts.open``: parameters ``product``, ``holder`` and optionally ``currency``."""
    reference = call.case.get("reference")
    if not reference:
        raise ValueError("an account can only be opened for a case with a reference")
    product = call.params.get("product")
    if not product:
        raise ValueError("accounts.open needs the product to open")
    account = {"account_number": account_number(str(reference)), "product": product,
               "holder": call.params.get("holder"), "currency": call.params.get("currency") or "EUR",
               "opened_at": call.now.isoformat()}
    call.emit("account_opened", {k: account[k] for k in ("account_number", "product", "currency")})
    return account


def register(registry: ServiceRegistry, watchlist: Path | None = None, folder: Path | None = None) -> None:
    """Register ``screening.check`` and ``accounts.open``. The lists are read from ``folder`` (the onboarding
    folder of ``CASEWORKS_PROCESSES``; the shipped one when not given); ``watchlist`` replaces the default list."""
    folder = folder or WATCHLIST_DIR
    registry.register("screening.check", Screening(watchlist or folder / WATCHLIST_PATH.name, folder))
    registry.register("accounts.open", open_account)
