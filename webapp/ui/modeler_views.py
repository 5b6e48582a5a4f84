"""The browser modeler (designers): draw a process with bpmn-js, set the properties Caseworks reads, edit
decision tables (dmn-js) and forms (JSON schema with a live preview), save a draft, validate, compare with the
deployed version and deploy. The page talks JSON to the endpoints below (session + CSRF header)."""
from __future__ import annotations

from typing import Any, Callable

from flask import Response, jsonify, redirect, request, url_for

from engine.errors import CaseworksError, ValidationFailed
from engine.services import drafts
from engine.services.deployments import DeploymentRefused
from webapp.errors import status_for
from webapp.ui import assets
from webapp.ui.base import bp, render
from webapp.ui.security import ctx, page, user


def _json(call: Callable[[], Any], status: int = 200) -> tuple[Response, int]:
    try:
        return jsonify(call()), status
    except CaseworksError as err:
        return jsonify({"error": {"code": err.code, "message": err.message, "details": err.details}}), status_for(err)


def _files() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("send the draft as a JSON object {\"files\": {...}}", details={"files": "is required"})
    return body.get("files")


@bp.get("/designer/modeler", endpoint="modeler")
@page("process.deploy")
def modeler_start() -> Any:
    case_type = (request.args.get("case_type") or "").strip()
    if case_type:
        return redirect(url_for("ui.modeler_edit", case_type=case_type), code=303)
    return render("ui/modeler_start.html", case_types=ctx().processes.case_types())


@bp.get("/designer/modeler/<case_type>", endpoint="modeler_edit")
@page("process.deploy")
def modeler_edit(case_type: str) -> Any:
    drafts.load_draft(ctx(), case_type)  # a bad name is a 422 page, not a broken editor
    return render("ui/modeler.html", case_type=case_type, services=ctx().services.names(),
                  ready=assets.available("bpmn-js", ctx().settings), dmn_ready=assets.available("dmn-js", ctx().settings))


@bp.get("/designer/drafts/<case_type>", endpoint="draft_get")
@page("process.deploy")
def draft_get(case_type: str) -> Any:
    return _json(lambda: drafts.load_draft(ctx(), case_type, request.args.get("name")))


@bp.put("/designer/drafts/<case_type>", endpoint="draft_save")
@page("process.deploy")
def draft_save(case_type: str) -> Any:
    return _json(lambda: drafts.save_draft(ctx(), case_type, _files(), user().username))


@bp.post("/designer/drafts/<case_type>/validate", endpoint="draft_validate")
@page("process.deploy")
def draft_validate(case_type: str) -> Any:
    return _json(lambda: {"problems": drafts.validate_draft(ctx(), case_type, _files())})


@bp.post("/designer/drafts/<case_type>/diff", endpoint="draft_diff")
@page("process.deploy")
def draft_diff(case_type: str) -> Any:
    return _json(lambda: drafts.diff_draft(ctx(), case_type, _files()))


@bp.post("/designer/drafts/<case_type>/deploy", endpoint="draft_deploy")
@page("process.deploy")
def draft_deploy(case_type: str) -> Any:
    try:
        return jsonify(drafts.deploy_draft(ctx(), case_type, _files(), user().username)), 201
    except DeploymentRefused as err:
        return jsonify({"error": {"code": err.code, "message": err.message, "details": err.details}}), 422
    except CaseworksError as err:
        return jsonify({"error": {"code": err.code, "message": err.message, "details": err.details}}), status_for(err)
