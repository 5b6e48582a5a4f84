"""The designer's browser pages without JavaScript: deploy a zip (or see why not), broken processes, and the
repair actions on a case page."""
from __future__ import annotations

import io

import pytest

from engine.bpmn.package import build_package
from engine.services import auth
from tests.designer.conftest import open_case, upload, work
from tests.designer.models import two_step_files
from tests.ui.conftest import PASSWORD, UiClient
from webapp import create_app


@pytest.fixture
def ui(ctx):  # type: ignore[no-untyped-def]
    for name, role in (("dora", "designer"), ("bob", "backoffice")):
        auth.ensure_user(ctx, name, [role], password=PASSWORD)
    client = UiClient(create_app(context=ctx).test_client())
    client.login("dora")
    return client


def deploy(ui: UiClient, files: dict[str, bytes], name: str = "twostep.zip"):  # type: ignore[no-untyped-def]
    return ui.post("/designer/deploy", {"file": (io.BytesIO(build_package(files)), name)},
                   content_type="multipart/form-data")


def test_a_designer_deploys_a_zip_and_sees_refusals_with_their_problems(ui, designer_api):
    refused = deploy(ui, two_step_files(script="print(1)"))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="deploy-refused"' in html and "nothing was deployed" in html
    assert "twostep/twostep.bpmn:" in html and "calls &#39;print&#39;" in html
    assert designer_api.get("/api/v1/process-versions", "designer").json["items"] == []

    bomb = ui.post("/designer/deploy", {"file": (io.BytesIO(b"PK\x03\x04 not really"), "x.zip")},
                   content_type="multipart/form-data")
    assert bomb.status_code == 422 and "not a zip" in bomb.get_data(as_text=True)

    done = deploy(ui, two_step_files())
    assert done.status_code == 303 and "/designer/versions/" in done.headers["Location"]
    page = ui.get(done.headers["Location"]).get_data(as_text=True)
    assert "Two steps" in page and "deployed by dora" in page and "this is the current version" in page
    assert open_case(designer_api).status_code == 201
    listing = ui.get("/designer").get_data(as_text=True)
    assert "<td>dora</td>" in listing and "current" in listing


def test_backoffice_users_cannot_deploy(ctx, ui):
    bob = UiClient(create_app(context=ctx).test_client())
    bob.login("bob")
    assert deploy(bob, two_step_files()).status_code == 403


def test_repair_actions_on_the_case_page(ui, designer_api):
    upload(designer_api, two_step_files(script="label = decision_label + 1"))
    reference = open_case(designer_api).json["reference"]
    work(designer_api, reference, "review", approved=True)
    page = ui.get(f"/cases/{reference}").get_data(as_text=True)
    assert 'id="repair"' in page and "Incident:" in page and 'value="decide"' in page

    corrected = ui.post(f"/cases/{reference}/repair/data", {"field": "decision_label", "value": "41",
                                                             "reason": "missing on the form"})
    assert corrected.status_code == 303
    assert ui.post(f"/cases/{reference}/repair/retry", {"version": ""}).status_code == 303
    case = designer_api.get(f"/api/v1/cases/{reference}").json
    assert case["status"] == "open" and case["data"]["label"] == 42

    back = ui.post(f"/cases/{reference}/repair/move", {"to": "review", "reason": ""})  # a reason is required
    assert back.status_code == 303
    assert "Nothing was changed" in ui.get(f"/cases/{reference}").get_data(as_text=True)
    ui.post(f"/cases/{reference}/repair/move", {"to": "review", "reason": "look again"})
    assert designer_api.get(f"/api/v1/cases/{reference}").json["open_tasks"][0]["name"] == "review"

    ui.post(f"/cases/{reference}/repair/cancel", {"reason": "duplicate request"})
    case = designer_api.get(f"/api/v1/cases/{reference}").json
    assert (case["status"], case["outcome"]) == ("closed", "cancelled")
    kinds = [e["kind"] for e in designer_api.get(f"/api/v1/cases/{reference}/timeline").json["items"]]
    assert {"data_corrected", "retry_requested", "case_moved", "case_cancelled"} <= set(kinds)
    assert 'id="repair"' not in ui.get(f"/cases/{reference}").get_data(as_text=True)  # closed: nothing to repair


def test_the_repair_panel_is_for_designers_and_admins_only(ctx, ui, designer_api):
    upload(designer_api, two_step_files())
    reference = open_case(designer_api).json["reference"]
    bob = UiClient(create_app(context=ctx).test_client())
    bob.login("bob")
    assert 'id="repair"' not in bob.get(f"/cases/{reference}").get_data(as_text=True)
    assert bob.post(f"/cases/{reference}/repair/cancel", {"reason": "x"}).status_code == 403
