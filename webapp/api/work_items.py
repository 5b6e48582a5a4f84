"""Work items API: the worklist, one item with its form, claim, release, complete."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.models import WorkItemState
from engine.services import work
from webapp.api.common import bool_arg, ctx, field, int_arg, json_body, principal, requires

bp = Blueprint("work_items", __name__)
STATES = tuple(s.value for s in WorkItemState)


@bp.get("/api/v1/work-items")
@requires("work.read")
def list_items() -> Response:
    state = request.args.get("state")
    if state is not None and state not in STATES:
        raise ValidationFailed("invalid query parameter 'state'", details={"state": f"one of {', '.join(STATES)}"})
    assignee = request.args.get("assignee")
    if assignee == "me":
        assignee = principal().username
    f = work.WorkFilter(queue=request.args.get("queue"), assignee=assignee, state=state,
                        overdue=bool_arg("overdue"), case_reference=request.args.get("case"),
                        limit=int_arg("limit", 100, 1, 500), cursor=request.args.get("cursor") or None)
    return jsonify(work.work_items_page(ctx(), f, principal()))


@bp.get("/api/v1/work-items/<int:item_id>")
@requires("work.read")
def get_item(item_id: int) -> Response:
    return jsonify(work.get_work_item(ctx(), item_id, principal()))


@bp.post("/api/v1/work-items/<int:item_id>/claim")
@requires("work.claim")
def claim(item_id: int) -> Response:
    return jsonify(work.claim(ctx(), item_id, principal()))


@bp.post("/api/v1/work-items/<int:item_id>/release")
@requires("work.claim")
def release(item_id: int) -> Response:
    return jsonify(work.release(ctx(), item_id, principal()))


@bp.post("/api/v1/work-items/<int:item_id>/complete")
@requires("work.complete")
def complete(item_id: int) -> Response:
    body = json_body()
    errors: dict[str, str] = {}
    data = field(body, "data", dict, errors)
    if errors:
        raise ValidationFailed("the completion is not valid", details=errors)
    return jsonify(work.complete(ctx(), item_id, data, principal()))
