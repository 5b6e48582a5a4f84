"""Plan shape of every worklist view on the embedded SQLite default: each branch is read from an index made for
its view (never a scan of work_items), and "a queue's unassigned items" from the unassigned index, not from the
assignee index walking every unassigned item of every queue (SQLite keeps no statistics to tell them apart).

Seeded set-based (40,000 work items in queues of very different sizes, a quarter of the open ones claimed);
the statements checked are the ones the service verbs run, recorded as they execute."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import event, text

from engine.bootstrap import build
from engine.clock import ManualClock
from engine.services import work, worklist
from engine.services.auth import Principal
from engine.settings import Settings

ITEMS, PAGE = 40_000, 50
TEAM = ("claims_triage", "compliance")
SEED = [
    "INSERT INTO teams (id, name, queues) VALUES (1, 'triage', '[\"claims_triage\", \"compliance\"]')",
    """WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 300)
       INSERT INTO users (id, username, display_name, roles, team_id, active, created_at, session_generation)
       SELECT n, 'user-' || n, 'User ' || n, '["backoffice"]', 1, 1, :now, 0 FROM g""",
    f"""WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {ITEMS}),
       h AS (SELECT n, (n * 2654435761) % 4294967291 AS x FROM g)
       INSERT INTO work_items (kind, name, title, queue, state, assignee_id, priority, due_at, created_at)
       SELECT 'task', 'assess', 'Item ' || n,
              CASE (x / 7) % 10 WHEN 0 THEN 'operations' WHEN 1 THEN 'operations' WHEN 2 THEN 'underwriting'
                          WHEN 3 THEN 'compliance' WHEN 4 THEN 'team_leads' ELSE 'claims_triage' END,
              CASE WHEN x % 20 < 2 THEN 'claimed' WHEN x % 20 < 7 THEN 'ready' ELSE 'completed' END,
              CASE WHEN x % 20 < 2 OR x % 20 >= 7 THEN 1 + (x / 13) % 290 END,
              (x / 3) % 3, CASE WHEN (x / 11) % 10 = 3 THEN NULL ELSE datetime(:now, (((x / 17) % 400) - 80) || ' hours') END,
              :now
       FROM h""",
]
MEMBER = Principal(1, "user-1", ("backoffice",), TEAM)
ADMIN = Principal(2, "user-2", ("admin",), ())


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home: Path = tmp_path_factory.mktemp("sqlite-plans")
    clock = ManualClock()
    ctx = build(Settings(home=home, worker_enabled=False), clock=clock, definitions=[])
    try:
        with ctx.db.write_engine.begin() as conn:
            for statement in SEED:
                conn.execute(text(statement), {"now": clock.now().strftime("%Y-%m-%d %H:%M:%S.000000")})
        yield ctx
    finally:
        ctx.db.dispose()


def _plans(ctx: Any, run: Any) -> list[tuple[str, list[str]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "work_items" in statement:
            seen.append((statement, params))

    event.listen(ctx.db.read_engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(ctx.db.read_engine, "before_cursor_execute", record)
    assert seen, "the view ran no statement on work_items"
    with ctx.db.read_engine.connect() as conn:
        return [(statement, [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)])
                for statement, params in seen]


def _assert_indexed(plans: list[tuple[str, list[str]]], sorted_by_index: bool = True) -> None:
    """No full scan of work_items, no sort right after reading work_items (a sort there means every matching item
    is read to find the first page; the merge of a few bounded branches may sort), and a queue's unassigned items
    read from the unassigned index.

    ``sorted_by_index`` False: overdue items by priority. "Overdue" moves with the clock, so no index holds them
    in priority order; the planner reads the overdue range of the due index (only overdue items) and sorts it."""
    for statement, lines in plans:
        shown = "\n".join(lines)
        assert not [line for line in lines if line.startswith("SCAN work_items") and "INDEX" not in line], shown
        assert not sorted_by_index or not [line for before, line in zip(lines, lines[1:], strict=False)
                    if "TEMP B-TREE" in line and before.split(" USING")[0] in ("SCAN work_items", "SEARCH work_items")], \
            shown
        if "assignee_id IS NULL" in statement and "work_items.queue = ?" in statement:
            assert any("ix_work_items_unassigned_queue" in line for line in lines), shown
            assert not any("ix_work_items_open_assignee" in line for line in lines) or "assignee_id = ?" in statement, \
                shown


VIEWS = [(who, view, sort, queue) for who in (MEMBER, ADMIN) for view in worklist.VIEWS for sort in worklist.SORTS
         for queue in (None, "claims_triage")]


@pytest.mark.parametrize("who, view, sort, queue", VIEWS,
                         ids=[f"{w.username}-{v}-{s}-{q or 'all'}" for w, v, s, q in VIEWS])
def test_every_worklist_tab_is_read_from_its_index_on_sqlite(small_world: Any, who: Principal, view: str, sort: str,
                                                             queue: str | None) -> None:
    q = worklist.WorklistQuery(view=view, sort=sort, queue=queue, limit=PAGE)
    rows, _cursor = worklist.worklist_page(small_world, who, q)
    assert rows, f"the seed gives {view} items"
    _assert_indexed(_plans(small_world, lambda: worklist.worklist_page(small_world, who, q)),
                    sorted_by_index=not (view == "overdue" and sort == "priority"))


@pytest.mark.parametrize("who", [MEMBER, ADMIN], ids=["member", "admin"])
def test_tab_counts_are_read_from_their_indexes_on_sqlite(small_world: Any, who: Principal) -> None:
    counts = worklist.worklist_counts(small_world, who)
    assert counts["unassigned"] == 1001  # over the cap: "1,000+"
    _assert_indexed(_plans(small_world, lambda: worklist.worklist_counts(small_world, who)))


def test_api_unassigned_items_of_a_queue_come_in_due_order_from_the_unassigned_index(small_world: Any) -> None:
    f = work.WorkFilter(queue="claims_triage", assignee="none", limit=PAGE)
    items = work.work_items_page(small_world, f)["items"]
    assert len(items) == PAGE and all(i["assignee"] is None and i["queue"] == "claims_triage" for i in items)
    dated = [i["due_at"] for i in items if i["due_at"]]
    assert dated == sorted(dated)
    _assert_indexed(_plans(small_world, lambda: work.work_items_page(small_world, f)))
