"""Repairing a case (designers and admins): correct its data, move it to a step, cancel it. Retry lives
with the cases API (``POST /api/v1/cases/{reference}/retry``)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine.services import repair
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import body, checked

bp = Blueprint("repair", __name__)


@bp.patch("/api/v1/cases/<reference>/data")
@requires("case.repair")
@checked({200: s.Case}, 404, 409, json=s.DataCorrection)
def correct_data(reference: str) -> Response:
    """Correct case data (designer, admin); before and after on the timeline"""
    fix = body(s.DataCorrection)
    return jsonify(repair.correct_data(ctx(), reference, fix.data, fix.reason, principal().username))


@bp.post("/api/v1/cases/<reference>/move")
@requires("case.repair")
@checked({200: s.Case}, 404, 409, json=s.Move)
def move(reference: str) -> Response:
    """Move the case to a step (designer, admin)"""
    m = body(s.Move)
    return jsonify(repair.move(ctx(), reference, m.to, m.reason, principal().username))


@bp.post("/api/v1/cases/<reference>/cancel")
@requires("case.repair")
@checked({200: s.Case}, 404, 409, json=s.Reason)
def cancel(reference: str) -> Response:
    """Cancel the case (designer, admin)"""
    return jsonify(repair.cancel(ctx(), reference, body(s.Reason).reason, principal().username))
