"""The rules a claim enforces over the REST API: four eyes, form validation, who may do what."""
from __future__ import annotations

from typing import Any

import pytest

from engine.services import auth
from tests.claims_api.driver import ClaimsOverHttp
from tests.scenarios.claims import claim_data


def snapshot(desk: ClaimsOverHttp, ref: str) -> tuple[Any, ...]:
    """What anyone could observe about a case: the case itself, its open work and its timeline."""
    return desk.case(ref), desk.work_items(case=ref), desk.timeline(ref)


def assert_forbidden(response: Any, code: str = "four_eyes_violation") -> None:
    assert response.status_code == 403, response.json
    assert response.json["error"]["code"] == code


def test_the_assessor_cannot_approve_their_own_payout(desk: ClaimsOverHttp, api) -> None:
    ref = desk.open(claim_data("property", 18000))
    assert desk.case(ref)["data"]["complexity"] == "complex"
    desk.work(ref, "assess", "alice", decision="approve", approved_amount=17000)
    assert desk.tasks(ref) == [("approve_payout", "claims_managers", None)]
    before = snapshot(desk, ref)

    assert_forbidden(desk.claim(ref, "approve_payout", "alice"))
    refused = desk.submit(ref, "approve_payout", "alice", decision="approve")
    assert_forbidden(refused)
    assert "someone other than who completed" in refused.json["error"]["message"]

    other_token = auth.create_token(desk.ctx, "alice", "integration")  # a second token of the same person
    assert_forbidden(api.post(f"/api/v1/work-items/{desk.item(ref, 'approve_payout')}/claim", role=other_token))

    assert snapshot(desk, ref) == before  # nothing claimed, nothing paid, nothing logged
    assert desk.events(ref, "payment_scheduled") == []

    desk.work(ref, "approve_payout", "maria", decision="approve")
    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["data"]["payment"]["amount"]) == ("closed", "paid", 17000)
    completions = [(e["actor"], e["payload"]["task"]) for e in desk.timeline(ref) if e["kind"] == "work_item_completed"]
    assert completions == [("alice", "assess"), ("maria", "approve_payout")]


def test_the_assessor_cannot_complete_a_payout_another_manager_has_claimed(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 12000))
    desk.work(ref, "assess", "alice", decision="approve", approved_amount=11000)
    assert desk.claim(ref, "approve_payout", "maria").status_code == 200
    assert desk.tasks(ref) == [("approve_payout", "claims_managers", "maria")]

    before = snapshot(desk, ref)
    taken = desk.submit(ref, "approve_payout", "alice", decision="approve")
    assert taken.status_code == 409, taken.json
    assert taken.json["error"]["code"] == "task_already_claimed"
    assert taken.json["error"]["details"] == {"assignee": "maria"}
    assert_forbidden(desk.claim(ref, "approve_payout", "alice"))
    assert snapshot(desk, ref) == before

    done = desk.submit(ref, "approve_payout", "maria", decision="approve")
    assert done.status_code == 200, done.json
    assert desk.case(ref)["outcome"] == "paid"


def test_neither_the_assessor_nor_the_referral_reviewer_can_approve_the_payout(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("health", 8000))
    assert (desk.case(ref)["data"]["complexity"], desk.case(ref)["data"]["sla_days"]) == ("complex", 10)
    desk.work(ref, "assess", "alice", decision="refer", reason="Possible pre-existing condition")
    assert desk.tasks(ref) == [("review_referral", "claims_managers", None)]
    desk.work(ref, "review_referral", "maria", decision="approve", approved_amount=7500,
              reason="Condition started after the policy began")

    case = desk.case(ref)
    assert desk.tasks(ref) == [("approve_payout", "claims_managers", None)]
    assert (case["stage"], case["data"]["needs_second_approval"]) == ("approval", True)
    assert case["status_text"] == ("Your claim has been approved for 7,500.00 EUR and is awaiting final sign-off "
                                   "by a claims manager.")
    before = snapshot(desk, ref)

    for who in ("maria", "alice"):
        assert_forbidden(desk.claim(ref, "approve_payout", who))
        assert_forbidden(desk.submit(ref, "approve_payout", who, decision="approve"))
    assert snapshot(desk, ref) == before

    desk.work(ref, "approve_payout", "mark", decision="approve")
    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["data"]["payment"]["amount"]) == ("closed", "paid", 7500)
    completions = [(e["actor"], e["payload"]["task"]) for e in desk.timeline(ref) if e["kind"] == "work_item_completed"]
    assert completions == [("alice", "assess"), ("maria", "review_referral"), ("mark", "approve_payout")]


def test_four_eyes_is_per_case(desk: ClaimsOverHttp) -> None:
    """Whoever assessed one claim may still sign off another claim's payout."""
    first = desk.open(claim_data("motor", 12000))
    second = desk.open(claim_data("motor", 12000), customer="Bob Example")
    desk.work(first, "assess", "alice", decision="approve", approved_amount=10500)
    desk.work(second, "assess", "maria", decision="approve", approved_amount=10500)

    assert_forbidden(desk.claim(first, "approve_payout", "alice"))
    desk.work(first, "approve_payout", "maria", decision="approve")
    desk.work(second, "approve_payout", "alice", decision="approve")
    assert [desk.case(r)["outcome"] for r in (first, second)] == ["paid", "paid"]


def test_front_office_may_open_and_read_a_claim_but_not_work_it(desk: ClaimsOverHttp, api) -> None:
    ref = desk.open(claim_data("motor", 800), role="frontoffice")
    item = desk.item(ref, "assess")
    assert_forbidden(api.post(f"/api/v1/work-items/{item}/claim", role="frontoffice"), "forbidden")
    assert_forbidden(api.post(f"/api/v1/work-items/{item}/complete", role="frontoffice",
                              json={"data": {"decision": "approve", "approved_amount": 800}}), "forbidden")
    assert api.get(f"/api/v1/cases/{ref}", role="frontoffice").status_code == 200
    assert desk.tasks(ref) == [("assess", "claims_triage", None)]
    anonymous = api.client.post(f"/api/v1/work-items/{item}/claim")
    assert anonymous.status_code == 401 and anonymous.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("form", "errors"), [
    ({"decision": "approve"}, {"approved_amount": "is required"}),
    ({"decision": "reject"}, {"reason": "is required"}),
    ({"decision": "refer", "reason": "no"}, {"reason"}),
    ({"decision": "approve", "approved_amount": -5}, {"approved_amount"}),
    ({"decision": "approve", "approved_amount": "750"}, {"approved_amount"}),
    ({"decision": "pay", "approved_amount": 750}, {"decision"}),
    ({"approved_amount": 750}, {"decision": "is required"}),
    ({"decision": "approve", "approved_amount": 750, "bonus": 1}, {"bonus": "is not a field of this form"}),
])
def test_invalid_assessment_is_refused_with_field_errors_and_changes_nothing(
        desk: ClaimsOverHttp, form: dict[str, Any], errors: Any) -> None:
    ref = desk.open(claim_data("motor", 800))
    assert desk.claim(ref, "assess", "alice").status_code == 200
    before = snapshot(desk, ref)

    refused = desk.submit(ref, "assess", "alice", **form)

    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["code"] == "validation_failed"
    details = refused.json["error"]["details"]
    if isinstance(errors, dict):
        assert details == errors
    else:
        assert set(details) == errors
    assert snapshot(desk, ref) == before
    assert desk.tasks(ref) == [("assess", "claims_triage", "alice")]

    desk.work(ref, "assess", "alice", decision="approve", approved_amount=750)  # a correct form still goes through
    assert desk.case(ref)["outcome"] == "paid"


def test_refusing_a_payout_needs_a_reason(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 12000))
    desk.work(ref, "assess", "alice", decision="approve", approved_amount=11500)
    assert desk.claim(ref, "approve_payout", "maria").status_code == 200
    before = snapshot(desk, ref)

    refused = desk.submit(ref, "approve_payout", "maria", decision="reject")

    assert refused.status_code == 422
    assert refused.json["error"]["details"] == {"reason": "is required"}
    assert snapshot(desk, ref) == before


def test_a_completion_without_a_data_object_is_refused(desk: ClaimsOverHttp, api) -> None:
    ref = desk.open(claim_data("motor", 800))
    item = desk.item(ref, "assess")
    before = snapshot(desk, ref)
    refused = api.post(f"/api/v1/work-items/{item}/complete", role=desk.token("alice"),
                       json={"decision": "approve", "approved_amount": 750})
    assert refused.status_code == 422 and "data" in refused.json["error"]["details"]
    assert snapshot(desk, ref) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"claimed_amount": 0}, "data.claimed_amount"),
    ({"claimed_amount": "800"}, "data.claimed_amount"),
    ({"currency": "euro"}, "data.currency"),
    ({"incident_type": "pet"}, "data.incident_type"),
    ({"incident_date": "28/10/2026"}, "data.incident_date"),
    ({"policy_number": "1234"}, "data.policy_number"),
    ({"description": "bad"}, "data.description"),
    ({"documents_provided": ["claim_form", "claim_form"]}, "data.documents_provided"),
])
def test_an_invalid_claim_is_refused_with_field_errors(desk: ClaimsOverHttp, change: dict, field: str) -> None:
    refused = desk.open_response({**claim_data("motor", 800), **change})
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["code"] == "validation_failed"
    assert field in refused.json["error"]["details"]
    assert desk.claims() == [] and desk.work_items() == []


def test_a_claim_missing_required_fields_lists_each_of_them(desk: ClaimsOverHttp) -> None:
    data = claim_data("motor", 800)
    del data["policy_number"], data["claimed_amount"]
    refused = desk.open_response(data, customer=" ")
    assert refused.status_code == 422
    assert refused.json["error"]["details"] == {
        "customer.name": "is required", "data.policy_number": "is required", "data.claimed_amount": "is required"}
    assert desk.claims() == [] and desk.work_items() == []

    ref = desk.open(claim_data("motor", 800))  # the same desk then opens a valid claim
    assert desk.claims() == [ref]
