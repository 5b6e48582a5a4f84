"""Modeler drafts: saved and reloaded, validated, compared with the deployed version, deployed (JSON endpoints
the modeler page calls, with the session and its CSRF header)."""
from __future__ import annotations

import pytest

from engine.services import auth, drafts
from tests.designer.conftest import upload
from tests.designer.models import two_step_files
from tests.ui.conftest import PASSWORD, UiClient
from webapp import create_app


@pytest.fixture
def modeler(ctx):  # type: ignore[no-untyped-def]
    auth.ensure_user(ctx, "dora", ["designer"], password=PASSWORD)
    auth.ensure_user(ctx, "bob", ["backoffice"], password=PASSWORD)
    ui = UiClient(create_app(context=ctx).test_client())
    ui.login("dora")
    return ui


def send(ui: UiClient, method: str, url: str, body=None):  # type: ignore[no-untyped-def]
    with ui.client.session_transaction() as session:
        token = session["csrf_token"]
    return ui.client.open(url, method=method, json=body, headers={"X-CSRF-Token": token})


def text_files(**kwargs: str) -> dict[str, str]:
    return {k: v.decode() for k, v in two_step_files(**kwargs).items()}


def test_a_new_process_starts_blank_valid_and_deployable(modeler, ctx):
    draft = send(modeler, "GET", "/designer/drafts/complaint").json
    assert draft["source"] == "new" and set(draft["files"]) == {"process.json", "complaint.bpmn",
                                                                "forms/start.schema.json"}
    assert send(modeler, "POST", "/designer/drafts/complaint/validate", {"files": draft["files"]}).json == {"problems": []}
    deployed = send(modeler, "POST", "/designer/drafts/complaint/deploy", {"files": draft["files"]})
    assert deployed.status_code == 201 and deployed.json["case_type"] == "complaint"
    assert "complaint" in ctx.processes.case_types()


def test_drafts_are_saved_compared_and_refused_when_broken(modeler, designer_api):
    upload(designer_api, two_step_files())
    loaded = send(modeler, "GET", "/designer/drafts/twostep").json
    assert loaded["source"] == "deployed"
    edited = text_files(script="label = 'changed'")
    edited["forms/extra.schema.json"] = '{"type": "object", "properties": {}}'
    saved = send(modeler, "PUT", "/designer/drafts/twostep", {"files": edited})
    assert saved.status_code == 200 and saved.json["updated_by"] == "dora"
    again = send(modeler, "GET", "/designer/drafts/twostep").json
    assert again["source"] == "draft" and again["files"] == edited

    diff = send(modeler, "POST", "/designer/drafts/twostep/diff", {"files": edited}).json
    assert diff["elements"] == {"added": [], "removed": [], "changed": ["Decide (scriptTask)"]}
    assert diff["forms"] == {"added": ["forms/extra.schema.json"], "removed": [], "changed": []}

    broken = {**edited, "twostep.bpmn": edited["twostep.bpmn"].replace('sourceRef="review"', 'sourceRef="gone"')}
    refused = send(modeler, "POST", "/designer/drafts/twostep/deploy", {"files": broken})
    assert refused.status_code == 422
    assert any("twostep/twostep.bpmn:" in p and "'gone'" in p for p in refused.json["error"]["details"]["problems"])
    assert send(modeler, "POST", "/designer/drafts/twostep/deploy", {"files": edited}).status_code == 201
    assert send(modeler, "GET", "/designer/drafts/twostep").json["source"] == "deployed"  # the draft is used up


def test_hostile_drafts_and_callers_are_refused(modeler, ctx):
    assert send(modeler, "PUT", "/designer/drafts/Bad-Name", {"files": {}}).status_code == 422
    escape = send(modeler, "PUT", "/designer/drafts/x", {"files": {"../../etc/passwd": "x"}})
    assert escape.status_code == 422 and "inside the process folder" in escape.json["error"]["message"]
    assert send(modeler, "PUT", "/designer/drafts/x", {"files": {"a.bpmn": 5}}).status_code == 422
    big = send(modeler, "PUT", "/designer/drafts/x", {"files": {"a.bpmn": "x" * (drafts.MAX_DRAFT_BYTES + 1)}})
    assert big.status_code == 422
    no_csrf = modeler.client.put("/designer/drafts/x", json={"files": {}})
    assert no_csrf.status_code == 400
    bob = UiClient(create_app(context=ctx).test_client())
    bob.login("bob")
    assert send(bob, "GET", "/designer/drafts/x").status_code == 403
    assert bob.get("/designer/modeler/x").status_code == 403
