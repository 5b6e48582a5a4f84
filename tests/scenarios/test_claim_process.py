"""The insurance claim process end to end, through the engine services, as the people around a claim see it.

The manual clock starts on Monday 2 November 2026, 09:00 UTC.
"""
from __future__ import annotations

import pytest

from engine.errors import FourEyesViolation, NoSuchMessage, ValidationFailed
from tests.scenarios.claims import ClaimDesk, claim_data

ASSESSING = "Your claim is being assessed by our claims team; we aim to decide by {}."
PAID = ("Your claim was approved and a payment of {} EUR has been scheduled; it usually reaches your account "
        "within 3 working days.")
REJECTED = "Your claim was not accepted. We have written to you with the reasons and how to appeal."


def test_fast_track_claim_with_all_documents_is_paid(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("motor", 800))
    case = desk.case(ref)
    assert (case["status"], case["stage"], case["waiting_for"]) == ("open", "assessment", [])
    assert case["status_text"] == ASSESSING.format("5 November")
    assert (case["data"]["complexity"], case["data"]["sla_days"]) == ("fast_track", 3)
    assert desk.tasks(ref) == [("assess", "claims_triage")]
    assert case["open_tasks"][0]["due_at"] == "2026-11-05T09:00:00+00:00"

    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=750)

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"]) == ("closed", "paid", "closed")
    assert case["status_text"] == PAID.format("750.00")
    assert case["open_tasks"] == [] and case["closed_at"] is not None
    [payment] = desk.events(ref, "payment_scheduled")
    assert (payment["amount"], payment["currency"], payment["payee"]) == (750, "EUR", "POL-1234567")
    assert "750.00 EUR" in desk.events(ref, "customer_notified")[-1]["text"]
    kinds = desk.kinds(ref)
    assert kinds[0] == "case_opened" and kinds[-1] == "case_closed"
    assert kinds.index("work_item_completed") < kinds.index("payment_scheduled")
    assert "message_received" not in kinds


def test_missing_documents_wait_for_the_customer_then_the_claim_is_paid(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("motor", 800, complete=False, documents_provided=["claim_form"]))
    case = desk.case(ref)
    assert (case["status"], case["stage"], case["open_tasks"]) == ("waiting", "documents", [])
    assert case["waiting_for"] == ["documents_received"]
    assert case["status_text"] == "We are waiting for your repair estimate, requested on 2 November."
    [request] = desk.events(ref, "customer_notified")
    assert "repair estimate" in request["text"]

    desk.wait(days=2)
    desk.send_documents(ref, "repair_estimate")

    case = desk.case(ref)
    assert case["status"] == "open" and case["waiting_for"] == []
    assert case["data"]["missing_documents"] == []
    assert case["data"]["documents_provided"] == ["claim_form", "repair_estimate"]
    assert case["data"]["documents_received_on"] == "2026-11-04"
    assert case["status_text"] == ASSESSING.format("7 November")
    assert desk.tasks(ref) == [("assess", "claims_triage")]
    with pytest.raises(NoSuchMessage):
        desk.send_documents(ref, "repair_estimate")

    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=800)
    assert (desk.case(ref)["outcome"], desk.case(ref)["status_text"]) == ("paid", PAID.format("800.00"))
    assert "message_received" in desk.kinds(ref)


def test_a_delivery_that_does_not_say_what_it_holds_counts_as_complete(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("health", 300, complete=False))
    assert desk.case(ref)["status_text"] == (
        "We are waiting for your claim form and medical invoice, requested on 2 November.")
    desk.send_documents(ref)
    data = desk.case(ref)["data"]
    assert data["missing_documents"] == [] and data["documents_provided"] == ["claim_form", "medical_invoice"]


def test_a_partial_delivery_goes_to_assessment_with_what_is_still_missing(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("travel", 400, complete=False))
    desk.send_documents(ref, "claim_form")
    case = desk.case(ref)
    assert desk.tasks(ref) == [("assess", "claims_triage")]
    assert case["data"]["missing_documents"] == ["receipt"] and case["data"]["missing_text"] == "receipt"


def test_rejected_claim_is_closed_without_payment(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("property", 4200))
    assert desk.case(ref)["data"]["complexity"] == "standard"
    assert desk.case(ref)["status_text"] == ASSESSING.format("7 November")

    desk.complete(ref, "assess", "alice", decision="reject", reason="Gradual leak: not covered by the policy")

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["status_text"]) == ("closed", "rejected", REJECTED)
    assert desk.events(ref, "payment_scheduled") == []
    assert "cannot accept your claim" in desk.events(ref, "customer_notified")[-1]["text"]


def test_the_assessment_form_demands_an_amount_to_approve_and_a_reason_to_reject(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("motor", 800))
    with pytest.raises(ValidationFailed) as approve:
        desk.complete(ref, "assess", "alice", decision="approve")
    with pytest.raises(ValidationFailed) as reject:
        desk.complete(ref, "assess", "alice", decision="reject")
    with pytest.raises(ValidationFailed) as negative:
        desk.complete(ref, "assess", "alice", decision="approve", approved_amount=-5)
    assert approve.value.details == {"approved_amount": "is required"}
    assert reject.value.details == {"reason": "is required"}
    assert "approved_amount" in negative.value.details
    assert desk.case(ref)["status"] == "open"


@pytest.mark.parametrize(("change", "field"), [
    ({"claimed_amount": 0}, "data.claimed_amount"),
    ({"currency": "euro"}, "data.currency"),
    ({"incident_type": "pet"}, "data.incident_type"),
    ({"incident_date": "28/10/2026"}, "data.incident_date"),
])
def test_an_invalid_claim_is_refused_at_the_door(desk: ClaimDesk, change: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        desk.open({**claim_data("motor", 800), **change})
    assert field in refused.value.details


def test_one_reminder_after_seven_days_without_documents(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("property", 2500, complete=False))
    assert desk.wait(days=6, hours=23) == 0
    assert len(desk.events(ref, "customer_notified")) == 1

    assert desk.wait(hours=1) == 1
    _request, reminder = desk.events(ref, "customer_notified")
    assert reminder["text"].startswith("Reminder: we are still waiting for your claim form and invoice")
    case = desk.case(ref)
    assert (case["status"], case["waiting_for"]) == ("waiting", ["documents_received"])
    assert case["status_text"] == "We are waiting for your claim form and invoice, requested on 2 November."

    desk.wait(days=7)
    assert len(desk.events(ref, "customer_notified")) == 2


def test_documents_arriving_in_time_stop_the_thirty_day_clock(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("property", 2500, complete=False))
    desk.wait(days=10)
    desk.send_documents(ref, "claim_form", "invoice")
    desk.wait(days=25)
    case = desk.case(ref)
    assert case["status"] == "open" and case["outcome"] is None
    assert ("assess", "claims_triage") in desk.tasks(ref)
    assert len(desk.events(ref, "customer_notified")) == 2  # the request and the one reminder


def test_claim_is_abandoned_after_thirty_days_without_documents(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("motor", 900, complete=False))
    desk.wait(days=7)
    desk.wait(days=22, hours=23)
    assert desk.case(ref)["status"] == "waiting"

    assert desk.wait(hours=1) == 1

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["waiting_for"]) == ("closed", "abandoned", [])
    assert case["status_text"] == ("Your claim was closed because we did not receive your claim form and repair "
                                   "estimate within 30 days. Contact us and we will reopen it.")
    texts = [e["text"] for e in desk.events(ref, "customer_notified")]
    assert len(texts) == 3 and texts[-1].startswith("We have closed your claim")
    assert desk.kinds(ref)[-1] == "case_closed"
    with pytest.raises(NoSuchMessage):
        desk.send_documents(ref, "repair_estimate")


def test_overdue_assessment_is_escalated_to_the_team_leads(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("motor", 5000))
    assert desk.case(ref)["data"]["sla_days"] == 5
    assert desk.wait(days=4, hours=23) == 0
    assert desk.tasks(ref) == [("assess", "claims_triage")]

    assert desk.wait(hours=1) == 1
    assert sorted(desk.tasks(ref)) == [("assess", "claims_triage"), ("expedite", "team_leads")]
    [lead_item] = desk.work_items(queue="team_leads")
    assert (lead_item["name"], lead_item["title"], lead_item["case_reference"]) == (
        "expedite", "Expedite overdue claim", ref)
    assert desk.case(ref)["status_text"].startswith("Your claim is taking longer than we planned")  # newest task speaks

    desk.wait(minutes=1)
    assert [i["name"] for i in desk.work_items(overdue=True, case_reference=ref)] == ["assess"]

    desk.complete(ref, "expedite", "tom", action="chased_assessor", note="Alice picks it up today")
    assert desk.tasks(ref) == [("assess", "claims_triage")]
    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=4800)
    assert desk.case(ref)["outcome"] == "paid"


def test_a_paid_claim_closes_even_with_the_expedite_task_still_open(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("travel", 300))
    desk.wait(days=2)
    assert ("expedite", "team_leads") in desk.tasks(ref)

    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=300)

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["open_tasks"]) == ("closed", "paid", [])
    [cancelled] = desk.work_items(state="cancelled", case_reference=ref)
    assert cancelled["name"] == "expedite"


def test_large_approval_needs_a_second_pair_of_eyes(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("property", 18000))
    assert desk.case(ref)["data"]["complexity"] == "complex"
    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=17000)

    case = desk.case(ref)
    assert desk.tasks(ref) == [("approve_payout", "claims_managers")]
    assert (case["status"], case["stage"], case["data"]["needs_second_approval"]) == ("open", "approval", True)
    assert case["status_text"] == ("Your claim has been approved for 17,000.00 EUR and is awaiting final sign-off "
                                   "by a claims manager.")
    with pytest.raises(FourEyesViolation):
        desk.claim(ref, "approve_payout", "alice")
    with pytest.raises(FourEyesViolation):
        desk.complete(ref, "approve_payout", "alice", decision="approve")
    assert desk.events(ref, "payment_scheduled") == []

    desk.complete(ref, "approve_payout", "maria", decision="approve")

    assert desk.case(ref)["outcome"] == "paid"
    assert [p["amount"] for p in desk.events(ref, "payment_scheduled")] == [17000]


def test_claims_manager_can_refuse_the_payout(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("motor", 12000))
    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=11500)
    with pytest.raises(ValidationFailed):
        desk.complete(ref, "approve_payout", "maria", decision="reject")
    desk.complete(ref, "approve_payout", "maria", decision="reject", reason="Estimate exceeds the car's value")
    case = desk.case(ref)
    assert (case["outcome"], case["status_text"]) == ("rejected", REJECTED)
    assert desk.events(ref, "payment_scheduled") == []


def test_approval_within_authority_goes_straight_to_payment(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("motor", 12000))
    desk.complete(ref, "assess", "alice", decision="approve", approved_amount=9999)
    case = desk.case(ref)
    assert case["data"]["needs_second_approval"] is False and case["outcome"] == "paid"


def test_referred_claim_is_decided_by_a_claims_manager(desk: ClaimDesk) -> None:
    ref = desk.open(claim_data("health", 3000))
    desk.complete(ref, "assess", "alice", decision="refer", reason="Treatment may predate the policy")
    case = desk.case(ref)
    assert desk.tasks(ref) == [("review_referral", "claims_managers")]
    assert case["status_text"] == ("Your claim is being reviewed by a senior claims manager; we will contact you "
                                   "with a decision.")

    desk.complete(ref, "review_referral", "maria", decision="approve", approved_amount=2800,
                  reason="Treatment started after the policy began")

    case = desk.case(ref)
    assert (case["outcome"], case["data"]["approved_amount"]) == ("paid", 2800)
    assert case["status_text"] == PAID.format("2,800.00")
