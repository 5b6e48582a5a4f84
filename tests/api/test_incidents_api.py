"""A failing service call leaves the case intact in status 'incident'; it is retried, by the worker or on request."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bootstrap import build
from engine.bpmn.loader import read_process_dir
from engine.handlers import default_services
from engine.services import auth, scheduler
from tests.conftest import TEST_PROCESSES, Api
from webapp import create_app


class FlakyPayments:
    """The payment system is down until told otherwise (a stand-in for an external system we cannot run)."""

    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    def __call__(self, call):  # type: ignore[no-untyped-def]
        self.calls += 1
        if not self.up:
            raise ConnectionError("payment gateway timed out")
        call.emit("payment_scheduled", {"amount": call.params.get("amount")})
        return {"instruction_id": "PAY-1"}


@pytest.fixture
def payments() -> FlakyPayments:
    return FlakyPayments()


@pytest.fixture
def ctx(settings, clock, payments):  # type: ignore[no-untyped-def]
    services = default_services()
    services.register("payments.schedule", payments)
    context = build(settings, clock=clock, services=services,
                    definitions=[read_process_dir(TEST_PROCESSES / "services")])
    yield context
    context.db.dispose()


@pytest.fixture
def api(ctx):  # type: ignore[no-untyped-def]
    tokens = {role: auth.create_token(ctx, f"{role}-user", role) for role in ("admin", "integration", "frontoffice")}
    return Api(create_app(context=ctx).test_client(), tokens)


def open_case(api) -> dict:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/cases", json={"case_type": "services", "customer": {"name": "Pat"},
                                               "channel": "api", "data": {"amount": 250, "payee": "Pat Example"}})
    assert response.status_code == 201, response.json
    return response.json


def test_failure_is_an_incident_with_the_task_and_the_reason(api):
    case = open_case(api)
    assert case["status"] == "incident"
    assert "Schedule payment" in case["incident"] and "payment gateway timed out" in case["incident"]
    kinds = [e["kind"] for e in api.get(f"/api/v1/cases/{case['reference']}/timeline").json["items"]]
    assert "incident" in kinds and "case_opened" in kinds


def test_worker_retries_with_backoff_until_the_system_is_back(api, ctx, clock, payments):
    ref = open_case(api)["reference"]
    scheduler.tick(ctx)
    assert payments.calls == 1  # not yet due: the first retry waits a few seconds
    clock.advance(timedelta(seconds=6))
    scheduler.tick(ctx)
    assert payments.calls == 2 and api.get(f"/api/v1/cases/{ref}").json["status"] == "incident"
    payments.up = True
    clock.advance(timedelta(minutes=1))
    scheduler.tick(ctx)
    case = api.get(f"/api/v1/cases/{ref}").json
    assert (case["status"], case["outcome"], case["incident"]) == ("closed", "paid", None)


def test_retry_on_request(api, payments):
    ref = open_case(api)["reference"]
    assert api.post(f"/api/v1/cases/{ref}/retry", role="frontoffice").status_code == 403
    again = api.post(f"/api/v1/cases/{ref}/retry", role="admin")
    assert again.status_code == 200 and again.json["status"] == "incident"
    payments.up = True
    done = api.post(f"/api/v1/cases/{ref}/retry", role="admin")
    assert done.status_code == 200 and done.json["outcome"] == "paid"
    nothing = api.post(f"/api/v1/cases/{ref}/retry", role="admin")
    assert nothing.status_code == 409
