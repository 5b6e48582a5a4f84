"""The onboarding demo: applications in every state, in the past, in the right queues, and safe to run twice;
played the same in the demo of all processes."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.context import Context
from webapp.demo.onboarding import ONBOARDING_USERS, STORIES, load_onboarding_demo
from engine.handlers.onboarding import iban_is_valid
from engine.services import auth, cases, work
from tests.processcheck import case_states, combined_demo


@pytest.fixture
def demo(ctx: Context, clock: ManualClock) -> list[str]:
    return load_onboarding_demo(ctx, clock)


def views(ctx: Context, references: list[str]) -> list[dict[str, Any]]:
    return [cases.get_case(ctx, ref) for ref in references]


def test_demo_opens_an_application_per_story_in_every_state(ctx: Context, demo: list[str]) -> None:
    assert len(demo) == len(STORIES) == len(set(demo)) >= 8
    found = views(ctx, demo)
    assert all(v["case_type"] == "onboarding" and v["status_text"] for v in found)
    assert Counter(v["outcome"] for v in found if v["status"] == "closed") == {"onboarded": 4, "declined": 2,
                                                                              "expired": 1}
    waiting = [v for v in found if v["status"] == "waiting"]
    assert len(waiting) == 2 and all(v["waiting_for"] == ["documents_received"] for v in waiting)
    open_tasks = Counter((t["name"], t["queue"]) for v in found for t in v["open_tasks"])
    assert open_tasks == {("verify_identity", "operations"): 2, ("enhanced_due_diligence", "compliance"): 1,
                          ("review_screening", "compliance"): 1}
    assert all(iban_is_valid(v["data"]["account_number"]) for v in found if v["outcome"] == "onboarded")


def test_demo_history_is_in_the_past_with_reminders_and_a_call(ctx: Context, clock: ManualClock,
                                                             demo: list[str]) -> None:
    now = clock.now()
    found = views(ctx, demo)
    assert all(v["created_at"] <= now.isoformat() for v in found)
    oldest = max(s.days_ago for s in STORIES)
    assert min(v["created_at"] for v in found) == (now - timedelta(days=oldest)).isoformat()
    timelines = {ref: cases.timeline(ctx, ref) for ref in demo}
    reminded = [ref for ref, events in timelines.items() if any(
        e["kind"] == "customer_notified" and e["payload"]["text"].startswith("Reminder") for e in events)]
    assert len(reminded) == 2  # the one still waiting after 9 days, and the expired one
    assert any(e["kind"] == "interaction" for events in timelines.values() for e in events)


def test_demo_work_is_done_by_the_onboarding_teams(ctx: Context, demo: list[str]) -> None:
    compliance = work.list_work_items(ctx, work.WorkFilter(queue="compliance"))
    assert {i["name"] for i in compliance} == {"enhanced_due_diligence", "review_screening"}
    done = work.list_work_items(ctx, work.WorkFilter(state="completed"))
    assert {i["name"] for i in done} == {"verify_identity", "enhanced_due_diligence", "review_screening"}
    for person in ONBOARDING_USERS:
        assert auth.principal_for(ctx, person.username).team_queues == (person.team.lower(),)


def test_loading_the_demo_twice_creates_nothing_the_second_time(ctx: Context, clock: ManualClock,
                                                               demo: list[str]) -> None:
    assert load_onboarding_demo(ctx, clock) == []
    assert len(cases.list_cases(ctx, cases.CaseFilter(limit=200))["items"]) == len(demo)


def test_the_combined_demo_plays_the_same_applications(ctx: Context, demo: list[str]) -> None:
    everything, loaded = combined_demo()
    assert set(loaded["by_type"]) == {"claim", "onboarding", "loan"}
    assert case_states(everything, loaded["by_type"]["onboarding"]) == case_states(ctx, demo)
