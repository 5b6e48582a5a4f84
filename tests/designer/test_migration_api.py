"""Instance migration: a dry run per case (where each step maps, who cannot move and why), then batches."""
from __future__ import annotations

from engine.services import auth, cases, work
from engine.services.parties import Customer
from tests.designer.conftest import upload
from tests.designer.models import two_step_files

RUNNING = 1000
AT_CONFIRM = 10


def without_confirm() -> dict[str, bytes]:
    """Version 2: the confirmation step is gone (decide leads straight to the end)."""
    files = two_step_files(script="label = 'v2 ' + ('approved' if approved else 'declined')")
    bpmn = files["twostep.bpmn"].decode()
    start = bpmn.index('<bpmn:userTask id="confirm"')
    end = bpmn.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    bpmn = bpmn[:start] + bpmn[end:]
    bpmn = bpmn.replace('<bpmn:sequenceFlow id="f4" sourceRef="confirm" targetRef="end"/>', "")
    bpmn = bpmn.replace('sourceRef="decide" targetRef="confirm"', 'sourceRef="decide" targetRef="end"')
    bpmn = bpmn.replace("<bpmn:incoming>f4</bpmn:incoming>", "<bpmn:incoming>f3</bpmn:incoming>")
    files["twostep.bpmn"] = bpmn.replace("<bpmn:flowNodeRef>confirm</bpmn:flowNodeRef>", "").encode()
    return files


def test_a_thousand_running_cases_migrate_after_a_dry_run(ctx, designer_api):
    v1 = upload(designer_api, two_step_files()).json
    worker = auth.principal_for(ctx, auth.ensure_user(ctx, "migration-worker", ["backoffice"]).username)
    references = [cases.open_case(ctx, cases.OpenCase("twostep", Customer(f"Customer {n}"), "api"), "test")[0]["reference"]
                  for n in range(RUNNING)]
    for reference in references[:AT_CONFIRM]:  # these stand at 'confirm', which version 2 no longer has
        item = cases.get_case(ctx, reference)["open_tasks"][0]["id"]
        work.claim(ctx, item, worker)
        work.complete(ctx, item, {"approved": True}, worker)
    v2 = upload(designer_api, without_confirm()).json
    body = {"case_type": "twostep", "from_version": v1["id"], "to_version": v2["version"], "dry_run": True}

    assert designer_api.post("/api/v1/migrations", "backoffice", json=body).status_code == 403
    dry = designer_api.post("/api/v1/migrations", "designer", json=body).json
    assert (dry["dry_run"], dry["total"], dry["movable"], dry["moved"]) == (True, RUNNING, RUNNING - AT_CONFIRM, 0)
    assert sorted(c["reference"] for c in dry["cannot_move"]) == sorted(references[:AT_CONFIRM])
    assert all("step 'confirm'" in c["reasons"][0] for c in dry["cannot_move"])
    movable = [c for c in dry["cases"] if c["result"] == "movable"]
    assert all(c["steps"] == {"review": "review"} for c in movable)
    versions = {v["id"]: v for v in designer_api.get("/api/v1/process-versions", "designer").json["items"]}
    assert versions[v1["id"]]["running_cases"] == RUNNING and versions[v2["id"]]["running_cases"] == 0

    report = designer_api.post("/api/v1/migrations", "designer", json={**body, "dry_run": False}).json
    assert (report["total"], report["moved"], len(report["cannot_move"])) == (RUNNING, RUNNING - AT_CONFIRM, AT_CONFIRM)
    versions = {v["id"]: v for v in designer_api.get("/api/v1/process-versions", "designer").json["items"]}
    assert versions[v1["id"]]["running_cases"] == AT_CONFIRM
    assert versions[v2["id"]]["running_cases"] == RUNNING - AT_CONFIRM

    migrated = references[-1]  # runs on version 2 now: after review it ends without a confirmation
    item = cases.get_case(ctx, migrated)["open_tasks"][0]["id"]
    work.claim(ctx, item, worker)
    work.complete(ctx, item, {"approved": True}, worker)
    assert cases.get_case(ctx, migrated)["status_text"] == "Decided: v2 approved"
    stayed = references[0]  # stayed on version 1 and still completes there
    item = cases.get_case(ctx, stayed)["open_tasks"][0]["id"]
    work.claim(ctx, item, worker)
    work.complete(ctx, item, {"approved": True}, worker)
    assert cases.get_case(ctx, stayed)["status_text"] == "Decided: approved"
    again = designer_api.post("/api/v1/migrations", "designer", json={**body, "dry_run": False}).json
    assert again["total"] == AT_CONFIRM - 1 and again["moved"] == 0


def test_migration_requests_are_checked(designer_api):
    v1 = upload(designer_api, two_step_files()).json
    same = {"case_type": "twostep", "from_version": v1["id"], "to_version": v1["id"]}
    assert designer_api.post("/api/v1/migrations", "designer", json=same).status_code == 422
    unknown = designer_api.post("/api/v1/migrations", "designer", json={**same, "to_version": 9999})
    assert unknown.status_code == 422 and "no version" in unknown.json["error"]["message"]
    missing = designer_api.post("/api/v1/migrations", "designer", json={"case_type": "twostep"})
    assert missing.status_code == 422 and set(missing.json["error"]["details"]) == {"from_version", "to_version"}
