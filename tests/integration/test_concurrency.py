"""Many threads race for one work item over real HTTP: exactly one wins, the rest get 409, nothing corrupts."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from engine.models import Event, ProcessInstance, WorkItem
from engine.services import auth, cases
from tests.api.conftest import new_case_body
from tests.live import LiveServer, call
from webapp import create_app

THREADS = 16


@pytest.fixture
def live(ctx):
    with LiveServer(create_app(context=ctx), threads=THREADS) as server:
        yield server


@pytest.fixture
def agents(ctx) -> list[str]:
    return [auth.create_token(ctx, f"agent{i}", "backoffice") for i in range(THREADS)]


def _race(fn, tokens):
    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(fn, tokens))


def _new_item(live, token) -> tuple[str, int]:
    status, case = call("POST", f"{live.url}/api/v1/cases", token, new_case_body())
    assert status == 201, case
    return case["reference"], case["open_tasks"][0]["id"]


def test_concurrent_claims_have_one_winner(live, agents, ctx):
    _ref, item = _new_item(live, agents[0])
    results = _race(lambda t: call("POST", f"{live.url}/api/v1/work-items/{item}/claim", t), agents)
    statuses = sorted(s for s, _ in results)
    assert statuses.count(200) == 1 and statuses.count(409) == THREADS - 1, statuses
    winner = next(body["assignee"] for s, body in results if s == 200)
    with ctx.read() as s:
        row = s.get(WorkItem, item)
        assert row.state == "claimed"
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "work_item_claimed")) == 1
    status, body = call("GET", f"{live.url}/api/v1/work-items/{item}", agents[0])
    assert body["assignee"] == winner


def test_concurrent_completions_have_one_winner_and_instance_stays_intact(live, agents, ctx):
    ref, item = _new_item(live, agents[0])
    with ctx.read() as s:
        version_before = s.scalar(select(ProcessInstance.version))
    body = {"data": {"decision": "approve"}}
    results = _race(lambda t: call("POST", f"{live.url}/api/v1/work-items/{item}/complete", t, body), agents)
    statuses = sorted(s for s, _ in results)
    assert statuses.count(200) == 1 and statuses.count(409) == THREADS - 1, statuses
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "work_item_completed")) == 1
        assert s.scalar(select(ProcessInstance.version)) == version_before + 1
    # The instance is intact: it waits for the message and finishes when it arrives.
    view = cases.get_case(ctx, ref)
    assert view["waiting_for"] == ["documents_received"] and view["open_tasks"] == []
    status, final = call("POST", f"{live.url}/api/v1/cases/{ref}/messages/documents_received", agents[1], {"data": {}})
    assert status == 202 and final["outcome"] == "paid"


def test_concurrent_case_creation_with_one_idempotency_key_creates_one_case(live, agents, ctx):
    headers = {"Idempotency-Key": "same-request"}
    results = _race(lambda t: call("POST", f"{live.url}/api/v1/cases", agents[0], new_case_body(), headers), agents)
    assert {s for s, _ in results} == {201}
    assert len({body["reference"] for _, body in results}) == 1
    listed = cases.list_cases(ctx, cases.CaseFilter())
    assert len(listed["items"]) == 1
