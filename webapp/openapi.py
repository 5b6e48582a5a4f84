"""The OpenAPI 3 description of REST API v1 (served at GET /api/openapi.json)."""
from __future__ import annotations

from typing import Any

from webapp.openapi_channels import PATHS as CHANNEL_PATHS

ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed JSON", 401: "Missing or invalid token", 403: "Role not allowed",
            404: "Unknown resource", 409: "Conflict", 413: "Too large", 422: "Validation failed (field-level details)"}
    return {str(c): _resp(text[c], ERROR) for c in (401, 403, *codes)}


def _op(summary: str, ok: dict[str, Any], *codes: int, body: dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**ok, **_errors(*codes)}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _q(name: str, kind: str = "string", description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": description}


def _p(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


REF, ITEM = _p("reference"), _p("id", "integer")
CASE = {"$ref": "#/components/schemas/Case"}
WORK_ITEM = {"$ref": "#/components/schemas/WorkItem"}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}},
    "Customer": {"type": "object", "required": ["name"], "properties": {
        "external_id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"},
        "phone": {"type": "string"}}},
    "NewCase": {"type": "object", "required": ["case_type", "customer", "channel"], "properties": {
        "case_type": {"type": "string", "example": "claim"}, "customer": {"$ref": "#/components/schemas/Customer"},
        "channel": {"type": "string", "enum": ["web", "app", "phone", "email", "chat", "branch", "post", "api"]},
        "data": {"type": "object"}, "priority": {"type": "integer"}}},
    "OpenTask": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "title": {"type": "string"},
        "queue": {"type": "string"}, "assignee": {"type": "string", "nullable": True},
        "due_at": {"type": "string", "format": "date-time", "nullable": True}}},
    "Case": {"type": "object", "properties": {
        "reference": {"type": "string", "example": "CLM-2026-000123"}, "case_type": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "waiting", "incident", "closed"]},
        "status_text": {"type": "string", "nullable": True}, "outcome": {"type": "string", "nullable": True},
        "customer": {"type": "object"}, "data": {"type": "object"},
        "open_tasks": {"type": "array", "items": {"$ref": "#/components/schemas/OpenTask"}},
        "waiting_for": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"}}},
    "CaseList": {"type": "object", "properties": {"items": {"type": "array", "items": CASE},
                                                  "next_cursor": {"type": "string", "nullable": True}}},
    "TimelineEntry": {"type": "object", "properties": {
        "type": {"type": "string", "enum": ["event", "interaction"]}, "kind": {"type": "string"},
        "actor": {"type": "string", "nullable": True}, "at": {"type": "string", "format": "date-time"}}},
    "Interaction": {"type": "object", "required": ["channel", "direction", "summary"], "properties": {
        "channel": {"type": "string"}, "direction": {"type": "string", "enum": ["inbound", "outbound"]},
        "summary": {"type": "string"}}},
    "WorkItem": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "title": {"type": "string"},
        "queue": {"type": "string"}, "state": {"type": "string", "enum": ["ready", "claimed", "completed", "cancelled"]},
        "assignee": {"type": "string", "nullable": True}, "due_at": {"type": "string", "nullable": True},
        "case_reference": {"type": "string"}, "form": {"type": "object", "nullable": True}}},
    "Completion": {"type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}},
}


MESSAGE = {"type": "object", "properties": {"data": {"type": "object"}, "correlations": {
    "type": "object", "description": "{property: value} or {correlation key: {property: value}}"}}}
VERSION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "case_type": {"type": "string"}, "name": {"type": "string"},
    "version": {"type": "string"}, "created_at": {"type": "string"}, "deployed_by": {"type": "string"},
    "current": {"type": "boolean"}, "running_cases": {"type": "integer"}, "total_cases": {"type": "integer"}}}
REASON = {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}
DESIGNER_PATHS: dict[str, Any] = {
    "/api/v1/process-versions": {
        "post": {"summary": "Deploy a zipped process folder (multipart field 'file'); validated first, current at once",
                 "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                     "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}},
                 "responses": {"201": _resp("Deployed", VERSION), **_errors(413, 422)}},
        "get": _op("Every stored version, and the processes that are broken", {"200": _resp("Versions")},
                   params=[_q("case_type")])},
    "/api/v1/process-versions/{id}": {"get": _op("One version", {"200": _resp("The version", VERSION)}, 404,
                                                 params=[ITEM])},
    "/api/v1/migrations": {"post": _op(
        "Move the running cases of one version to another (dry run first: per case where each step maps)",
        {"200": _resp("The report")}, 422, body={"type": "object", "required": ["case_type", "from_version", "to_version"],
                                                 "properties": {"case_type": {"type": "string"}, "from_version": {},
                                                                "to_version": {}, "dry_run": {"type": "boolean"}}})},
    "/api/v1/messages/{name}": {"post": _op(
        "Deliver a message to the one running case waiting for it with these correlation values",
        {"202": _resp("Accepted", CASE)}, 409, 422, body=MESSAGE, params=[_p("name")])},
    "/api/v1/cases/{reference}/data": {"patch": _op(
        "Correct case data (designer, admin); before and after on the timeline", {"200": _resp("Corrected", CASE)},
        404, 409, 422, params=[REF], body={"type": "object", "required": ["data", "reason"], "properties": {
            "data": {"type": "object"}, "reason": {"type": "string"}}})},
    "/api/v1/cases/{reference}/move": {"post": _op(
        "Move the case to a step (designer, admin)", {"200": _resp("Moved", CASE)}, 404, 409, 422, params=[REF],
        body={"type": "object", "required": ["to", "reason"], "properties": {"to": {"type": "string"},
                                                                            "reason": {"type": "string"}}})},
    "/api/v1/cases/{reference}/cancel": {"post": _op(
        "Cancel the case (designer, admin)", {"200": _resp("Cancelled", CASE)}, 404, 409, 422, params=[REF],
        body=REASON)},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Caseworks API", "version": "1",
                 "description": "Cases, work items, timeline and messages. Errors are "
                                "{\"error\": {\"code\", \"message\", \"details\"}}."},
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/healthz": {"get": {"summary": "Liveness", "security": [], "responses": {"200": _resp("OK")}}},
            "/api/v1/cases": {
                "post": _op("Open a case (Idempotency-Key header makes retries safe)",
                            {"201": _resp("Created (or replayed)", CASE)}, 400, 409, 422,
                            body={"$ref": "#/components/schemas/NewCase"},
                            params=[{"name": "Idempotency-Key", "in": "header", "required": False,
                                     "schema": {"type": "string"}}]),
                "get": _op("List cases, newest first", {"200": _resp("A page", {"$ref": "#/components/schemas/CaseList"})},
                           422, params=[_q("customer", "integer"), _q("status"), _q("case_type"),
                                        _q("limit", "integer"), _q("cursor")])},
            "/api/v1/cases/{reference}": {"get": _op("A case as a front-office agent sees it",
                                                     {"200": _resp("The case", CASE)}, 404, params=[REF])},
            "/api/v1/cases/{reference}/timeline": {"get": _op(
                "Events and interactions, newest first",
                {"200": _resp("Timeline", {"type": "object", "properties": {"items": {
                    "type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}}}})}, 404, params=[REF])},
            "/api/v1/cases/{reference}/interactions": {"post": _op(
                "Log a customer interaction", {"201": _resp("Logged")}, 400, 404, 422,
                body={"$ref": "#/components/schemas/Interaction"}, params=[REF])},
            "/api/v1/cases/{reference}/messages/{name}": {"post": _op(
                "Deliver a BPMN message (or signal) to the case's process, with correlation keys",
                {"202": _resp("Accepted", CASE)}, 400, 404, 409, 422, body=MESSAGE, params=[REF, _p("name")])},
            "/api/v1/cases/{reference}/retry": {"post": _op(
                "Run the failed step of a case in status 'incident' again; with 'version' (designer, admin) move "
                "the case onto that version first", {"200": _resp("Retried", CASE)}, 404, 409, 422, params=[REF],
                body={"type": "object", "properties": {"version": {"oneOf": [{"type": "integer"}, {"type": "string"}]}}})},
            **DESIGNER_PATHS,
            "/api/v1/search": {"get": _op("Full-text search over cases, interactions and documents",
                                          {"200": _resp("Ranked hits with snippets")}, 422, params=[_q("q"), _q("limit", "integer")])},
            "/api/v1/customers": {"get": _op(
                "Find customers by name, e-mail, phone (any common format), case reference or policy number, each "
                "with their cases", {"200": _resp("Customers found")}, 422,
                params=[_q("q"), _q("limit", "integer")])},
            "/api/v1/customers/{id}": {"get": _op("A customer with identifiers and cases",
                                                  {"200": _resp("The customer")}, 404, params=[ITEM])},
            "/api/v1/customers/{id}/unmerge": {"post": _op(
                "Undo the merge of this customer into another (body {\"reason\"})", {"200": _resp("Undone")},
                404, 422, body={"type": "object", "required": ["reason"],
                                "properties": {"reason": {"type": "string"}}}, params=[ITEM])},
            "/api/v1/documents": {"post": _op(
                "Upload to the inbox (multipart field 'file'); 202 once stored and queued, 200 for a duplicate",
                {"202": _resp("Accepted"), "200": _resp("Duplicate")}, 413, 422)},
            "/api/v1/cases/{reference}/documents": {"post": _op(
                "Upload to a case (multipart field 'file')", {"202": _resp("Accepted"), "200": _resp("Duplicate")},
                404, 413, 422, params=[REF])},
            "/api/v1/documents/{id}": {"get": _op("A document: status, type, confidence, pages, fields, case",
                                                  {"200": _resp("The document")}, 404, params=[ITEM])},
            "/api/v1/documents/{id}/content": {"get": _op("The original bytes", {"200": _resp("The original")}, 404,
                                                          params=[ITEM])},
            "/api/v1/documents/{id}/pages/{n}.png": {"get": _op(
                "A page image (boxes scale by width / page width)", {"200": _resp("PNG")}, 404, 422,
                params=[ITEM, _p("n", "integer"), _q("width", "integer")])},
            "/api/v1/work-items": {"get": _op(
                "The worklist", {"200": _resp("Items", {"type": "object", "properties": {
                    "items": {"type": "array", "items": WORK_ITEM},
                    "next_cursor": {"type": "string", "nullable": True}}})}, 422,
                params=[_q("queue"), _q("assignee", description="a username, 'me' or 'none'"), _q("state"),
                        _q("overdue", "boolean"), _q("case"), _q("limit", "integer"),
                        _q("cursor", description="next_cursor of the previous page")])},
            "/api/v1/work-items/{id}": {"get": _op("A work item with its form schema",
                                                   {"200": _resp("The item", WORK_ITEM)}, 404, params=[ITEM])},
            "/api/v1/work-items/{id}/claim": {"post": _op("Claim (one winner)", {"200": _resp("Claimed", WORK_ITEM)},
                                                          404, 409, params=[ITEM])},
            "/api/v1/work-items/{id}/release": {"post": _op("Release a claim", {"200": _resp("Released", WORK_ITEM)},
                                                            404, 409, params=[ITEM])},
            "/api/v1/work-items/{id}/complete": {"post": _op(
                "Complete with form data", {"200": _resp("Completed", WORK_ITEM)}, 400, 404, 409, 422,
                body={"$ref": "#/components/schemas/Completion"}, params=[ITEM])},
            **CHANNEL_PATHS,
        },
    }
