"""Customers API: find a customer by name, e-mail, phone (any common format), case reference or policy number,
read one with their cases, and undo a merge of two customers."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.services import duplicates, notes
from webapp.api.common import ctx, field, int_arg, json_body, principal, requires

bp = Blueprint("customers", __name__)
MAX_QUERY = 200


@bp.get("/api/v1/customers")
@requires("case.read")
def find() -> Response:
    query = request.args.get("q", "").strip()
    if not query:
        raise ValidationFailed("say whom to look for", details={"q": "a name, e-mail, phone, reference or policy number"})
    if len(query) > MAX_QUERY:
        raise ValidationFailed("the search is too long", details={"q": f"at most {MAX_QUERY} characters"})
    who = principal()
    found = notes.find_customers(ctx(), who, query, limit=int_arg("limit", 20, 1, 50))
    items = [{**row, "cases": notes.customer(ctx(), who, row["id"], limit=20)["cases"]} for row in found]
    return jsonify({"query": query, "items": [_jsonable(i) for i in items]})


@bp.get("/api/v1/customers/<int:party_id>")
@requires("case.read")
def get(party_id: int) -> Response:
    return jsonify(_jsonable(notes.customer(ctx(), principal(), party_id)))


@bp.post("/api/v1/customers/<int:party_id>/unmerge")
@requires("work.complete")
def unmerge(party_id: int) -> Response:
    errors: dict[str, str] = {}
    reason = field(json_body(), "reason", str, errors)
    if errors:
        raise ValidationFailed("say why the merge is undone", details=errors)
    return jsonify(duplicates.undo_merge(ctx(), principal(), party_id, reason))


def _jsonable(value):  # type: ignore[no-untyped-def]
    """Datetimes as ISO 8601; identifiers as {kind, value} objects."""
    if isinstance(value, dict):
        return {k: ([{"kind": i[0], "value": i[1]} for i in v] if k == "identifiers" else _jsonable(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value
