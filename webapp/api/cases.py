"""Cases API: open, read, list, timeline, interactions, messages; the case types with their start schemas."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.services import cases, repair
from engine.services.parties import Customer
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import body, checked, query

bp = Blueprint("cases", __name__)


def _customer(raw: s.NewCustomer) -> Customer:
    return Customer(name=raw.name, external_id=raw.external_id, email=raw.email, phone=raw.phone,
                    national_id=raw.national_id, policy_number=raw.policy_number, account_number=raw.account_number)


@bp.post("/api/v1/cases")
@requires("case.create")
@checked({201: s.Case}, 409, json=s.NewCase,
         more_errors=lambda raw: cases.start_data_errors(ctx(), raw.get("case_type"), raw.get("data", {})))
def create_case() -> tuple[Response, int, dict[str, str]]:
    """Open a case (Idempotency-Key header makes retries safe)"""
    new = body(s.NewCase)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise ValidationFailed("Idempotency-Key is too long", details={"Idempotency-Key": "at most 200 characters"})
    cmd = cases.OpenCase(new.case_type, _customer(new.customer), new.channel, new.data, key, new.priority)
    view, created = cases.open_case(ctx(), cmd, principal().username)
    headers = {"Location": f"/api/v1/cases/{view['reference']}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return jsonify(view), 201, headers


@bp.get("/api/v1/case-types")
@requires("case.read")
@checked({200: s.CaseTypes})
def case_types() -> Response:
    """The case types that can be opened now, each with the JSON schema of its start data"""
    items = [{"case_type": d.key, "name": d.name, "version": d.version, "start_schema": d.start_schema}
             for d in sorted(ctx().processes.definitions(), key=lambda d: d.key)]
    return jsonify({"items": items})


@bp.get("/api/v1/cases/<reference>")
@requires("case.read")
@checked({200: s.Case}, 404)
def get_case(reference: str) -> Response:
    """A case as a front-office agent sees it"""
    return jsonify(cases.get_case(ctx(), reference))


@bp.get("/api/v1/cases")
@requires("case.read")
@checked({200: s.CasePage}, query=s.CaseQuery)
def list_cases() -> Response:
    """List cases, newest first"""
    q = query(s.CaseQuery)
    f = cases.CaseFilter(customer=q.customer, status=q.status, case_type=q.case_type, limit=q.limit, cursor=q.cursor)
    return jsonify(cases.list_cases(ctx(), f))


@bp.get("/api/v1/cases/<reference>/timeline")
@requires("case.read")
@checked({200: s.Timeline}, 404, query=s.LimitQuery)
def timeline(reference: str) -> Response:
    """Events and interactions, newest first"""
    return jsonify({"items": cases.timeline(ctx(), reference, limit=query(s.LimitQuery).limit)})


@bp.post("/api/v1/cases/<reference>/interactions")
@requires("interaction.log")
@checked({201: s.Interaction}, 404, json=s.NewInteraction)
def log_interaction(reference: str) -> tuple[Response, int]:
    """Log a customer interaction"""
    new = body(s.NewInteraction)
    cmd = cases.LogInteraction(reference, new.channel, new.direction, new.summary)
    return jsonify(cases.log_interaction(ctx(), cmd, principal().username)), 201


@bp.post("/api/v1/cases/<reference>/messages/<name>")
@requires("message.send")
@checked({202: s.Case}, 404, 409, json=s.Message, body_required=False)
def send_message(reference: str, name: str) -> tuple[Response, int]:
    """Deliver a BPMN message (or signal) to the case's process, with correlation keys"""
    message = body(s.Message)
    return jsonify(cases.send_message(ctx(), reference, name, message.data, principal().username,
                                      message.correlations)), 202


@bp.post("/api/v1/cases/<reference>/retry")
@requires("case.retry")
@checked({200: s.Case}, 404, 409, json=s.Retry, body_required=False)
def retry(reference: str) -> Response:
    """Run the failed step of a case in status 'incident' again; with 'version' (designer, admin) move the case
    onto that version first"""
    version = body(s.Retry).version
    if version is not None:  # moving onto another version is a repair: designers and admins
        principal().require("case.repair")
    return jsonify(repair.retry(ctx(), reference, principal().username, version))


@bp.get("/api/v1/search")
@requires("case.read")
@checked({200: s.SearchResult}, query=s.SearchQuery)
def search() -> Response:
    """Full-text search over cases, interactions and documents"""
    q = query(s.SearchQuery)
    words = q.q.strip()
    if not words:
        raise ValidationFailed("a search needs words", details={"q": "is required"})
    return jsonify({"query": words, "items": cases.search_all(ctx(), words, limit=q.limit)})
