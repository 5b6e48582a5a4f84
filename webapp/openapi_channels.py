"""The OpenAPI paths of the channels: webhooks and the customer's self-service link."""
from __future__ import annotations

from typing import Any

from engine.services.webhooks import PUBLIC_TYPES

ERROR = {"$ref": "#/components/schemas/Error"}
SUBSCRIPTION = {"type": "object", "required": ["url", "events"], "properties": {
    "url": {"type": "string", "format": "uri", "description": "http:// or https:// address of the receiver"},
    "events": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(PUBLIC_TYPES)}}}}
WEBHOOK = {"type": "object", "properties": {
    "id": {"type": "integer"}, "url": {"type": "string"}, "events": {"type": "array", "items": {"type": "string"}},
    "secret": {"type": "string", "description": "signing secret; only in the answer to the subscription"},
    "active": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"}}}
DELIVERY = {"type": "object", "properties": {
    "n": {"type": "integer"}, "event_id": {"type": "string"}, "type": {"type": "string"},
    "status": {"type": "string", "enum": ["pending", "delivered", "failed"]}, "attempts": {"type": "integer"},
    "next_attempt_at": {"type": "string", "nullable": True}, "last_status": {"type": "integer", "nullable": True},
    "last_error": {"type": "string", "nullable": True}, "log": {"type": "array", "items": {"type": "object"}}}}
LINK = {"type": "object", "properties": {"url": {"type": "string"}, "expires_at": {"type": "string"}}}


def _ok(code: str, description: str, schema: dict[str, Any] | None = None, *errors: int) -> dict[str, Any]:
    out: dict[str, Any] = {code: {"description": description}}
    if schema is not None:
        out[code]["content"] = {"application/json": {"schema": schema}}
    texts = {401: "Missing or invalid token", 403: "Role not allowed (webhooks: admins only)", 404: "Unknown",
             422: "Validation failed (field-level details)"}
    for c in (401, 403, *errors):
        out[str(c)] = {"description": texts[c], "content": {"application/json": {"schema": ERROR}}}
    return out


def _path(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "string" if n == "reference"
                                                                   else "integer"}} for n in names]


PATHS: dict[str, Any] = {
    "/api/v1/webhooks": {
        "post": {"summary": "Subscribe a webhook (signed with the returned secret)",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": SUBSCRIPTION}}},
                 "responses": _ok("201", "Subscribed; the secret is shown only now", WEBHOOK, 422)},
        "get": {"summary": "Subscriptions", "responses": _ok("200", "Subscriptions", {"type": "object"})}},
    "/api/v1/webhooks/{id}": {
        "get": {"summary": "A subscription", "parameters": _path("id"),
                "responses": _ok("200", "The subscription", WEBHOOK, 404)},
        "delete": {"summary": "Unsubscribe", "parameters": _path("id"), "responses": _ok("204", "Gone", None, 404)}},
    "/api/v1/webhooks/{id}/deliveries": {"get": {
        "summary": "The delivery log, newest first", "parameters": _path("id"),
        "responses": _ok("200", "Deliveries", {"type": "object", "properties": {
            "items": {"type": "array", "items": DELIVERY}}}, 404, 422)}},
    "/api/v1/webhooks/{id}/deliveries/{n}/replay": {"post": {
        "summary": "Send a delivery again (same body), with a new day of retries", "parameters": _path("id", "n"),
        "responses": _ok("202", "Queued", DELIVERY, 404)}},
    "/api/v1/cases/{reference}/self-service-link": {
        "post": {"summary": "The customer's self-service link (the active one, or a new one)",
                 "parameters": _path("reference"), "responses": _ok("201", "The link", LINK, 404)},
        "delete": {"summary": "Withdraw the customer's link", "parameters": _path("reference"),
                   "responses": _ok("204", "Withdrawn", None, 404)}},
}
