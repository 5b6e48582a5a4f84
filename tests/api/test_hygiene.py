"""Hostile input over the REST API: NaN and Infinity, NUL characters, integers past any column, large values
in messages, oversized bodies; and Idempotency-Keys that belong to the client that sent them. SQLite and
PostgreSQL (PostgreSQL is where a NUL or an out-of-range integer used to answer 500)."""
from __future__ import annotations

import json

import pytest

from engine.services import auth
from engine.bpmn.loader import read_process_dir
from tests.api.conftest import new_case_body
from tests.conftest import ROOT, TEST_PROCESSES
from webapp import create_app


def _raw(api, url: str, text: str, method: str = "POST"):  # type: ignore[no-untyped-def]
    return api.call(method, url, data=text, content_type="application/json")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(api, constant):
    body = json.dumps(new_case_body()).replace('"amount": 100', f'"amount": {constant}')
    response = _raw(api, "/api/v1/cases", body)
    assert response.status_code == 422, response.json
    assert constant.lstrip("-") in json.dumps(response.json["error"])
    assert api.get("/api/v1/cases").json["items"] == []


def test_nul_characters_are_refused_everywhere(api):
    body = new_case_body()
    body["customer"]["name"] = "Ann\u0000Example"
    assert api.post("/api/v1/cases", json=body).status_code == 422
    assert api.post("/api/v1/cases", json={**new_case_body(), "data": {"amount": 1, "no\u0000te": "x"}}).status_code == 422
    assert api.get("/api/v1/cases?status=open%00").status_code == 422
    assert api.get("/api/v1/cases/CLM-2026-00%001").status_code == 422
    assert api.get("/api/v1/search?q=a%00b").status_code == 422
    assert api.get("/api/v1/customers?q=a%00b").status_code == 422
    assert api.get("/api/v1/cases").json["items"] == []


def test_integers_past_any_column_are_a_404_or_a_422(api):
    huge = 2**63
    assert api.get(f"/api/v1/work-items/{huge}").status_code == 404
    assert api.get(f"/api/v1/documents/{huge}").status_code == 404
    assert api.post(f"/api/v1/work-items/{huge}/claim").status_code == 404
    assert api.get(f"/api/v1/cases?customer={huge}").status_code == 422
    assert api.get(f"/api/v1/cases?limit={huge}").status_code == 422
    assert api.post("/api/v1/cases", json=new_case_body(priority=2**40)).status_code == 422
    big_in_data = _raw(api, "/api/v1/cases", json.dumps(new_case_body()).replace('"amount": 100', f'"amount": {10**30}'))
    assert big_in_data.status_code == 422


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(TEST_PROCESSES / "basic"), read_process_dir(ROOT / "processes" / "claim")]


def test_validation_messages_are_plain_and_never_echo_a_large_value(api):
    huge = "x" * 200_000
    claim = {"case_type": "claim", "channel": "web", "customer": {"name": "Ann Example"},
             "data": {"policy_number": huge, "incident_date": "yesterday", "incident_type": "motor",
                      "description": "Hit a post", "claimed_amount": "lots", "currency": "EUR"}}
    response = api.post("/api/v1/cases", json=claim)
    assert response.status_code == 422
    assert len(response.data) < 2_000 and "xxxxxxxxxx" not in response.get_data(as_text=True)
    assert response.json["error"]["details"] == {
        "data.policy_number": "Policy number must look like POL-1234567",
        "data.incident_date": "Date of the incident must be a date like 2026-01-31",
        "data.claimed_amount": "Amount claimed must be a number"}
    not_an_object = api.post("/api/v1/cases", json={**claim, "data": "nope"})
    assert not_an_object.json["error"]["details"] == {"data": "must be an object"}


def test_a_413_names_the_limit(ctx, tokens):
    small = create_app(context=ctx)
    small.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # as an installation with a 1 MB limit would have it
    client = small.test_client()
    response = client.post("/api/v1/cases", data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                           headers={"Authorization": f"Bearer {tokens['integration']}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 413
    assert "1 MB" in response.json["error"]["message"]


def test_idempotency_keys_belong_to_the_client_that_sent_them(api, ctx):
    other = auth.create_token(ctx, "other-system", "integration")
    headers = {"Idempotency-Key": "order-42"}
    mine = api.post("/api/v1/cases", json=new_case_body(), headers=headers)
    replay = api.post("/api/v1/cases", json=new_case_body(), headers=headers)
    assert (mine.status_code, replay.headers.get("Idempotent-Replayed")) == (201, "true")
    assert replay.json["reference"] == mine.json["reference"]
    theirs = api.post("/api/v1/cases", role=other, json=new_case_body(), headers=headers)
    assert theirs.status_code == 201 and theirs.headers.get("Idempotent-Replayed") is None
    assert theirs.json["reference"] != mine.json["reference"]
    conflicting = api.post("/api/v1/cases", role=other, json=new_case_body(amount=5), headers=headers)
    assert conflicting.status_code == 409
    assert mine.json["reference"] not in json.dumps(conflicting.json)
