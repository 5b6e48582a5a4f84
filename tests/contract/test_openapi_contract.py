"""The API contract: the generated OpenAPI document covers every route, carries the processes' schemas, and
holds under fuzzing (schemathesis, in process over WSGI): no server error and no answer the document does not
describe, for an admin and a front-office token, on SQLite and on PostgreSQL."""
from __future__ import annotations

import io
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.bpmn.loader import read_process_dir
from tests.capture.documents import text_pdf
from tests.conftest import ROOT, TEST_PROCESSES
from webapp.apispec import undocumented_routes

EXAMPLES = 15  # per operation and token (positive and negative): about 40 operations x 2 tokens
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(TEST_PROCESSES / "basic"),
            *(read_process_dir(ROOT / "processes" / name) for name in ("claim", "loan", "onboarding"))]


def test_every_api_route_is_in_the_document(app):
    assert undocumented_routes(app) == []


def test_the_document_is_openapi_3_1_with_each_case_types_start_data_and_each_form(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    schemas = spec["components"]["schemas"]
    assert schemas["StartData_claim"]["properties"]["policy_number"]["pattern"]
    assert "Form_claim_assess" in schemas and "Form_loan_underwrite" in schemas
    variants = spec["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/StartData_claim"} in [v["properties"]["data"]
                                                                 for v in variants["allOf"][1]["oneOf"]]
    page = spec["paths"]["/api/v1/documents/{id}/pages/{n}"]["get"]["responses"]
    assert page["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schemas["Case"]["additionalProperties"] is False


def test_case_types_lists_the_start_schemas_to_front_office_and_refuses_without_token(api, client):
    listed = api.get("/api/v1/case-types", role="frontoffice")
    assert listed.status_code == 200
    by_type = {i["case_type"]: i for i in listed.json["items"]}
    assert set(by_type) == {"basic", "claim", "loan", "onboarding"}
    assert "policy_number" in by_type["claim"]["start_schema"]["required"]
    assert client.get("/api/v1/case-types").status_code == 401


def test_a_validation_error_names_each_field_in_plain_words(api):
    response = api.post("/api/v1/cases", json={"case_type": 7, "customer": {"name": " "}, "channel": "fax",
                                               "priority": "high"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert response.json["error"]["details"] == {
        "case_type": "must be text", "customer.name": "is required",
        "channel": "must be one of: web, app, phone, email, chat, branch, post, api",
        "priority": "must be a whole number"}
    limit = api.get("/api/v1/work-items?limit=0")
    assert (limit.status_code, limit.json["error"]["details"]) == (422, {"limit": "must be at least 1"})
    versions = api.post("/api/v1/migrations", role="admin", json={"case_type": "claim", "from_version": True})
    assert versions.json["error"]["details"] == {"from_version": "must be a whole number or text",
                                                 "to_version": "is required"}


def _seed(api) -> dict[str, Any]:
    """Something to find: a claim with open work and an interaction, a document, a webhook. Returns the path
    values that name them (half the examples use these, the other half what schemathesis makes up)."""
    claim = {"case_type": "claim", "channel": "web", "customer": {"name": "Ann Example", "email": "ann@example.com"},
             "data": {"policy_number": "POL-1234567", "incident_date": "2026-01-05", "incident_type": "motor",
                      "description": "Hit a post", "claimed_amount": 900, "currency": "EUR"}}
    opened = api.post("/api/v1/cases", json=claim)
    assert opened.status_code == 201, opened.json
    ref = opened.json["reference"]
    api.post(f"/api/v1/cases/{ref}/interactions", json={"channel": "phone", "direction": "inbound", "summary": "Hi"})
    document = api.post(f"/api/v1/cases/{ref}/documents", data={"file": (io.BytesIO(text_pdf([["Claim POL-1234567"]])),
                                                                         "claim.pdf")})
    assert document.status_code == 202, document.json
    hook = api.post("/api/v1/webhooks", role="admin", json={"url": "https://example.com/hook", "events": ["case.opened"]})
    assert hook.status_code == 201, hook.json
    return {"reference": ref, "id": 1, "n": 1}


def _strategy(operation: Any) -> Any:
    """Valid requests (positive) and requests the document says are wrong (negative: they must get a 4xx)."""
    positive = operation.as_strategy()
    try:
        return positive | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    except Exception:  # noqa: BLE001 - an operation with nothing to get wrong (no parameters, no body)
        return positive


def _fuzz(app, token: str, known: dict[str, Any], stats: Counter, problems: list[str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        stats["operations"] += 1

        @given(case=_strategy(operation), use_known=st.booleans())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case: Any, use_known: bool) -> None:
            stats["examples"] += 1
            if use_known and case.path_parameters:
                case.path_parameters = {k: known.get(k, v) for k, v in case.path_parameters.items()}
            try:
                response = case.call(headers=headers)
            except Exception as err:  # noqa: BLE001 - the app raised instead of answering: a server error
                stats["server_errors"] += 1
                problems.append(f"{case.method} {case.path} raised {err!r}"[:800])
                return
            stats["server_errors"] += response.status_code >= 500
            stats[f"status_{response.status_code}"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, BaseExceptionGroup) as err:  # every failed check is one mismatch, reported below
                stats["mismatches"] += response.status_code < 500
                problems.append(f"{case.method} {case.path} -> {response.status_code}: {_short(err)}")

        run()


def _short(err: BaseException) -> str:
    causes = getattr(err, "exceptions", None) or [err]
    return " | ".join(str(c).split("Reproduce with")[0].strip()[:500] for c in causes)


@pytest.mark.parametrize("role", ["admin", "frontoffice"])
def test_fuzzing_finds_no_server_error_and_no_answer_outside_the_document(app, api, tokens, role, backend):
    known = _seed(api)
    stats: Counter = Counter()
    problems: list[str] = []
    started = time.perf_counter()
    _fuzz(app, tokens[role], known, stats, problems)
    seconds = time.perf_counter() - started
    print(f"\nschemathesis {backend}/{role}: {stats['operations']} operations, {stats['examples']} examples, "
          f"{stats['server_errors']} server errors, {stats['mismatches']} mismatches, {seconds:.1f} s; "
          f"{sorted((k, v) for k, v in stats.items() if k.startswith('status_'))}")
    assert stats["operations"] >= 35 and stats["examples"] >= stats["operations"]
    assert problems == [], "\n\n".join(problems[:15])
