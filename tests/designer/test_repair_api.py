"""Repairing cases: retry onto a fixed version, correct data, move to a step, cancel; each on the timeline."""
from __future__ import annotations

from tests.designer.conftest import open_case, upload, work
from tests.designer.models import two_step_files

BROKEN = "label = decision_label + 1"  # a name no case holds: fails at run time, passes validation


def _incident_case(api) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    broken = upload(api, two_step_files(script=BROKEN)).json
    case = open_case(api).json
    work(api, case["reference"], "review", approved=True)
    return broken, case["reference"]


def _timeline(api, reference: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return api.get(f"/api/v1/cases/{reference}/timeline").json["items"]


def test_a_modelling_error_is_fixed_deployed_and_the_case_retried_onto_the_fix(designer_api):
    broken, reference = _incident_case(designer_api)
    case = designer_api.get(f"/api/v1/cases/{reference}").json
    assert case["status"] == "incident" and "decision_label" in case["incident"]
    again = designer_api.post(f"/api/v1/cases/{reference}/retry", "designer").json  # same version: fails again
    assert again["status"] == "incident"

    fixed = upload(designer_api, two_step_files()).json
    response = designer_api.post(f"/api/v1/cases/{reference}/retry", "designer", json={"version": fixed["version"][:12]})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "open" and [t["name"] for t in response.json["open_tasks"]] == ["confirm"]
    work(designer_api, reference, "confirm", approved=True)
    done = designer_api.get(f"/api/v1/cases/{reference}").json
    assert (done["status"], done["outcome"], done["status_text"]) == ("closed", "decided", "Decided: approved")
    migrated = next(e for e in _timeline(designer_api, reference) if e["kind"] == "instance_migrated")
    assert migrated["actor"] == "designer-user" and migrated["payload"]["to_version_id"] == fixed["id"]
    assert migrated["payload"]["steps"] == {"decide": "decide"}
    versions = {v["id"]: v for v in designer_api.get("/api/v1/process-versions", "designer").json["items"]}
    assert versions[broken["id"]]["total_cases"] == 0 and versions[fixed["id"]]["total_cases"] == 1


def test_only_designers_and_admins_repair(designer_api):
    fixed_files = two_step_files()
    _broken, reference = _incident_case(designer_api)
    fixed = upload(designer_api, fixed_files).json
    for role in ("backoffice", "integration"):
        assert designer_api.post(f"/api/v1/cases/{reference}/retry", role,
                                 json={"version": fixed["id"]}).status_code == 403
        assert designer_api.call("PATCH", f"/api/v1/cases/{reference}/data", role,
                                 json={"data": {"x": 1}, "reason": "r"}).status_code == 403
        assert designer_api.post(f"/api/v1/cases/{reference}/cancel", role, json={"reason": "r"}).status_code == 403
        assert designer_api.post(f"/api/v1/cases/{reference}/move", role,
                                 json={"to": "review", "reason": "r"}).status_code == 403


def test_correcting_data_keeps_before_and_after_and_a_retry_then_succeeds(designer_api):
    _broken, reference = _incident_case(designer_api)
    path = f"/api/v1/cases/{reference}/data"
    assert designer_api.call("PATCH", path, "designer", json={"data": {"decision_label": 1}}).status_code == 422
    response = designer_api.call("PATCH", path, "designer", json={"data": {"decision_label": 41},
                                                                  "reason": "value missing from the intake form"})
    assert response.status_code == 200, response.json
    assert response.json["data"]["decision_label"] == 41
    event = next(e for e in _timeline(designer_api, reference) if e["kind"] == "data_corrected")
    assert event["payload"] == {"reason": "value missing from the intake form", "before": {"decision_label": None},
                                "after": {"decision_label": 41}}
    retried = designer_api.post(f"/api/v1/cases/{reference}/retry", "designer").json
    assert retried["status"] == "open" and retried["data"]["label"] == 42


def test_moving_back_to_a_passed_step_and_forward_over_a_failing_one(designer_api):
    _broken, reference = _incident_case(designer_api)
    path = f"/api/v1/cases/{reference}/move"
    assert designer_api.post(path, "designer", json={"to": "confirm"}).status_code == 422  # no reason
    unknown = designer_api.post(path, "designer", json={"to": "nowhere", "reason": "x"})
    assert unknown.status_code == 422 and "review" in unknown.json["error"]["details"]["to"]

    back = designer_api.post(path, "designer", json={"to": "review", "reason": "reviewer must look again"})
    assert back.status_code == 200, back.json
    assert back.json["status"] == "open" and [t["name"] for t in back.json["open_tasks"]] == ["review"]
    assert back.json["incident"] is None
    work(designer_api, reference, "review", approved=False)
    assert designer_api.get(f"/api/v1/cases/{reference}").json["status"] == "incident"

    forward = designer_api.post(path, "designer", json={"to": "confirm", "reason": "decided by phone"})
    assert forward.status_code == 200, forward.json
    assert [t["name"] for t in forward.json["open_tasks"]] == ["confirm"] and forward.json["status"] == "open"
    moves = [e["payload"] for e in _timeline(designer_api, reference) if e["kind"] == "case_moved"]
    assert [m["to"] for m in moves] == ["confirm", "review"] and moves[0]["reason"] == "decided by phone"
    already = designer_api.post(path, "designer", json={"to": "confirm", "reason": "again"})
    assert already.status_code == 409


def test_cancelling_closes_the_case_and_its_work(designer_api):
    upload(designer_api, two_step_files())
    reference = open_case(designer_api).json["reference"]
    path = f"/api/v1/cases/{reference}/cancel"
    assert designer_api.post(path, "designer", json={"reason": "  "}).status_code == 422
    response = designer_api.post(path, "admin", json={"reason": "customer withdrew the request"})
    assert response.status_code == 200, response.json
    case = response.json
    assert (case["status"], case["outcome"], case["open_tasks"]) == ("closed", "cancelled", [])
    assert "customer withdrew" in case["status_text"]
    items = designer_api.get(f"/api/v1/work-items?case={reference}&state=cancelled").json
    assert len(items["items"] if isinstance(items, dict) else items) == 1
    event = next(e for e in _timeline(designer_api, reference) if e["kind"] == "case_cancelled")
    assert event["actor"] == "admin-user" and event["payload"] == {"reason": "customer withdrew the request"}
    assert designer_api.post(path, "designer", json={"reason": "again"}).status_code == 409
    assert designer_api.post(f"/api/v1/cases/{reference}/move", "designer",
                             json={"to": "review", "reason": "x"}).status_code == 409


def test_retry_onto_a_version_without_the_failed_step_says_why_and_a_renamed_step_maps(designer_api):
    _broken, reference = _incident_case(designer_api)
    files = two_step_files()
    bpmn = files["twostep.bpmn"].decode()
    start, end = bpmn.index("<bpmn:scriptTask"), bpmn.index("</bpmn:scriptTask>") + len("</bpmn:scriptTask>")
    bpmn = bpmn[:start] + bpmn[end:]
    bpmn = bpmn.replace('<bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="confirm"/>', "")
    bpmn = bpmn.replace('targetRef="decide"', 'targetRef="confirm"').replace("<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>", "")
    files["twostep.bpmn"] = bpmn.replace("<bpmn:incoming>f3</bpmn:incoming>", "<bpmn:incoming>f2</bpmn:incoming>").encode()
    without = upload(designer_api, files)
    assert without.status_code == 201, without.json
    response = designer_api.post(f"/api/v1/cases/{reference}/retry", "designer", json={"version": without.json["id"]})
    assert response.status_code == 409
    assert "step 'decide'" in response.json["error"]["message"] and "does not exist" in response.json["error"]["message"]
    assert designer_api.get(f"/api/v1/cases/{reference}").json["status"] == "incident"
    assert designer_api.post(f"/api/v1/cases/{reference}/retry", "designer", json={"version": "zz"}).status_code == 422

    renamed = two_step_files()
    renamed["twostep.bpmn"] = renamed["twostep.bpmn"].replace(b"decide", b"decide_v2")
    version = upload(designer_api, renamed).json
    moved = designer_api.post(f"/api/v1/cases/{reference}/retry", "designer", json={"version": version["id"]})
    assert moved.status_code == 200 and moved.json["open_tasks"][0]["name"] == "confirm"
    event = next(e for e in _timeline(designer_api, reference) if e["kind"] == "instance_migrated")
    assert event["payload"]["steps"] == {"decide": "decide_v2"}  # aligned by its place in the flow
