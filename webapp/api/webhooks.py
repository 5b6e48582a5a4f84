"""Webhooks API: subscribe, list, unsubscribe, the delivery log and replay (admins only: a subscription makes
Caseworks send case data to the address given)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine.services import webhooks
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import body, checked, query

bp = Blueprint("webhooks", __name__)
MANAGE = "webhook.manage"  # only the admin role holds it ("*")


@bp.post("/api/v1/webhooks")
@requires(MANAGE)
@checked({201: s.Webhook}, json=s.Subscription)
def subscribe() -> tuple[Response, int, dict[str, str]]:
    """Subscribe a webhook (signed with the returned secret, shown only now)"""
    sub = body(s.Subscription)
    view = webhooks.subscribe(ctx(), sub.url, sub.events, principal().username)
    return jsonify(view), 201, {"Location": f"/api/v1/webhooks/{view['id']}"}


@bp.get("/api/v1/webhooks")
@requires(MANAGE)
@checked({200: s.Webhooks})
def list_webhooks() -> Response:
    """Subscriptions, and the event types one can subscribe to"""
    return jsonify({"items": webhooks.list_webhooks(ctx()), "event_types": list(webhooks.PUBLIC_TYPES)})


@bp.get("/api/v1/webhooks/<int:id>")
@requires(MANAGE)
@checked({200: s.Webhook}, 404)
def get_webhook(id: int) -> Response:
    """A subscription"""
    return jsonify(webhooks.get_webhook(ctx(), id))


@bp.delete("/api/v1/webhooks/<int:id>")
@requires(MANAGE)
@checked({204: None}, 404)
def unsubscribe(id: int) -> tuple[str, int]:
    """Unsubscribe"""
    webhooks.unsubscribe(ctx(), id)
    return "", 204


@bp.get("/api/v1/webhooks/<int:id>/deliveries")
@requires(MANAGE)
@checked({200: s.Deliveries}, 404, query=s.DeliveryQuery)
def deliveries(id: int) -> Response:
    """The delivery log, newest first"""
    q = query(s.DeliveryQuery)
    return jsonify({"items": webhooks.deliveries(ctx(), id, q.status, q.limit)})


@bp.post("/api/v1/webhooks/<int:id>/deliveries/<int:n>/replay")
@requires(MANAGE)
@checked({202: s.Delivery}, 404)
def replay(id: int, n: int) -> tuple[Response, int]:
    """Send a delivery again (same body), with a new day of retries"""
    return jsonify(webhooks.replay(ctx(), id, n, principal().username)), 202
