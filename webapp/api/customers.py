"""Customers API: find a customer by name, e-mail, phone (any common format), case reference or policy number,
read one with their cases, and undo a merge of two customers."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from engine.errors import ValidationFailed
from engine.services import duplicates, notes
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import body, checked, query

bp = Blueprint("customers", __name__)


@bp.get("/api/v1/customers")
@requires("case.read")
@checked({200: s.FoundCustomers}, query=s.CustomerQuery)
def find() -> Response:
    """Find customers by name, e-mail, phone (any common format), case reference or policy number, each with
    their cases"""
    q = query(s.CustomerQuery)
    words = q.q.strip()
    if not words:
        raise ValidationFailed("say whom to look for", details={"q": "a name, e-mail, phone, reference or policy number"})
    who = principal()
    found = notes.find_customers(ctx(), who, words, limit=q.limit)
    items = [{**row, "cases": notes.customer(ctx(), who, row["id"], limit=20)["cases"]} for row in found]
    return jsonify({"query": words, "items": [_jsonable(i) for i in items]})


@bp.get("/api/v1/customers/<int:id>")
@requires("case.read")
@checked({200: s.Customer}, 404)
def get(id: int) -> Response:
    """A customer with identifiers and cases"""
    return jsonify(_jsonable(notes.customer(ctx(), principal(), id)))


@bp.post("/api/v1/customers/<int:id>/unmerge")
@requires("work.complete")
@checked({200: s.Unmerged}, 404, json=s.Reason)
def unmerge(id: int) -> Response:
    """Undo the merge of this customer into another"""
    return jsonify(duplicates.undo_merge(ctx(), principal(), id, body(s.Reason).reason))


def _jsonable(value):  # type: ignore[no-untyped-def]
    """Datetimes as ISO 8601; identifiers as {kind, value} objects."""
    if isinstance(value, dict):
        return {k: ([{"kind": i[0], "value": i[1]} for i in v] if k == "identifiers" else _jsonable(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value
