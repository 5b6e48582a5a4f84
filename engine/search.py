"""Full-text search over cases, interactions and document text: SQLite FTS5 or PostgreSQL tsvector + GIN.

One logical table ``search_entries(kind, ref, case_id, title, body)`` (created by migration 0002 in the
dialect's own way); callers index an entry with ``index`` and query with ``search``. User input is never
passed through as query syntax: it is split into words, each quoted (FTS5) or sanitized (tsquery), all must
match, and the last word matches as a prefix so "CLM-2026-00" finds the case while typing.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12


@dataclass(frozen=True)
class Hit:
    kind: str
    ref: str
    case_id: int | None
    title: str
    snippet: str
    rank: float


def flatten(value: Any) -> Iterable[str]:
    """Searchable words of a JSON value (case data): strings and numbers, keys left out."""
    if isinstance(value, dict):
        for item in value.values():
            yield from flatten(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from flatten(item)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield str(value)


def fold(value: str) -> str:
    """Accents off ("Özdemir" -> "Ozdemir"), so a name typed on any keyboard finds it, on both backends."""
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def index(session: Session, kind: str, ref: str, case_id: int | None, title: str, body: str) -> None:
    """Add or replace the entry (kind, ref). The body also holds the accent-folded title."""
    folded_title = fold(title)
    body = fold(body) if folded_title == title else f"{fold(body)} {folded_title}"
    params = {"kind": kind, "ref": ref, "case_id": case_id, "title": title, "body": body}
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            "INSERT INTO search_entries (kind, ref, case_id, title, body) VALUES (:kind, :ref, :case_id, :title, :body)"
            " ON CONFLICT (kind, ref) DO UPDATE SET case_id = excluded.case_id, title = excluded.title,"
            " body = excluded.body"), params)
    else:
        # FTS5 has no index on (kind, ref): deleting by them would scan the whole table on every write. The
        # entry's rowid is derived from (kind, ref) instead, so one INSERT OR REPLACE updates it in place.
        conn.execute(text("INSERT OR REPLACE INTO search_entries (rowid, kind, ref, case_id, title, body)"
                          " VALUES (:rowid, :kind, :ref, :case_id, :title, :body)"), {**params, "rowid": _rowid(kind, ref)})


def _rowid(kind: str, ref: str) -> int:
    """A stable 62-bit id for (kind, ref): collisions are as likely as in a 62-bit random draw."""
    return int.from_bytes(hashlib.sha256(f"{kind}\0{ref}".encode()).digest()[:8], "big") >> 2


def words(query: str) -> list[str]:
    return WORD.findall(fold(query))[:MAX_WORDS]


def search(session: Session, query: str, limit: int = 20, kinds: tuple[str, ...] | None = None,
           titles_only: bool = False) -> list[Hit]:
    """Ranked hits; ``titles_only`` matches the words in titles alone (a case's title is its reference, the
    customer's name and its type: what the desk looks a customer up by)."""
    terms = words(query)
    if not terms:
        return []
    conn = session.connection()
    wanted = limit * 3 if kinds else limit
    rows: Iterable[Row[Any]]
    if conn.dialect.name == "postgresql":
        tsquery = _tsquery(terms, "A" if titles_only else "")
        statement = _PG_TITLES if titles_only else _PG_SEARCH
        rows = conn.execute(text(statement), {"q": tsquery, "limit": wanted, "pool": RANK_POOL}) if tsquery else []
    else:
        fts = _fts_query(terms)
        statement = _FTS_TITLES if titles_only else _FTS_SEARCH
        rows = conn.execute(text(statement), {"q": f"title : ({fts})" if titles_only else fts, "limit": wanted})
    hits = [Hit(r.kind, r.ref, int(r.case_id) if r.case_id is not None else None, r.title, r.snippet,
                float(r.rank)) for r in rows]
    if kinds:
        hits = [h for h in hits if h.kind in kinds]
    return hits[:limit]


# The last word is read as a prefix (type-ahead: "Jans" finds Jansen) once it has this many letters; "ab" as a
# prefix matches half the index and tells nothing, so one or two letters match that word only.
PREFIX_MIN = 3


def _fts_query(terms: list[str]) -> str:
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
    if len(terms[-1]) >= PREFIX_MIN:
        quoted[-1] += "*"
    return " ".join(quoted)


def _tsquery(terms: list[str], weight: str = "") -> str:
    cleaned = [re.sub(r"[^\w]", "", t) for t in terms]
    cleaned = [t for t in cleaned if t]
    if not cleaned:
        return ""
    suffix = f":{weight}" if weight else ""
    last = cleaned[-1] + (":*" + weight if len(cleaned[-1]) >= PREFIX_MIN else suffix)
    return " & ".join([t + suffix for t in cleaned[:-1]] + [last])


# bm25 weights per column: kind, ref, case_id (unindexed), title counts more than body.
_FTS_SEARCH = """
SELECT kind, ref, case_id, title, snippet(search_entries, 4, '[', ']', '…', 16) AS snippet,
       bm25(search_entries, 0, 0, 0, 4.0, 1.0) AS rank
FROM search_entries WHERE search_entries MATCH :q ORDER BY rank LIMIT :limit
"""

# A word that a million entries share (a common surname) must not make every search rank them all: the newest
# RANK_POOL matches (by case, through ix_search_entries_case) are ranked, the page is the best of those. A query
# matching fewer entries (any precise one) is ranked over all its matches; the planner picks the GIN index then.
RANK_POOL = 100

# Every word in the title: equally good matches, the newest case first (what a desk agent most likely wants).
_PG_TITLES = """
SELECT kind, ref, case_id, title, '' AS snippet, 0 AS rank
FROM search_entries, to_tsquery('simple', :q) AS q WHERE tsv @@ q ORDER BY case_id DESC LIMIT :limit
"""
_FTS_TITLES = """
SELECT kind, ref, case_id, title, '' AS snippet, 0 AS rank
FROM search_entries WHERE search_entries MATCH :q ORDER BY case_id DESC LIMIT :limit
"""

_PG_SEARCH = """
SELECT kind, ref, case_id, title,
       ts_headline('simple', body, q, 'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=1') AS snippet,
       -ts_rank(tsv, q) AS rank
FROM (SELECT kind, ref, case_id, title, body, tsv FROM search_entries, to_tsquery('simple', :q) AS q
      WHERE tsv @@ q ORDER BY case_id DESC LIMIT :pool) AS pool, to_tsquery('simple', :q) AS q
ORDER BY rank LIMIT :limit
"""
