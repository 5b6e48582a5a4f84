"""Webhooks API: subscribe, list, unsubscribe, the delivery log and replay (admins only: a subscription makes
Caseworks send case data to the address given)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.services import webhooks
from webapp.api.common import ctx, int_arg, json_body, principal, requires

bp = Blueprint("webhooks", __name__)
MANAGE = "webhook.manage"  # only the admin role holds it ("*")


@bp.post("/api/v1/webhooks")
@requires(MANAGE)
def subscribe() -> tuple[Response, int, dict[str, str]]:
    body = json_body()
    view = webhooks.subscribe(ctx(), body.get("url"), body.get("events"), principal().username)
    return jsonify(view), 201, {"Location": f"/api/v1/webhooks/{view['id']}"}


@bp.get("/api/v1/webhooks")
@requires(MANAGE)
def list_webhooks() -> Response:
    return jsonify({"items": webhooks.list_webhooks(ctx()), "event_types": list(webhooks.PUBLIC_TYPES)})


@bp.get("/api/v1/webhooks/<int:webhook_id>")
@requires(MANAGE)
def get_webhook(webhook_id: int) -> Response:
    return jsonify(webhooks.get_webhook(ctx(), webhook_id))


@bp.delete("/api/v1/webhooks/<int:webhook_id>")
@requires(MANAGE)
def unsubscribe(webhook_id: int) -> tuple[str, int]:
    webhooks.unsubscribe(ctx(), webhook_id)
    return "", 204


@bp.get("/api/v1/webhooks/<int:webhook_id>/deliveries")
@requires(MANAGE)
def deliveries(webhook_id: int) -> Response:
    items = webhooks.deliveries(ctx(), webhook_id, request.args.get("status"), int_arg("limit", 100, 1, 1000))
    return jsonify({"items": items})


@bp.post("/api/v1/webhooks/<int:webhook_id>/deliveries/<int:n>/replay")
@requires(MANAGE)
def replay(webhook_id: int, n: int) -> tuple[Response, int]:
    return jsonify(webhooks.replay(ctx(), webhook_id, n, principal().username)), 202
