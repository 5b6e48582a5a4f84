"""Deploying a process without a restart: validated first, current at once everywhere, hostile zips refused."""
from __future__ import annotations

import io
import json
import shutil
import stat
import zipfile
from dataclasses import replace

from engine.bootstrap import build
from engine.bpmn.package import build_package
from engine.services import auth, deployments
from tests.conftest import ROOT, Api
from tests.designer.conftest import open_case, upload, work
from tests.designer.models import two_step_files
from tests.ui.conftest import PASSWORD, UiClient
from webapp import create_app


def test_a_deployed_process_takes_cases_at_once_and_runs_to_the_end(designer_api):
    assert open_case(designer_api).status_code == 422  # not deployed yet: an unknown case type
    response = upload(designer_api, two_step_files())
    assert response.status_code == 201, response.json
    version = response.json
    assert version["case_type"] == "twostep" and version["current"] and version["deployed_by"] == "designer-user"
    case = open_case(designer_api).json
    assert [t["name"] for t in case["open_tasks"]] == ["review"]
    assert work(designer_api, case["reference"], "review", approved=True).status_code == 200
    assert work(designer_api, case["reference"], "confirm", approved=True).status_code == 200
    done = designer_api.get(f"/api/v1/cases/{case['reference']}").json
    assert (done["status"], done["outcome"], done["status_text"]) == ("closed", "decided", "Decided: approved")
    listed = designer_api.get("/api/v1/process-versions", "designer").json
    assert [(v["id"], v["current"], v["total_cases"]) for v in listed["items"]] == [(version["id"], True, 1)]


def test_a_new_version_takes_new_cases_while_old_cases_stay_on_theirs(designer_api):
    first = upload(designer_api, two_step_files()).json
    old_case = open_case(designer_api).json
    second = upload(designer_api, two_step_files(script="label = 'v2'")).json
    assert second["id"] != first["id"]
    versions = {v["id"]: v for v in designer_api.get("/api/v1/process-versions", "designer").json["items"]}
    assert versions[second["id"]]["current"] and not versions[first["id"]]["current"]
    new_case = open_case(designer_api).json
    for reference, label in ((old_case["reference"], "approved"), (new_case["reference"], "v2")):
        work(designer_api, reference, "review", approved=True)
        work(designer_api, reference, "confirm", approved=True)
        assert designer_api.get(f"/api/v1/cases/{reference}").json["status_text"] == f"Decided: {label}"
    again = upload(designer_api, two_step_files())  # the same files again: the old version becomes current
    assert again.status_code == 201 and again.json["id"] == first["id"] and again.json["current"]


def test_another_process_on_the_same_database_sees_the_deployment(designer_api, second_ctx):
    other = Api(create_app(context=second_ctx).test_client(),
                {"integration": auth.create_token(second_ctx, "other-integration", "integration")})
    assert open_case(other).status_code == 422
    assert upload(designer_api, two_step_files()).status_code == 201
    response = open_case(other)  # no restart: the other process noticed the deployment counter
    assert response.status_code == 201, response.json
    assert response.json["open_tasks"][0]["name"] == "review"
    assert "twostep" in other.client.get("/healthz").json["processes"]


def test_a_broken_upload_is_refused_with_its_problems(designer_api):
    files = two_step_files(script="print(locals())")
    files["twostep.bpmn"] = files["twostep.bpmn"].replace(b'sourceRef="review"', b'sourceRef="nowhere"')
    del files["forms/review.schema.json"]
    response = upload(designer_api, files, name="twostep.zip")
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "deployment_refused" and "nothing was deployed" in error["message"]
    problems = error["details"]["problems"]
    text = "\n".join(problems)
    assert all(p.startswith("twostep/") and p.split(":")[1].isdigit() for p in problems), text
    assert "calls 'print', 'locals'" in text
    assert "sourceRef of bpmn:sequenceFlow 'f2' names 'nowhere'" in text
    assert "has no form schema" in text
    assert designer_api.get("/api/v1/process-versions", "designer").json["items"] == []
    assert open_case(designer_api).status_code == 422


def test_only_designers_and_admins_deploy(designer_api):
    assert upload(designer_api, two_step_files(), role="backoffice").status_code == 403
    assert upload(designer_api, two_step_files(), role="integration").status_code == 403
    assert upload(designer_api, two_step_files(), role="admin").status_code == 201


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def test_hostile_and_odd_packages_get_a_clear_4xx(designer_api):
    good = two_step_files()
    slip = _zip([(name, data) for name, data in good.items()] + [("../../evil.bpmn", b"<x/>")])
    response = upload(designer_api, slip)
    assert response.status_code == 422 and "leaves its folder" in response.json["error"]["message"]

    link = zipfile.ZipInfo("forms/link.json")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    response = upload(designer_api, _zip([*good.items(), (link, b"/etc/passwd")]))
    assert response.status_code == 422 and "symbolic link" in response.json["error"]["message"]

    bomb = _zip([*good.items(), ("data.json", b"0" * (64 * 1024 * 1024))])  # 64 MB of zeros, ~64 KB zipped
    assert len(bomb) < 200_000
    response = upload(designer_api, bomb)
    assert response.status_code == 413 and "data.json" in response.json["error"]["message"]

    many = _zip([*good.items(), *((f"forms/f{n}.json", b"{}") for n in range(500))])
    response = upload(designer_api, many)
    assert response.status_code == 422 and "holds 503 files; at most 500" in response.json["error"]["message"]

    chunk = b"0" * (4 * 1024 * 1024 + 1024)  # each under the per-file cap, together over the total cap
    spread = _zip([*good.items(), *((f"data{n}.json", chunk) for n in range(5))])
    response = upload(designer_api, spread)
    assert response.status_code == 413 and "unpacks to more than 20 MB" in response.json["error"]["message"]

    response = upload(designer_api, b"this is not a zip")
    assert response.status_code == 422 and "not a zip" in response.json["error"]["message"]

    response = upload(designer_api, _zip([("readme.txt", b"hello")]))
    assert response.status_code == 422 and "no process.json" in response.json["error"]["message"]

    response = designer_api.post("/api/v1/process-versions", "designer", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["error"]["details"] == {"file": "is required"}
    assert designer_api.get("/api/v1/process-versions", "designer").json["items"] == []


def test_a_zip_of_the_folder_itself_is_read_as_the_folder(designer_api):
    nested = {f"twostep/{name}": data for name, data in two_step_files().items()}
    nested["twostep/README.md"] = b"notes"
    response = upload(designer_api, build_package(nested))
    assert response.status_code == 201, response.json


def test_a_broken_folder_at_start_up_refuses_its_cases_and_the_rest_serve(settings, clock, tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "tests" / "processes" / "basic", processes / "basic")
    shutil.copytree(ROOT / "tests" / "processes" / "scripts", processes / "scripts")
    bpmn = processes / "scripts" / "scripts.bpmn"
    bpmn.write_text(bpmn.read_text().replace("</bpmn:process>", "", 1))  # not well-formed any more
    ctx = build(replace(settings, processes_dir=processes), clock=clock)
    try:
        assert ctx.processes.case_types() == ["basic"]
        api = Api(create_app(context=ctx).test_client(), {"integration": auth.create_token(ctx, "i", "integration")})
        refused = api.post("/api/v1/cases", json={"case_type": "scripts", "customer": {"name": "Ann"}, "channel": "api",
                                                  "data": {}})
        assert refused.status_code == 409
        error = refused.json["error"]
        assert error["code"] == "process_unavailable" and "broken" in error["message"]
        assert any("scripts.bpmn" in p and "not well-formed" in p for p in error["details"]["problems"])
        served = api.post("/api/v1/cases", json={"case_type": "basic", "customer": {"name": "Ann"}, "channel": "api",
                                                 "data": {"amount": 10}})
        assert served.status_code == 201
        assert [b["case_type"] for b in deployments.broken_processes(ctx)] == ["scripts"]
        auth.ensure_user(ctx, "dora", ["designer"], password=PASSWORD)
        ui = UiClient(create_app(context=ctx).test_client())
        ui.login("dora")
        page = ui.get("/designer").get_data(as_text=True)
        assert "Broken processes" in page and "scripts.bpmn" in page and "not well-formed" in page
    finally:
        ctx.db.dispose()


def test_the_designer_api_names_are_documented(designer_api):
    spec = designer_api.client.get("/api/openapi.json").json["paths"]
    for path, method in (("/api/v1/process-versions", "post"), ("/api/v1/process-versions", "get"),
                         ("/api/v1/migrations", "post"), ("/api/v1/messages/{name}", "post"),
                         ("/api/v1/cases/{reference}/data", "patch"), ("/api/v1/cases/{reference}/move", "post"),
                         ("/api/v1/cases/{reference}/cancel", "post"), ("/api/v1/cases/{reference}/retry", "post")):
        assert method in spec[path], path


def test_a_deployed_process_brings_its_start_schema_and_forms_into_the_document(designer_api):
    before = designer_api.client.get("/api/openapi.json").json["components"]["schemas"]
    assert "StartData_twostep" not in before and "Form_twostep_review" not in before
    start = {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "number", "minimum": 1}}}
    files = {**two_step_files(), "forms/start.schema.json": json.dumps(start).encode()}
    assert upload(designer_api, files).status_code == 201
    after = designer_api.client.get("/api/openapi.json").json["components"]["schemas"]
    assert after["StartData_twostep"] == start
    assert after["Form_twostep_review"]["required"] == ["approved"]
    listed = designer_api.get("/api/v1/case-types").json["items"]
    assert [(t["case_type"], t["start_schema"]) for t in listed] == [("twostep", start)]
