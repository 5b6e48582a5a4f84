"""The loan demo: applications in every state of the process, played out in the past on a demo clock; played
the same in the demo of all processes."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

import pytest

from engine.context import Context
from webapp.demo.loans import STORIES, load_loan_demo
from engine.errors import CaseworksError
from engine.services import cases, work
from tests.processcheck import LOAN_DIR, PROJECT_ROOT, case_states, combined_demo, engine_for


@pytest.fixture(scope="module")
def demo_ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """One engine for the module: the demo takes a moment to play and the tests only read it."""
    with engine_for(tmp_path_factory.mktemp("loan-demo"), LOAN_DIR) as context:
        yield context


@pytest.fixture(scope="module")
def views(demo_ctx: Context) -> list[dict[str, Any]]:
    references = load_loan_demo(demo_ctx, demo_ctx.clock)
    assert len(references) == len(STORIES) == len(set(references))
    return [cases.get_case(demo_ctx, ref) for ref in references]


def test_every_state_of_the_process_is_there(views: list[dict[str, Any]]) -> None:
    assert Counter(v["outcome"] for v in views if v["status"] == "closed") == {
        "disbursed": 2, "declined": 2, "expired": 2}
    waiting = Counter(tuple(v["waiting_for"]) for v in views if v["status"] == "waiting")
    assert waiting == {("documents_received",): 2, ("offer_accepted",): 2}
    tasks = Counter(t["name"] for v in views for t in v["open_tasks"])
    assert tasks == {"underwrite": 2, "committee_approval": 1}
    assert all(v["status_text"] and v["incident"] is None for v in views)


def test_the_work_is_in_the_right_queues_and_hands(demo_ctx: Context, views: list[dict[str, Any]]) -> None:
    underwriting = work.list_work_items(demo_ctx, work.WorkFilter(queue="underwriting"))
    assert sorted(i["assignee"] or "" for i in underwriting) == ["", "underwriter"]
    [committee] = work.list_work_items(demo_ctx, work.WorkFilter(queue="credit_committee"))
    assert committee["assignee"] is None


def test_history_is_in_the_past_with_reminders_and_expiries_stamped_when_due(
        demo_ctx: Context, views: list[dict[str, Any]]) -> None:
    now = demo_ctx.clock.now().isoformat()
    assert all(v["created_at"] <= now for v in views)
    lapsed = next(v for v in views if v["outcome"] == "expired" and v["stage"] == "closed"
                  and "did not receive" in v["status_text"])
    closed = [e for e in cases.timeline(demo_ctx, lapsed["reference"]) if e["kind"] == "case_closed"]
    assert closed[0]["at"] < now
    reminded = [v for v in views if v["waiting_for"] == ["documents_received"]
                and any(e["kind"] == "customer_notified" and e["payload"]["text"].startswith("Reminder")
                        for e in cases.timeline(demo_ctx, v["reference"]))]
    assert len(reminded) == 1


def test_the_demo_needs_the_loan_process(tmp_path: Any) -> None:
    with engine_for(tmp_path / "home", PROJECT_ROOT / "tests" / "processes" / "basic") as context:
        with pytest.raises(CaseworksError, match="loan process"):
            load_loan_demo(context)


def test_the_combined_demo_plays_the_same_applications(demo_ctx: Context, views: list[dict[str, Any]]) -> None:
    everything, loaded = combined_demo()
    assert set(loaded["by_type"]) == {"claim", "onboarding", "loan"}
    assert case_states(everything, loaded["by_type"]["loan"]) == case_states(demo_ctx, [v["reference"] for v in views])
