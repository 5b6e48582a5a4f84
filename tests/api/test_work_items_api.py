"""Claiming and completing work items over HTTP: one winner, stale completions, validation, roles."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import ProcessInstance, WorkItem
from engine.services import auth
from tests.api.conftest import new_case_body


def open_item(api) -> tuple[str, int]:
    case = api.post("/api/v1/cases", json=new_case_body()).json
    return case["reference"], case["open_tasks"][0]["id"]


def test_claim_is_exclusive_and_release_frees_it(api):
    _ref, item = open_item(api)
    assert api.post(f"/api/v1/work-items/{item}/claim", role="backoffice").status_code == 200
    taken = api.post(f"/api/v1/work-items/{item}/claim", role="integration")
    assert taken.status_code == 409
    assert taken.json["error"]["code"] == "task_already_claimed"
    assert taken.json["error"]["details"]["assignee"] == "backoffice-user"
    assert api.post(f"/api/v1/work-items/{item}/claim", role="backoffice").status_code == 200  # re-claim by holder
    assert api.post(f"/api/v1/work-items/{item}/release", role="integration").status_code == 403
    released = api.post(f"/api/v1/work-items/{item}/release", role="backoffice")
    assert released.status_code == 200 and released.json["state"] == "ready" and released.json["assignee"] is None
    assert api.post(f"/api/v1/work-items/{item}/claim", role="integration").status_code == 200


def test_someone_elses_claimed_item_cannot_be_completed(api):
    _ref, item = open_item(api)
    api.post(f"/api/v1/work-items/{item}/claim", role="backoffice")
    response = api.post(f"/api/v1/work-items/{item}/complete", role="integration", json={"data": {"decision": "approve"}})
    assert response.status_code == 409


def test_invalid_form_data_is_422_with_field_errors_and_changes_nothing(api, ctx):
    ref, item = open_item(api)
    with ctx.read() as s:
        version = s.scalar(select(ProcessInstance.version))
    response = api.post(f"/api/v1/work-items/{item}/complete", json={"data": {"decision": "maybe", "extra": 1}})
    assert response.status_code == 422
    assert set(response.json["error"]["details"]) == {"decision", "extra"}
    missing = api.post(f"/api/v1/work-items/{item}/complete", json={"data": {}})
    assert missing.json["error"]["details"] == {"decision": "is required"}
    assert api.post(f"/api/v1/work-items/{item}/complete", json={}).status_code == 422
    with ctx.read() as s:
        assert s.scalar(select(ProcessInstance.version)) == version
        assert s.get(WorkItem, item).state == "ready"
    assert api.get(f"/api/v1/cases/{ref}").json["status"] == "open"


def test_completing_twice_is_409_stale(api):
    _ref, item = open_item(api)
    assert api.post(f"/api/v1/work-items/{item}/complete", json={"data": {"decision": "reject"}}).status_code == 200
    again = api.post(f"/api/v1/work-items/{item}/complete", json={"data": {"decision": "reject"}})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "stale_work_item"
    assert api.post(f"/api/v1/work-items/{item}/claim").status_code == 409


def test_rejected_path_closes_case_with_outcome(api):
    ref, item = open_item(api)
    api.post(f"/api/v1/work-items/{item}/complete", json={"data": {"decision": "reject"}})
    case = api.get(f"/api/v1/cases/{ref}").json
    assert (case["status"], case["outcome"], case["status_text"], case["open_tasks"]) == ("closed", "rejected",
                                                                                          "Rejected.", [])


def test_worklist_filters(api):
    _ref, item = open_item(api)
    open_item(api)
    api.post(f"/api/v1/work-items/{item}/claim", role="backoffice")
    mine = api.get("/api/v1/work-items?assignee=me", role="backoffice").json["items"]
    assert [i["id"] for i in mine] == [item]
    unassigned = api.get("/api/v1/work-items?assignee=none").json["items"]
    assert item not in [i["id"] for i in unassigned] and len(unassigned) == 1
    assert len(api.get("/api/v1/work-items?queue=claims_triage").json["items"]) == 2
    assert api.get("/api/v1/work-items?queue=nobody").json["items"] == []
    assert api.get("/api/v1/work-items?state=claimed").json["items"][0]["id"] == item
    assert api.get("/api/v1/work-items?state=bogus").status_code == 422
    assert api.get("/api/v1/work-items?overdue=perhaps").status_code == 422


def test_team_members_work_their_own_queues_only(api, ctx):
    auth.ensure_user(ctx, "tina", ["backoffice"], team="Claims triage")
    auth.ensure_user(ctx, "carl", ["backoffice"], team="Compliance")
    auth.set_team_queues(ctx, "Claims triage", ["claims_triage"])
    auth.set_team_queues(ctx, "Compliance", ["compliance"])
    tina, carl = auth.create_token(ctx, "tina", "backoffice"), auth.create_token(ctx, "carl", "backoffice")
    _ref, item = open_item(api)  # the review task sits in queue claims_triage
    denied = api.post(f"/api/v1/work-items/{item}/claim", role=carl)
    assert denied.status_code == 403 and "claims_triage" in denied.json["error"]["message"]
    assert api.post(f"/api/v1/work-items/{item}/complete", role=carl,
                    json={"data": {"decision": "approve"}}).status_code == 403
    assert api.post(f"/api/v1/work-items/{item}/claim", role=tina).status_code == 200
