"""The demo loader: users for every role, claims in every state, some overdue work, and safe to run twice; with
all three processes loaded, the onboarding and loan applications too, on the same demo clock."""
from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from typing import Any, Iterator

import pytest

from engine.context import Context
from webapp.demo import DEMO_USERS, STORIES, load_demo, print_credentials
from webapp.demo.loans import LOAN_DEMO_USERS
from webapp.demo.loans import STORIES as LOAN_STORIES
from webapp.demo.onboarding import ONBOARDING_USERS
from webapp.demo.onboarding import STORIES as ONBOARDING_STORIES
from engine.services import auth, cases, work
from tests.processcheck import CLAIM_DIR, case_states, combined_demo, engine_for


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """One engine for the module, with the claim process only: the demo takes seconds to play and the tests
    only read it."""
    with engine_for(tmp_path_factory.mktemp("demo"), CLAIM_DIR) as context:
        yield context


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
    # the stories' cases and the one request that waits for a duplicate-customer decision
    assert len(cases.list_cases(ctx, cases.CaseFilter(limit=200))["items"]) == len(demo["cases"]) + 1


def test_the_credentials_print_for_a_terminal(demo: dict[str, Any]) -> None:
    out = io.StringIO()
    print_credentials(demo, out)
    text = out.getvalue()
    assert text.startswith(f"Demo loaded: {len(STORIES)} cases ({len(STORIES)} claim): ")
    for user in demo["users"]:
        assert f"password {user['password']}" in text and demo["tokens"][user["username"]] in text
    skipped = io.StringIO()
    print_credentials({"skipped": True}, skipped)
    assert "already loaded" in skipped.getvalue()


@pytest.fixture(scope="module")
def combined() -> tuple[Context, dict[str, Any]]:
    """The demo with all three processes loaded, as ``caseworks demo`` loads it from the processes folder."""
    return combined_demo()


def test_the_combined_demo_has_cases_of_all_three_types(combined: tuple[Context, dict[str, Any]]) -> None:
    everything, demo = combined
    stories = {"claim": STORIES, "onboarding": ONBOARDING_STORIES, "loan": LOAN_STORIES}
    assert not demo["skipped"] and {t: len(refs) for t, refs in demo["by_type"].items()} == {
        t: len(s) for t, s in stories.items()}
    assert demo["cases"] == [ref for refs in demo["by_type"].values() for ref in refs]
    views = [cases.get_case(everything, ref) for ref in demo["cases"]]
    assert [v["case_type"] for v in views] == [t for t, refs in demo["by_type"].items() for _ in refs]
    assert Counter(v["status"] for v in views) == Counter(demo["by_status"])
    assert all(v["status_text"] and v["incident"] is None for v in views)
    for case_type in stories:  # every process has cases open, waiting and closed
        assert {v["status"] for v in views if v["case_type"] == case_type} == {"open", "waiting", "closed"}
    listed = cases.list_cases(everything, cases.CaseFilter(limit=200))["items"]
    assert len(listed) == len(demo["cases"]) + 1  # and the request waiting for a duplicate-customer decision


def test_the_combined_demo_is_played_in_the_past_with_overdue_work(combined: tuple[Context, dict[str, Any]]) -> None:
    everything, demo = combined
    now = everything.clock.now()
    created = [cases.get_case(everything, ref)["created_at"] for ref in demo["cases"]]
    oldest = max(s.days_ago for s in (*STORIES, *ONBOARDING_STORIES, *LOAN_STORIES))
    assert max(created) <= now.isoformat() and min(created) == (now - timedelta(days=oldest)).isoformat()
    overdue = work.list_work_items(everything, work.WorkFilter(overdue=True))
    assert any(i["name"] == "assess" for i in overdue)
    assert all(i["due_at"] < now.isoformat() for i in overdue)
    queues = {"claims_triage", "team_leads", "claims_managers", "compliance", "operations", "underwriting",
              "credit_committee", "document_intake", "customer_records"}
    assert queues == {i["queue"] for i in work.list_work_items(everything, work.WorkFilter())}


def test_the_combined_demo_plays_the_claims_as_the_claim_demo_alone(
        ctx: Context, demo: dict[str, Any], combined: tuple[Context, dict[str, Any]]) -> None:
    everything, loaded = combined
    assert case_states(everything, loaded["by_type"]["claim"]) == case_states(ctx, demo["cases"])


def test_the_combined_demo_has_every_user_with_a_password_and_a_token(
        combined: tuple[Context, dict[str, Any]]) -> None:
    everything, demo = combined
    users = (*DEMO_USERS, *ONBOARDING_USERS, *LOAN_DEMO_USERS)
    assert [(u["username"], u["role"], u["team"]) for u in demo["users"]] == [(u.username, u.role, u.team)
                                                                             for u in users]
    assert list(demo["tokens"]) == [u.username for u in users]
    for user in demo["users"]:
        assert auth.authenticate_password(everything, user["username"], user["password"]).username == user["username"]
        assert auth.authenticate_token(everything, demo["tokens"][user["username"]]).username == user["username"]
    assert auth.principal_for(everything, "compliance").team_queues == ("compliance",)
    assert auth.principal_for(everything, "underwriter").team_queues == ("underwriting",)
    assert load_demo(everything)["skipped"]


def test_the_combined_demo_prints_a_count_per_case_type(combined: tuple[Context, dict[str, Any]]) -> None:
    _everything, demo = combined
    out = io.StringIO()
    print_credentials(demo, out)
    text = out.getvalue()
    assert text.startswith(f"Demo loaded: {len(demo['cases'])} cases ({len(STORIES)} claim, "
                           f"{len(ONBOARDING_STORIES)} onboarding, {len(LOAN_STORIES)} loan): ")
    for user in demo["users"]:
        assert f"password {user['password']}" in text and demo["tokens"][user["username"]] in text
