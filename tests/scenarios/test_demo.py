"""The demo loader: users for every role, claims in every state, some overdue work, and safe to run twice."""
from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from typing import Any, Iterator

import pytest

from engine.bootstrap import build
from engine.bpmn.loader import read_process_dir
from engine.clock import ManualClock
from engine.context import Context
from engine.demo import DEMO_USERS, STORIES, load_demo, print_credentials
from engine.services import auth, cases, work
from engine.settings import Settings
from tests.scenarios.claims import CLAIM_DIR


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """One engine for the module: the demo takes seconds to play and the tests only read it."""
    context = build(Settings(home=tmp_path_factory.mktemp("demo")), clock=ManualClock(),
                    definitions=[read_process_dir(CLAIM_DIR)])
    yield context
    context.db.dispose()


@pytest.fixture(scope="module")
def demo(ctx: Context) -> dict[str, Any]:
    return load_demo(ctx)


def test_demo_creates_claims_in_several_states(ctx: Context, demo: dict[str, Any]) -> None:
    assert not demo["skipped"] and len(demo["cases"]) == len(STORIES) >= 24
    assert {"open", "waiting", "closed"} <= set(demo["by_status"])
    views = [cases.get_case(ctx, ref) for ref in demo["cases"]]
    assert Counter(v["status"] for v in views) == Counter(demo["by_status"])
    assert {"paid", "rejected", "abandoned"} <= {v["outcome"] for v in views}
    assert all(v["status_text"] for v in views)
    open_tasks = {t["name"] for v in views for t in v["open_tasks"]}
    assert {"assess", "expedite", "approve_payout", "review_referral"} <= open_tasks
    assert any(v["waiting_for"] == ["documents_received"] for v in views)


def test_demo_has_overdue_and_claimed_work(ctx: Context, demo: dict[str, Any]) -> None:
    overdue = work.list_work_items(ctx, work.WorkFilter(overdue=True))
    assert any(i["name"] == "assess" for i in overdue)
    assert all(i["due_at"] < ctx.clock.now().isoformat() for i in overdue)
    assert work.list_work_items(ctx, work.WorkFilter(queue="team_leads"))
    assert work.list_work_items(ctx, work.WorkFilter(assignee="agent", state="claimed"))


def test_demo_history_is_in_the_past_and_reminders_were_sent(ctx: Context, demo: dict[str, Any]) -> None:
    now = ctx.clock.now().isoformat()
    views = [cases.get_case(ctx, ref) for ref in demo["cases"]]
    assert all(v["created_at"] <= now for v in views)
    oldest = max(s.days_ago for s in STORIES)
    assert min(v["created_at"] for v in views) == (ctx.clock.now() - timedelta(days=oldest)).isoformat()
    reminded = [ref for ref in demo["cases"]
                if sum(e["kind"] == "customer_notified" for e in cases.timeline(ctx, ref)) >= 2
                and cases.get_case(ctx, ref)["status"] == "waiting"]
    assert reminded


def test_demo_credentials_work(ctx: Context, demo: dict[str, Any]) -> None:
    assert {u["username"] for u in demo["users"]} == {u.username for u in DEMO_USERS}
    roles = set()
    for user in demo["users"]:
        who = auth.authenticate_password(ctx, user["username"], user["password"])
        assert auth.authenticate_token(ctx, demo["tokens"][user["username"]]).username == user["username"]
        roles.update(who.roles)
    assert roles == {"admin", "designer", "backoffice", "frontoffice", "integration"}
    assert "team_leads" in auth.principal_for(ctx, "lead").team_queues
    assert auth.principal_for(ctx, "agent").team_queues == ("claims_triage",)


def test_loading_the_demo_twice_skips_the_second_time(ctx: Context, demo: dict[str, Any]) -> None:
    again = load_demo(ctx)
    assert again["skipped"] and again["cases"] == []
    assert len(cases.list_cases(ctx, cases.CaseFilter(limit=200))["items"]) == len(demo["cases"])


def test_the_credentials_print_for_a_terminal(demo: dict[str, Any]) -> None:
    out = io.StringIO()
    print_credentials(demo, out)
    text = out.getvalue()
    assert text.startswith(f"Demo loaded: {len(STORIES)} claims (")
    for user in demo["users"]:
        assert f"password {user['password']}" in text and demo["tokens"][user["username"]] in text
    skipped = io.StringIO()
    print_credentials({"skipped": True}, skipped)
    assert "already loaded" in skipped.getvalue()
