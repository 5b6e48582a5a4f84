"""Keyset pages of the worklist and the work-items API: walking page after page by cursor gives exactly the
items of the view, in the view's order, none twice and none missing, on SQLite and PostgreSQL; counts cap."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import ValidationFailed
from engine.models import WorkItem
from engine.services import work, work_pages, worklist
from engine.services.auth import Principal
from tests.worklist.seed import insert_items, item_rows, seed_people

TEAM = ("claims_triage", "compliance")


@pytest.fixture
def seeded(ctx) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.write() as session:
        conn = session.connection()
        people = seed_people(conn, now)
        insert_items(conn, item_rows(700, now, people))
    with ctx.read() as session:
        rows = [dict(r._mapping) for r in session.execute(
            select(WorkItem.id, WorkItem.queue, WorkItem.state, WorkItem.assignee_id, WorkItem.due_at,
                   WorkItem.priority))]
    member = people["claims_triage"][0]
    return {"rows": rows, "now": now, "member": Principal(member, "claims_triage-0", ("backoffice",), TEAM),
            "admin": Principal(10_000, "root", ("admin",), ())}


def _key(sort: str):
    def key(r: dict[str, Any]) -> tuple:
        due = (r["due_at"] is None, r["due_at"] or 0)
        return (-r["priority"], *due, r["id"]) if sort == "priority" else (*due, -r["priority"], r["id"])
    return key


def _expected(rows: list[dict[str, Any]], keep, sort: str) -> list[int]:
    chosen = [r for r in rows if r["state"] in ("ready", "claimed") and keep(r)]
    return [r["id"] for r in sorted(chosen, key=_key(sort))]


def _walk(fetch, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(1000):
        rows, cursor = fetch(cursor)
        assert len(rows) <= limit
        seen += [r["id"] for r in rows]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("sort", ["due", "priority"])
@pytest.mark.parametrize("view", ["mine", "queues", "unassigned", "overdue"])
def test_every_tab_pages_through_all_its_items_in_order(ctx, seeded, view: str, sort: str) -> None:
    who, now = seeded["member"], seeded["now"]
    mine = lambda r: r["assignee_id"] == who.user_id  # noqa: E731
    ours = lambda r: r["queue"] in TEAM  # noqa: E731
    keep = {"mine": mine, "queues": ours, "unassigned": lambda r: ours(r) and r["assignee_id"] is None,
            "overdue": lambda r: r["due_at"] is not None and r["due_at"] < now and (mine(r) or ours(r))}[view]
    expected = _expected(seeded["rows"], keep, sort)
    assert expected, "the seed must give every tab some items"

    def fetch(cursor):
        return worklist.worklist_page(ctx, who, worklist.WorklistQuery(view=view, sort=sort, limit=9, after=cursor))
    assert _walk(fetch, 9) == expected
    counts = worklist.worklist_counts(ctx, who)
    assert counts[view] == len(expected)


@pytest.mark.parametrize("sort", ["due", "priority"])
def test_an_admin_sees_every_queue_and_one_queue_by_choice(ctx, seeded, sort: str) -> None:
    admin = seeded["admin"]
    every = _expected(seeded["rows"], lambda r: True, sort)

    def fetch(cursor, queue=None):
        return worklist.worklist_page(ctx, admin, worklist.WorklistQuery(sort=sort, limit=50, after=cursor,
                                                                          queue=queue))
    assert _walk(fetch, 50) == every
    one = _expected(seeded["rows"], lambda r: r["queue"] == "operations", sort)
    assert _walk(lambda c: fetch(c, "operations"), 50) == one


@pytest.mark.parametrize("filters, keep", [
    ({}, lambda r, now: True),
    ({"queue": "operations"}, lambda r, now: r["queue"] == "operations"),
    ({"assignee": "none", "queue": "claims_triage"},
     lambda r, now: r["assignee_id"] is None and r["queue"] == "claims_triage"),
    ({"overdue": True}, lambda r, now: r["due_at"] is not None and r["due_at"] < now),
    ({"overdue": False}, lambda r, now: r["due_at"] is None or r["due_at"] >= now),
    ({"state": "claimed"}, lambda r, now: r["state"] == "claimed"),
])
def test_the_api_pages_by_cursor(ctx, seeded, filters: dict[str, Any], keep) -> None:
    now = seeded["now"]
    expected = _expected(seeded["rows"], lambda r: keep(r, now), "due")

    def fetch(cursor):
        page = work.work_items_page(ctx, work.WorkFilter(limit=40, cursor=cursor, **filters))
        return page["items"], page["next_cursor"]
    assert _walk(fetch, 40) == expected


def test_a_person_unknown_or_a_foreign_cursor_is_answered_plainly(ctx, seeded) -> None:
    assert work.work_items_page(ctx, work.WorkFilter(assignee="nobody-by-this-name")) == \
        {"items": [], "next_cursor": None}
    _rows, cursor = worklist.worklist_page(ctx, seeded["admin"], worklist.WorklistQuery(sort="due", limit=5))
    with pytest.raises(ValidationFailed, match="another sort order"):
        worklist.worklist_page(ctx, seeded["admin"], worklist.WorklistQuery(sort="priority", after=cursor))
    with pytest.raises(ValidationFailed, match="invalid cursor"):
        work.work_items_page(ctx, work.WorkFilter(cursor="not-a-cursor"))


def test_counts_stop_at_the_cap_and_say_so(ctx, seeded) -> None:
    admin = seeded["admin"]
    query = worklist.view_query("queues", admin, seeded["now"])
    with ctx.read() as session:
        capped = work_pages.counts(session, {"all": query}, cap=50)["all"]
        exact = work_pages.counts(session, {"all": query})["all"]
    assert capped == 51 and exact > 50
    assert work_pages.count_label(capped, cap=50) == "50+"
    assert work_pages.count_label(12) == "12" and work_pages.count_label(1001) == "1,000+"


def test_the_http_api_hands_out_next_cursor_and_rejects_a_made_up_one(api, seeded) -> None:
    expected = _expected(seeded["rows"], lambda r: r["queue"] == "compliance", "due")
    first = api.get("/api/v1/work-items?queue=compliance&limit=5").get_json()
    second = api.get(f"/api/v1/work-items?queue=compliance&limit=5&cursor={first['next_cursor']}").get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == expected[:10]
    bad = api.get("/api/v1/work-items?cursor=abc")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["details"] == {"cursor": "use next_cursor from the previous page"}
