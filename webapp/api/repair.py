"""Repairing a case (designers and admins): correct its data, move it to a step, cancel it. Retry lives
with the cases API (``POST /api/v1/cases/{reference}/retry``)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine.services import repair
from webapp.api.common import ctx, json_body, principal, requires

bp = Blueprint("repair", __name__)


@bp.patch("/api/v1/cases/<reference>/data")
@requires("case.repair")
def correct_data(reference: str) -> Response:
    body = json_body()
    return jsonify(repair.correct_data(ctx(), reference, body.get("data"), body.get("reason"), principal().username))


@bp.post("/api/v1/cases/<reference>/move")
@requires("case.repair")
def move(reference: str) -> Response:
    body = json_body()
    return jsonify(repair.move(ctx(), reference, body.get("to"), body.get("reason"), principal().username))


@bp.post("/api/v1/cases/<reference>/cancel")
@requires("case.repair")
def cancel(reference: str) -> Response:
    body = json_body()
    return jsonify(repair.cancel(ctx(), reference, body.get("reason"), principal().username))
