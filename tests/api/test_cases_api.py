"""The upstream-client journey over HTTP, and every bad request's documented 4xx that writes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.models import Case, Event, Interaction, Party, WorkItem
from engine.services import scheduler
from tests.api.conftest import new_case_body


def counts(ctx) -> dict[str, int]:
    with ctx.read() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in (Case, Event, Interaction, Party, WorkItem)}


def test_upstream_client_journey(api, ctx, clock):
    created = api.post("/api/v1/cases", json=new_case_body(), headers={"Idempotency-Key": "order-1"})
    assert created.status_code == 201, created.json
    case = created.json
    ref = case["reference"]
    assert ref.startswith("BAS-2026-")
    assert created.headers["Location"] == f"/api/v1/cases/{ref}"
    assert case["status"] == "open"
    assert case["status_text"] == "Your request of 100 is being reviewed since 2 November."
    assert [t["title"] for t in case["open_tasks"]] == ["Review request"]
    assert case["open_tasks"][0]["queue"] == "claims_triage"
    assert case["customer"]["email"] == "ann@example.com"

    replay = api.post("/api/v1/cases", json=new_case_body(), headers={"Idempotency-Key": "order-1"})
    assert replay.status_code == 201 and replay.json["reference"] == ref
    assert replay.headers["Idempotent-Replayed"] == "true"

    items = api.get(f"/api/v1/work-items?case={ref}").json["items"]
    assert len(items) == 1
    item_id = items[0]["id"]
    detail = api.get(f"/api/v1/work-items/{item_id}").json
    assert detail["form"]["properties"]["decision"]["enum"] == ["approve", "reject"]

    claimed = api.post(f"/api/v1/work-items/{item_id}/claim")
    assert claimed.status_code == 200 and claimed.json["assignee"] == "integration-user"
    done = api.post(f"/api/v1/work-items/{item_id}/complete", json={"data": {"decision": "approve"}})
    assert done.status_code == 200 and done.json["state"] == "completed"

    waiting = api.get(f"/api/v1/cases/{ref}").json
    assert waiting["status"] == "waiting"
    assert waiting["waiting_for"] == ["documents_received"]
    assert waiting["status_text"] == "We are waiting for your documents."

    call = api.post(f"/api/v1/cases/{ref}/interactions", role="frontoffice",
                    json={"channel": "phone", "direction": "inbound", "summary": "Customer asked about status"})
    assert call.status_code == 201

    sent = api.post(f"/api/v1/cases/{ref}/messages/documents_received", json={"data": {"count": 2}})
    assert sent.status_code == 202
    final = api.get(f"/api/v1/cases/{ref}").json
    assert final["status"] == "closed" and final["outcome"] == "paid" and final["status_text"] == "Paid."

    timeline = api.get(f"/api/v1/cases/{ref}/timeline").json["items"]
    kinds = [e["kind"] for e in timeline]
    assert kinds[0] == "case_closed"
    assert {"case_opened", "work_item_claimed", "work_item_completed", "message_received", "payment_scheduled",
            "interaction"} <= set(kinds)
    stamps = [e["at"] for e in timeline]
    assert stamps == sorted(stamps, reverse=True)
    call_entry = next(e for e in timeline if e["kind"] == "interaction")
    assert call_entry["summary"] == "Customer asked about status" and call_entry["actor"] == "frontoffice-user"


def test_same_customer_is_found_again_across_channels(api):
    first = api.post("/api/v1/cases", json=new_case_body()).json
    second = api.post("/api/v1/cases", json={**new_case_body(email="ANN@example.com"), "channel": "phone"}).json
    assert first["customer"]["id"] == second["customer"]["id"]
    listed = api.get(f"/api/v1/cases?customer={first['customer']['id']}").json["items"]
    assert {c["reference"] for c in listed} == {first["reference"], second["reference"]}


def test_list_cases_filters_and_paginates(api):
    refs = [api.post("/api/v1/cases", json=new_case_body(amount=i + 1)).json["reference"] for i in range(5)]
    page1 = api.get("/api/v1/cases?limit=2").json
    page2 = api.get(f"/api/v1/cases?limit=2&cursor={page1['next_cursor']}").json
    page3 = api.get(f"/api/v1/cases?limit=2&cursor={page2['next_cursor']}").json
    seen = [c["reference"] for page in (page1, page2, page3) for c in page["items"]]
    assert seen == list(reversed(refs))
    assert page3["next_cursor"] is None
    assert api.get("/api/v1/cases?status=closed").json["items"] == []
    assert len(api.get("/api/v1/cases?case_type=basic&status=open").json["items"]) == 5


def test_overdue_filter_and_sla_timer(api, ctx, clock):
    ref = api.post("/api/v1/cases", json=new_case_body()).json["reference"]
    assert api.get("/api/v1/work-items?overdue=true").json["items"] == []
    clock.advance(timedelta(days=2, minutes=1))
    scheduler.tick(ctx)
    overdue = api.get("/api/v1/work-items?overdue=true").json["items"]
    assert [i["title"] for i in overdue] == ["Review request"]
    titles = sorted(t["title"] for t in api.get(f"/api/v1/cases/{ref}").json["open_tasks"])
    assert titles == ["Expedite overdue request", "Review request"]
    lead_queue = api.get("/api/v1/work-items?queue=team_leads").json["items"]
    assert [i["case_reference"] for i in lead_queue] == [ref]


@pytest.mark.parametrize("body, field", [
    ({"customer": {"name": "A"}, "channel": "web"}, "case_type"),
    ({"case_type": "basic", "channel": "web"}, "customer"),
    ({"case_type": "basic", "customer": {"email": "a@b.c"}, "channel": "web"}, "customer.name"),
    ({"case_type": "basic", "customer": {"name": "A"}, "channel": "pigeon"}, "channel"),
    ({"case_type": "nope", "customer": {"name": "A"}, "channel": "web"}, "case_type"),
    ({"case_type": "basic", "customer": {"name": "A"}, "channel": "web", "data": [1]}, "data"),
    ({"case_type": "basic", "customer": {"name": "A", "email": "not-an-email"}, "channel": "web"}, "customer.email"),
])
def test_invalid_case_requests_get_422_with_field_and_write_nothing(api, ctx, body, field):
    before = counts(ctx)
    response = api.post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert field in response.json["error"]["details"]
    assert counts(ctx) == before


def test_malformed_json_is_400_and_writes_nothing(api, ctx):
    before = counts(ctx)
    for raw, ctype in (("{not json", "application/json"), ("[1, 2]", "application/json"),
                       ("case_type=basic", "application/x-www-form-urlencoded")):
        response = api.post("/api/v1/cases", data=raw, headers={"Content-Type": ctype})
        assert response.status_code == 400, raw
        assert response.json["error"]["code"] == "bad_request"
    assert counts(ctx) == before


def test_idempotency_key_with_another_body_is_409(api, ctx):
    api.post("/api/v1/cases", json=new_case_body(), headers={"Idempotency-Key": "k"})
    before = counts(ctx)
    response = api.post("/api/v1/cases", json=new_case_body(amount=999), headers={"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "idempotency_conflict"
    assert counts(ctx) == before


def test_unknown_resources_are_404(api):
    for url in ("/api/v1/cases/BAS-2026-999999", "/api/v1/cases/BAS-2026-999999/timeline", "/api/v1/work-items/999",
                "/api/v1/nothing-here"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json["error"]["message"]


def test_message_nobody_waits_for_is_409_and_writes_nothing(api, ctx):
    ref = api.post("/api/v1/cases", json=new_case_body()).json["reference"]
    before = counts(ctx)
    response = api.post(f"/api/v1/cases/{ref}/messages/documents_received", json={"data": {}})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "no_waiting_message"
    assert counts(ctx) == before


def test_invalid_interaction_is_422(api, ctx):
    ref = api.post("/api/v1/cases", json=new_case_body()).json["reference"]
    before = counts(ctx)
    response = api.post(f"/api/v1/cases/{ref}/interactions", json={"channel": "fax", "direction": "sideways",
                                                                   "summary": " "})
    assert response.status_code == 422
    assert set(response.json["error"]["details"]) == {"channel", "direction", "summary"}
    assert counts(ctx) == before


def test_health_and_openapi_need_no_token(client):
    assert client.get("/healthz").status_code == 200
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/cases", "/api/v1/cases/{reference}", "/api/v1/cases/{reference}/timeline",
                 "/api/v1/cases/{reference}/interactions", "/api/v1/cases/{reference}/messages/{name}",
                 "/api/v1/work-items", "/api/v1/work-items/{id}", "/api/v1/work-items/{id}/claim",
                 "/api/v1/work-items/{id}/release", "/api/v1/work-items/{id}/complete"):
        assert path in spec["paths"], path
