"""No silent hangs, end to end: plain and manual tasks are work items; a case waiting for nothing is an
incident at once, with a reason a person can act on."""
from __future__ import annotations

import json

from tests.bpmn.public_models import DEAD_JOIN, MANUAL
from tests.designer.conftest import open_case, upload, work


def files(pid: str, xml: str) -> dict[str, bytes]:
    return {"process.json": json.dumps({"case_type": pid, "process_id": pid}).encode(), f"{pid}.bpmn": xml.encode()}


def test_plain_and_manual_tasks_are_work_items(designer_api):
    assert upload(designer_api, files("manual", MANUAL)).status_code == 201
    case = open_case(designer_api, "manual").json
    assert case["status"] == "open"
    assert [(t["name"], t["queue"]) for t in case["open_tasks"]] == [("do_it", "unassigned")]
    assert work(designer_api, case["reference"], "do_it").status_code == 200
    assert work(designer_api, case["reference"], "check", note="looked fine").status_code == 200
    assert designer_api.get(f"/api/v1/cases/{case['reference']}").json["status"] == "closed"


def test_a_case_that_can_never_move_on_is_an_incident_at_once(designer_api):
    assert upload(designer_api, files("deadjoin", DEAD_JOIN)).status_code == 201
    case = open_case(designer_api, "deadjoin").json
    work(designer_api, case["reference"], "a")
    stuck = designer_api.get(f"/api/v1/cases/{case['reference']}").json
    assert stuck["status"] == "incident" and stuck["open_tasks"] == [] and stuck["waiting_for"] == []
    assert "waits at 'Both done' (ParallelGateway)" in stuck["incident"]
    timeline = designer_api.get(f"/api/v1/cases/{case['reference']}/timeline").json["items"]
    assert any(e["kind"] == "incident" and "can never happen" in e["payload"]["message"] for e in timeline)
    cancelled = designer_api.post(f"/api/v1/cases/{case['reference']}/cancel", "designer",
                                  json={"reason": "modelling error: the join waits for a branch never taken"})
    assert cancelled.json["status"] == "closed"
