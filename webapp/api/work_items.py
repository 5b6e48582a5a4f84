"""Work items API: the worklist, one item with its form, claim, release, complete."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine.services import work
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import body, checked, query

bp = Blueprint("work_items", __name__)


@bp.get("/api/v1/work-items")
@requires("work.read")
@checked({200: s.WorkItemPage}, query=s.WorkQuery)
def list_items() -> Response:
    """The worklist: by due date, then priority; next_cursor continues"""
    q = query(s.WorkQuery)
    assignee = principal().username if q.assignee == "me" else q.assignee
    f = work.WorkFilter(queue=q.queue, assignee=assignee, state=q.state, overdue=q.overdue, case_reference=q.case,
                        limit=q.limit, cursor=q.cursor or None)
    return jsonify(work.work_items_page(ctx(), f, principal()))


@bp.get("/api/v1/work-items/<int:id>")
@requires("work.read")
@checked({200: s.WorkItem}, 404)
def get_item(id: int) -> Response:
    """A work item with its form schema"""
    return jsonify(work.get_work_item(ctx(), id, principal()))


@bp.post("/api/v1/work-items/<int:id>/claim")
@requires("work.claim")
@checked({200: s.WorkItem}, 404, 409)
def claim(id: int) -> Response:
    """Claim (one winner)"""
    return jsonify(work.claim(ctx(), id, principal()))


@bp.post("/api/v1/work-items/<int:id>/release")
@requires("work.claim")
@checked({200: s.WorkItem}, 404, 409)
def release(id: int) -> Response:
    """Release a claim"""
    return jsonify(work.release(ctx(), id, principal()))


@bp.post("/api/v1/work-items/<int:id>/complete")
@requires("work.complete")
@checked({200: s.WorkItem}, 404, 409, json=s.Completion)
def complete(id: int) -> Response:
    """Complete with form data (validated against the item's form)"""
    return jsonify(work.complete(ctx(), id, body(s.Completion).data, principal()))
