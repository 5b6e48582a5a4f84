"""Cases API: open, read, list, timeline, interactions, messages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.services import cases, repair
from engine.services.parties import Customer
from webapp.api.common import ctx, field, int_arg, json_body, principal, requires

bp = Blueprint("cases", __name__)


def _customer(body: dict[str, Any], errors: dict[str, str]) -> Customer:
    raw = field(body, "customer", dict, errors)
    if raw is None:
        return Customer(name="")
    sub: dict[str, str] = {}
    name = field(raw, "name", str, sub)
    external_id = field(raw, "external_id", str, sub, required=False)
    email = field(raw, "email", str, sub, required=False)
    phone = field(raw, "phone", str, sub, required=False)
    numbers = {k: field(raw, k, str, sub, required=False) for k in ("national_id", "policy_number", "account_number")}
    if email is not None and "@" not in email:
        sub["email"] = "must be an e-mail address"
    for key in ("name", "external_id", "email", "phone", *numbers):
        if isinstance(raw.get(key), str) and len(raw[key]) > 320:
            sub[key] = "is too long: at most 320 characters"
    errors.update({f"customer.{k}": v for k, v in sub.items()})
    return Customer(name=name or "", external_id=external_id, email=email, phone=phone, **numbers)


@bp.post("/api/v1/cases")
@requires("case.create")
def create_case() -> tuple[Response, int, dict[str, str]]:
    body = json_body()
    errors: dict[str, str] = {}
    case_type = field(body, "case_type", str, errors)
    customer = _customer(body, errors)
    channel = field(body, "channel", str, errors)
    data = field(body, "data", dict, errors, required=False, default={})
    priority = field(body, "priority", int, errors, required=False, default=0)
    if errors:
        raise ValidationFailed("the case request is not valid", details=errors)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise ValidationFailed("Idempotency-Key is too long", details={"Idempotency-Key": "at most 200 characters"})
    cmd = cases.OpenCase(case_type, customer, channel, data, key, priority)
    view, created = cases.open_case(ctx(), cmd, principal().username)
    headers = {"Location": f"/api/v1/cases/{view['reference']}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return jsonify(view), 201, headers


@bp.get("/api/v1/cases/<reference>")
@requires("case.read")
def get_case(reference: str) -> Response:
    return jsonify(cases.get_case(ctx(), reference))


@bp.get("/api/v1/cases")
@requires("case.read")
def list_cases() -> Response:
    f = cases.CaseFilter(customer=request.args.get("customer"), status=request.args.get("status"),
                         case_type=request.args.get("case_type"), limit=int_arg("limit", 50, 1, 200),
                         cursor=request.args.get("cursor"))
    return jsonify(cases.list_cases(ctx(), f))


@bp.get("/api/v1/cases/<reference>/timeline")
@requires("case.read")
def timeline(reference: str) -> Response:
    return jsonify({"items": cases.timeline(ctx(), reference, limit=int_arg("limit", 200, 1, 1000))})


@bp.post("/api/v1/cases/<reference>/interactions")
@requires("interaction.log")
def log_interaction(reference: str) -> tuple[Response, int]:
    body = json_body()
    errors: dict[str, str] = {}
    channel = field(body, "channel", str, errors)
    direction = field(body, "direction", str, errors)
    summary = field(body, "summary", str, errors)
    if errors:
        raise ValidationFailed("the interaction is not valid", details=errors)
    cmd = cases.LogInteraction(reference, channel, direction, summary)
    return jsonify(cases.log_interaction(ctx(), cmd, principal().username)), 201


@bp.post("/api/v1/cases/<reference>/messages/<name>")
@requires("message.send")
def send_message(reference: str, name: str) -> tuple[Response, int]:
    body = json_body(required=False)
    errors: dict[str, str] = {}
    data = field(body, "data", dict, errors, required=False, default={})
    correlations = field(body, "correlations", dict, errors, required=False, default={})
    if errors:
        raise ValidationFailed("the message is not valid", details=errors)
    return jsonify(cases.send_message(ctx(), reference, name, data, principal().username, correlations)), 202


@bp.post("/api/v1/cases/<reference>/retry")
@requires("case.retry")
def retry(reference: str) -> Response:
    body = json_body(required=False)
    version = body.get("version")
    if version is not None:  # moving onto another version is a repair: designers and admins
        principal().require("case.repair")
    return jsonify(repair.retry(ctx(), reference, principal().username, version))


@bp.get("/api/v1/search")
@requires("case.read")
def search() -> Response:
    query = request.args.get("q", "").strip()
    if not query:
        raise ValidationFailed("a search needs words", details={"q": "is required"})
    return jsonify({"query": query, "items": cases.search_all(ctx(), query, limit=int_arg("limit", 20, 1, 100))})
