"""Plan shape of every worklist view on PostgreSQL at a realistic volume: each page is read by index ranges that
stop at the page size, never a sequential scan of work_items and never a sort; tab counts read at most their cap.

The database is seeded set-based (200,000 work items, 70,000 open, in queues of very different sizes, a quarter
of the open ones claimed by 290 people, so some tens each; one in ten undated) and VACUUM ANALYZEd, so the
planner's choice is the one it makes in production, not one forced by settings. The statements checked are the
ones the service verbs run (recorded as they execute), EXPLAIN ANALYZEd with their own parameters."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from sqlalchemy import event, text

from engine.bootstrap import build
from engine.clock import ManualClock
from engine.services import work, worklist
from engine.services.auth import Principal
from engine.settings import Settings
from tests.conftest import migrated_pg_database, require_pg

pytestmark = pytest.mark.postgres
ITEMS, PAGE = 200_000, 100
QUEUES = ("claims_triage", "operations", "underwriting", "claims_managers", "compliance", "team_leads")
TEAM = ("claims_triage", "compliance")
SEED = f"""
INSERT INTO teams (id, name, queues) SELECT q.n, 'team ' || q.name, jsonb_build_array(q.name)
  FROM unnest(ARRAY{list(QUEUES)}) WITH ORDINALITY AS q(name, n);
INSERT INTO users (id, username, display_name, roles, team_id, active, created_at)
  SELECT g, 'user-' || g, 'User ' || g, '["backoffice"]', 1 + g % 6, true, now() FROM generate_series(1, 300) g;
INSERT INTO work_items (kind, name, title, queue, state, assignee_id, priority, due_at, created_at)
SELECT 'task', 'assess', 'Item ' || g, q.queue, s.state,
       CASE WHEN s.state IN ('claimed', 'completed') THEN 1 + h.a % 290 END,
       (ARRAY[0, 0, 0, 1, 2])[1 + h.p % 5],
       CASE WHEN h.d % 10 = 3 THEN NULL ELSE :now + ((h.d % 400) - 80) * interval '1 hour' END,
       :now - interval '1 day'
FROM generate_series(1, {ITEMS}) g
CROSS JOIN LATERAL (SELECT hashint4(g) & 2147483647 AS q, hashint4(g + 1000003) & 2147483647 AS s,
                           hashint4(g + 2000003) & 2147483647 AS a, hashint4(g + 3000017) & 2147483647 AS p,
                           hashint4(g + 4000037) & 2147483647 AS d) h
CROSS JOIN LATERAL (SELECT (ARRAY['claims_triage', 'claims_triage', 'claims_triage', 'claims_triage', 'operations',
        'operations', 'underwriting', 'claims_managers', 'compliance', 'team_leads'])[1 + h.q % 10] AS queue) q
CROSS JOIN LATERAL (SELECT CASE WHEN h.s % 20 < 7 THEN (CASE WHEN h.s % 4 = 0 THEN 'claimed' ELSE 'ready' END)
                                WHEN h.s % 20 < 18 THEN 'completed' ELSE 'cancelled' END AS state) s;
"""


@pytest.fixture(scope="module")
def big() -> Iterator[Any]:
    require_pg()
    with migrated_pg_database("caseworks_test_plans") as url:
        clock = ManualClock()
        ctx = build(Settings(database_url=url, worker_enabled=False), clock=clock, definitions=[])
        try:
            with ctx.db.write_engine.begin() as conn:
                for statement in SEED.split(";\n"):
                    if statement.strip():
                        conn.execute(text(statement), {"now": clock.now()})
            with ctx.db.write_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) work_items")
            yield ctx
        finally:
            ctx.db.dispose()


class Statements:
    def __init__(self, engine: Any) -> None:
        self.seen: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "work_items" in statement and "work_items.id IN" not in statement and not statement.startswith("EXPLAIN"):
            self.seen.append((statement, params))


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _tree(plan: dict[str, Any], depth: int = 0) -> str:
    """The plan as a short indented outline, for assertion messages."""
    line = "  " * depth + " ".join(str(x) for x in (
        plan["Node Type"], plan.get("Index Name", plan.get("Relation Name", "")), plan.get("Sort Key", ""),
        plan.get("Index Cond", ""), plan.get("Filter", ""), f"rows={plan.get('Actual Rows')}",
        f"removed={plan.get('Rows Removed by Filter', 0)}") if x)
    return "\n".join([line, *(_tree(c, depth + 1) for c in plan.get("Plans", []))])


def _plans(ctx: Any, run) -> list[dict[str, Any]]:
    recorder = Statements(ctx.db.read_engine)
    try:
        run()
    finally:
        event.remove(ctx.db.read_engine, "before_cursor_execute", recorder._record)
    assert recorder.seen, "the view ran no statement on work_items"
    found = []
    with ctx.db.read_engine.connect() as conn:
        for statement, params in recorder.seen:
            raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params).scalar_one()
            found.append((raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"])
    return found


def _assert_index_shaped(plans: list[dict[str, Any]], limit: int) -> None:
    """What makes a page cost its size and not the table's: no sequential scan of work_items, every read of it
    (index range, or the bitmap of one person's few items) bounded by a small multiple of the page, and no sort
    but of such a bounded input (the planner re-sorts a person's few dozen items rather than walk an index)."""
    bound = 4 * limit
    for plan in plans:
        nodes = list(_nodes(plan))
        shown = "\n" + _tree(plan)
        assert not [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "work_items"], shown
        scans = [n for n in nodes if n.get("Relation Name") == "work_items" or "Index Name" in n]
        assert scans, shown
        for scan in scans:
            assert scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0) <= bound, shown
        for sort in (n for n in nodes if "Sort" in n["Node Type"]):
            assert all(child["Actual Rows"] <= bound for child in sort["Plans"]), shown


MEMBER = Principal(1, "user-1", ("backoffice",), TEAM)  # claims_triage (the biggest queue) and compliance
ADMIN = Principal(2, "user-2", ("admin",), ())
VIEWS = [(who, view, sort, queue) for who in (MEMBER, ADMIN) for view in worklist.VIEWS for sort in worklist.SORTS
         for queue in (None, "claims_triage")]


@pytest.mark.parametrize("who, view, sort, queue", VIEWS,
                         ids=[f"{w.username}-{v}-{s}-{q or 'all'}" for w, v, s, q in VIEWS])
def test_every_worklist_tab_is_read_by_index_ranges_that_stop_at_the_page(big, who, view, sort, queue) -> None:
    q = worklist.WorklistQuery(view=view, sort=sort, queue=queue, limit=PAGE)
    rows, cursor = worklist.worklist_page(big, who, q)
    assert rows, f"the seed gives {view} items"
    _assert_index_shaped(_plans(big, lambda: worklist.worklist_page(big, who, q)), PAGE)
    if cursor:  # the next page (a saved position deep in the list) has the same shape
        deeper = worklist.WorklistQuery(view=view, sort=sort, queue=queue, limit=PAGE, after=cursor)
        _assert_index_shaped(_plans(big, lambda: worklist.worklist_page(big, who, deeper)), PAGE)


API = [dict(queue="claims_triage"), dict(), dict(overdue=True), dict(assignee="user-1"),
       dict(assignee="none", queue="claims_triage"), dict(assignee="none"), dict(overdue=False, queue="operations")]


@pytest.mark.parametrize("filters", API, ids=[str(f) for f in API])
def test_every_api_filter_is_read_by_index_ranges(big, filters) -> None:
    page = work.work_items_page(big, work.WorkFilter(limit=PAGE, **filters))
    assert page["items"]
    _assert_index_shaped(_plans(big, lambda: work.work_items_page(big, work.WorkFilter(limit=PAGE, **filters))), PAGE)
    if page["next_cursor"]:
        more = work.WorkFilter(limit=PAGE, cursor=page["next_cursor"], **filters)
        _assert_index_shaped(_plans(big, lambda: work.work_items_page(big, more)), PAGE)


@pytest.mark.parametrize("who", [MEMBER, ADMIN], ids=["member", "admin"])
def test_tab_counts_read_at_most_their_cap(big, who) -> None:
    counts = worklist.worklist_counts(big, who)
    assert counts["queues"] == 1001  # over the cap: shown as "1,000+"
    for plan in _plans(big, lambda: worklist.worklist_counts(big, who)):
        nodes = list(_nodes(plan))
        assert not [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "work_items"]
        for scan in (n for n in nodes if n.get("Relation Name") == "work_items"):
            assert scan["Actual Rows"] <= 1001 and scan.get("Rows Removed by Filter", 0) <= 4 * 1001, scan
