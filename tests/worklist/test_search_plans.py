"""Search at volume on PostgreSQL: the desk's "newest first" search reads a page's worth of entries whether the
word is a common surname or matches nobody (with default statistics a rare word was searched by walking every
entry newest first: 0.85 s at a million cases). Seeded set-based (120,000 entries, a few very common surnames,
many rare words) and ANALYZEd with the product's own statistics settings (migration 0011)."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from sqlalchemy import event, text

from engine import search
from engine.db import connect
from engine.settings import Settings
from tests.conftest import migrated_pg_database, require_pg

pytestmark = pytest.mark.postgres
ENTRIES = 120_000
SEED = f"""
INSERT INTO search_entries (kind, ref, case_id, title, body)
SELECT 'case', 'CLM-2026-' || lpad(g::text, 6, '0'), g,
       'CLM-2026-' || lpad(g::text, 6, '0') || ' ' || (ARRAY['Anna', 'Mary', 'Piet', 'Sofia', 'Jan'])[1 + g % 5] || ' '
       || CASE WHEN g % 3 = 0 THEN (ARRAY['Jansen', 'Smith', 'Garcia'])[1 + g % 7 % 3]
               ELSE 'Name' || md5(g::text) END || ' claim',
       'Water damage in the kitchen, reported by phone; note ' || md5((g * 7)::text)
FROM generate_series(1, {ENTRIES}) g
"""


@pytest.fixture(scope="module")
def db() -> Iterator[Any]:
    require_pg()
    with migrated_pg_database("caseworks_test_search") as url:
        database = connect(Settings(database_url=url))
        try:
            with database.write_engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE search_entries DROP CONSTRAINT search_entries_case_id_fkey")
                conn.execute(text(SEED))
            with database.write_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE search_entries")
            yield database
        finally:
            database.dispose()


def _entries_read(database: Any, query: str, titles_only: bool) -> tuple[int, list[search.Hit], str]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "search_entries" in statement:
            seen.append((statement, params))

    event.listen(database.read_engine, "before_cursor_execute", record)
    try:
        with database.read_sessions() as session:
            hits = search.search(session, query, 20, titles_only=titles_only)
    finally:
        event.remove(database.read_engine, "before_cursor_execute", record)
    assert len(seen) == 1
    with database.read_engine.connect() as conn:
        raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + seen[0][0], seen[0][1]).scalar_one()
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
    nodes, stack = [], [plan]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    read = sum(n.get("Actual Rows", 0) * n.get("Actual Loops", 1) + n.get("Rows Removed by Filter", 0)
               for n in nodes if n.get("Relation Name") == "search_entries")
    return read, hits, json.dumps(plan, indent=1)[:3000]


@pytest.mark.parametrize("query", ["Zzyzx", "Nobody Here", "x", "ab", "qqq"])
@pytest.mark.parametrize("titles_only", [True, False], ids=["desk", "search"])
def test_a_word_that_matches_nobody_reads_almost_nothing(db: Any, query: str, titles_only: bool) -> None:
    read, hits, plan = _entries_read(db, query, titles_only)
    assert hits == []
    assert read <= 1000, plan


@pytest.mark.parametrize("titles_only", [True, False], ids=["desk", "search"])
def test_a_common_surname_fills_its_page_newest_first_from_a_page_of_entries(db: Any, titles_only: bool) -> None:
    read, hits, plan = _entries_read(db, "Jansen", titles_only)
    assert len(hits) == 20
    if titles_only:
        assert [h.case_id for h in hits] == sorted((h.case_id for h in hits), reverse=True)
        assert hits[0].case_id is not None and hits[0].case_id > ENTRIES - 100  # the newest Jansens
    assert read <= 5000, plan


def test_a_short_last_word_is_a_word_not_a_prefix(db: Any) -> None:
    assert search._tsquery(["Jan"]) == "Jan:*" and search._tsquery(["Ja"]) == "Ja"
    _read, hits, _plan = _entries_read(db, "Jan", titles_only=True)
    assert hits and all("Jan" in h.title for h in hits)  # Jan, and Jansen as a prefix
