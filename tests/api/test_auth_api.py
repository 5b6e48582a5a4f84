"""Bearer tokens and roles: 401 without a valid token, 403 for what a role may not do."""
from __future__ import annotations

import pytest

from tests.api.conftest import new_case_body


def test_missing_or_bad_token_is_401(client):
    assert client.get("/api/v1/cases").status_code == 401
    bad = client.get("/api/v1/cases", headers={"Authorization": "Bearer cw_not-a-token"})
    assert bad.status_code == 401 and bad.json["error"]["code"] == "unauthorized"
    basic = client.get("/api/v1/cases", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401 and "Bearer" in basic.headers["WWW-Authenticate"]


def test_front_office_reads_and_logs_but_cannot_work_items(api):
    case = api.post("/api/v1/cases", role="frontoffice", json=new_case_body())
    assert case.status_code == 201
    ref, item = case.json["reference"], case.json["open_tasks"][0]["id"]
    assert api.get(f"/api/v1/cases/{ref}", role="frontoffice").status_code == 200
    logged = api.post(f"/api/v1/cases/{ref}/interactions", role="frontoffice",
                      json={"channel": "branch", "direction": "inbound", "summary": "Brought in a letter"})
    assert logged.status_code == 201
    for url in (f"/api/v1/work-items/{item}/claim", f"/api/v1/work-items/{item}/complete"):
        denied = api.post(url, role="frontoffice", json={"data": {"decision": "approve"}})
        assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    assert api.get("/api/v1/work-items", role="frontoffice").status_code == 403
    assert api.get(f"/api/v1/cases/{ref}", role="integration").json["open_tasks"][0]["state"] == "ready"


@pytest.mark.parametrize("role, allowed", [("designer", False), ("backoffice", True), ("integration", True),
                                           ("admin", True), ("frontoffice", False)])
def test_who_may_complete_work(api, role, allowed):
    item = api.post("/api/v1/cases", json=new_case_body()).json["open_tasks"][0]["id"]
    response = api.post(f"/api/v1/work-items/{item}/complete", role=role, json={"data": {"decision": "approve"}})
    assert response.status_code == (200 if allowed else 403)


def test_designer_cannot_open_cases(api):
    assert api.post("/api/v1/cases", role="designer", json=new_case_body()).status_code == 403
