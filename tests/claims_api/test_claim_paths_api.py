"""Every path of the insurance claim, driven over the REST API on SQLite and PostgreSQL.

The manual clock starts on Monday 2 November 2026, 09:00 UTC; time moves only with ``desk.wait`` (clock
advance plus one scheduler tick, as the background worker does).
"""
from __future__ import annotations

from tests.claims_api.driver import ClaimsOverHttp
from tests.scenarios.claims import claim_data

ASSESSING = "Your claim is being assessed by our claims team; we aim to decide by {}."
PAID = ("Your claim was approved and a payment of {} EUR has been scheduled; it usually reaches your account "
        "within 3 working days.")
REJECTED = "Your claim was not accepted. We have written to you with the reasons and how to appeal."
REFERRED = "Your claim is being reviewed by a senior claims manager; we will contact you with a decision."
SIGN_OFF = "Your claim has been approved for {} EUR and is awaiting final sign-off by a claims manager."


def assert_paid(desk: ClaimsOverHttp, ref: str, amount: float, shown: str) -> dict:
    """The case is closed as paid, with one payment instruction in its data and on its timeline."""
    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"]) == ("closed", "paid", "closed")
    assert case["status_text"] == PAID.format(shown)
    assert case["open_tasks"] == [] and case["waiting_for"] == [] and case["closed_at"] is not None
    payment = case["data"]["payment"]
    assert (payment["amount"], payment["currency"], payment["payee"]) == (amount, "EUR", "POL-1234567")
    assert payment["instruction_id"].startswith("PAY-")
    assert desk.events(ref, "payment_scheduled") == [payment]
    assert desk.events(ref, "customer_notified")[-1]["text"] == (
        f"Good news: your claim was approved and we have scheduled a payment of {amount:.2f} EUR.")
    assert desk.kinds(ref)[-1] == "case_closed"
    assert desk.tasks(ref) == []
    return case


def test_fast_track_claim_with_all_documents_is_paid(desk: ClaimsOverHttp, api, clock) -> None:
    created = desk.open_response(claim_data("motor", 800))
    assert created.status_code == 201, created.json
    ref = created.json["reference"]
    assert ref.startswith("CLM-2026-")
    assert created.headers["Location"] == f"/api/v1/cases/{ref}"
    assert (created.json["status"], created.json["stage"]) == ("open", "assessment")

    case = desk.case(ref)
    assert (case["status"], case["stage"], case["waiting_for"], case["outcome"]) == ("open", "assessment", [], None)
    assert case["status_text"] == ASSESSING.format("5 November")
    assert (case["data"]["complexity"], case["data"]["sla_days"]) == ("fast_track", 3)
    assert case["data"]["missing_documents"] == [] and "payment" not in case["data"]
    [task] = case["open_tasks"]
    assert (task["name"], task["title"], task["queue"], task["assignee"]) == (
        "assess", "Assess claim", "claims_triage", None)
    assert task["due_at"] == "2026-11-05T09:00:00+00:00"
    detail = api.get(f"/api/v1/work-items/{task['id']}", role="backoffice").json
    assert detail["form"]["properties"]["decision"]["enum"] == ["approve", "reject", "refer"]

    desk.claim(ref, "assess", "alice")
    assert desk.tasks(ref) == [("assess", "claims_triage", "alice")]
    clock.advance(hours=2)
    done = desk.submit(ref, "assess", "alice", decision="approve", approved_amount=750)
    assert done.status_code == 200, done.json
    assert done.json["status_text"] == PAID.format("750.00")

    case = assert_paid(desk, ref, 750, "750.00")
    assert case["data"]["payment"]["scheduled_at"] == "2026-11-02T11:00:00+00:00"
    assert (case["data"]["decision"], case["data"]["needs_second_approval"]) == ("approve", False)
    kinds = desk.kinds(ref)
    assert kinds[0] == "case_opened"
    assert kinds.index("work_item_claimed") < kinds.index("work_item_completed") < kinds.index("payment_scheduled")
    assert "message_received" not in kinds and "customer_notified" in kinds
    [completed] = [e for e in desk.timeline(ref) if e["kind"] == "work_item_completed"]
    assert completed["actor"] == "alice" and completed["payload"]["data"]["approved_amount"] == 750


def test_missing_documents_arrive_by_message_then_the_claim_is_assessed_and_paid(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 800, complete=False, documents_provided=["claim_form"]))
    case = desk.case(ref)
    assert (case["status"], case["stage"], case["open_tasks"]) == ("waiting", "documents", [])
    assert case["waiting_for"] == ["documents_received"]
    assert case["status_text"] == "We are waiting for your repair estimate, requested on 2 November."
    assert case["data"]["missing_documents"] == ["repair_estimate"]
    [request] = desk.events(ref, "customer_notified")
    assert request["text"] == "To process your claim we need your repair estimate. Please send them to us."
    assert desk.tasks(ref) == []

    assert desk.wait(days=2) == 0
    sent = desk.send_documents(ref, "repair_estimate")
    assert sent.status_code == 202, sent.json
    assert (sent.json["status"], sent.json["waiting_for"]) == ("open", [])

    case = desk.case(ref)
    assert case["status"] == "open" and case["stage"] == "assessment"
    assert case["data"]["missing_documents"] == []
    assert case["data"]["documents_provided"] == ["claim_form", "repair_estimate"]
    assert case["data"]["documents_received_on"] == "2026-11-04"
    assert case["status_text"] == ASSESSING.format("7 November")
    assert desk.tasks(ref) == [("assess", "claims_triage", None)]

    again = desk.send_documents(ref, "repair_estimate")
    assert again.status_code == 409 and again.json["error"]["code"] == "no_waiting_message"

    desk.work(ref, "assess", "alice", decision="approve", approved_amount=800)
    assert_paid(desk, ref, 800, "800.00")
    [received] = [e for e in desk.timeline(ref) if e["kind"] == "message_received"]
    assert (received["actor"], received["payload"]["name"]) == ("integration-user", "documents_received")


def test_the_desk_can_report_a_delivery_that_does_not_list_its_documents(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("health", 300, complete=False), role="frontoffice")
    assert desk.case(ref)["status_text"] == (
        "We are waiting for your claim form and medical invoice, requested on 2 November.")
    sent = desk.send_documents(ref, role="backoffice")
    assert sent.status_code == 202, sent.json
    data = desk.case(ref)["data"]
    assert data["missing_documents"] == [] and data["documents_provided"] == ["claim_form", "medical_invoice"]
    assert desk.tasks(ref) == [("assess", "claims_triage", None)]


def test_standard_claim_above_the_assessors_authority_needs_a_second_approval(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 12000))
    assert (desk.case(ref)["data"]["complexity"], desk.case(ref)["data"]["sla_days"]) == ("standard", 5)

    desk.work(ref, "assess", "alice", decision="approve", approved_amount=11500)

    case = desk.case(ref)
    assert (case["status"], case["stage"], case["outcome"]) == ("open", "approval", None)
    assert case["data"]["needs_second_approval"] is True
    assert case["status_text"] == SIGN_OFF.format("11,500.00")
    assert desk.tasks(ref) == [("approve_payout", "claims_managers", None)]
    assert "payment" not in case["data"] and desk.events(ref, "payment_scheduled") == []
    [task] = case["open_tasks"]
    assert (task["title"], task["due_at"]) == ("Approve payout", "2026-11-04T09:00:00+00:00")

    desk.work(ref, "approve_payout", "maria", decision="approve")

    assert_paid(desk, ref, 11500, "11,500.00")
    completions = [(e["actor"], e["payload"]["task"]) for e in desk.timeline(ref) if e["kind"] == "work_item_completed"]
    assert completions == [("alice", "assess"), ("maria", "approve_payout")]


def test_approval_within_the_assessors_authority_goes_straight_to_payment(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 12000))
    desk.work(ref, "assess", "alice", decision="approve", approved_amount=9999)
    case = assert_paid(desk, ref, 9999, "9,999.00")
    assert case["data"]["needs_second_approval"] is False
    assert "approve_payout" not in [e["payload"].get("task") for e in desk.timeline(ref)]


def test_referred_claim_is_decided_by_a_claims_manager(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("health", 3000))
    desk.work(ref, "assess", "alice", decision="refer", reason="Treatment may predate the policy")

    case = desk.case(ref)
    assert desk.tasks(ref) == [("review_referral", "claims_managers", None)]
    assert (case["status"], case["stage"], case["status_text"]) == ("open", "assessment", REFERRED)
    assert (case["data"]["decision"], case["data"]["reason"]) == ("refer", "Treatment may predate the policy")

    desk.work(ref, "review_referral", "maria", decision="approve", approved_amount=2800,
              reason="Treatment started after the policy began")

    case = assert_paid(desk, ref, 2800, "2,800.00")
    assert (case["data"]["decision"], case["data"]["reason"]) == ("approve", "Treatment started after the policy began")


def test_assessor_rejects_the_claim(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("property", 4200))
    assert desk.case(ref)["data"]["complexity"] == "standard"
    assert desk.case(ref)["status_text"] == ASSESSING.format("7 November")

    done = desk.work(ref, "assess", "alice", decision="reject", reason="Gradual leak: not covered by the policy")
    assert done["status_text"] == REJECTED

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"], case["status_text"]) == (
        "closed", "rejected", "closed", REJECTED)
    assert case["open_tasks"] == [] and case["closed_at"] is not None
    assert "payment" not in case["data"] and desk.events(ref, "payment_scheduled") == []
    assert case["data"]["reason"] == "Gradual leak: not covered by the policy"
    assert "cannot accept your claim" in desk.events(ref, "customer_notified")[-1]["text"]
    assert desk.kinds(ref)[-1] == "case_closed"


def test_claims_manager_refuses_the_payout(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 12000))
    desk.work(ref, "assess", "alice", decision="approve", approved_amount=11500)
    desk.work(ref, "approve_payout", "maria", decision="reject", reason="Estimate exceeds the car's value")
    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["status_text"]) == ("closed", "rejected", REJECTED)
    assert (case["data"]["decision"], case["data"]["reason"]) == ("reject", "Estimate exceeds the car's value")
    assert "payment" not in case["data"] and desk.events(ref, "payment_scheduled") == []


def test_a_reminder_goes_out_after_seven_days_without_documents(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("property", 2500, complete=False))
    assert desk.wait(days=6, hours=23) == 0
    assert len(desk.events(ref, "customer_notified")) == 1

    assert desk.wait(hours=1) == 1

    request, reminder = desk.events(ref, "customer_notified")
    assert request["text"].startswith("To process your claim we need your claim form and invoice")
    assert reminder["text"] == ("Reminder: we are still waiting for your claim form and invoice to process your "
                                "claim.")
    case = desk.case(ref)
    assert (case["status"], case["stage"], case["waiting_for"]) == ("waiting", "documents", ["documents_received"])
    assert case["status_text"] == "We are waiting for your claim form and invoice, requested on 2 November."
    assert desk.tasks(ref) == []

    assert desk.wait(days=7) == 0  # only one reminder
    assert len(desk.events(ref, "customer_notified")) == 2


def test_documents_arriving_in_time_stop_the_thirty_day_clock(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("property", 2500, complete=False))
    desk.wait(days=10)
    assert desk.send_documents(ref, "claim_form", "invoice").status_code == 202
    desk.wait(days=25)
    case = desk.case(ref)
    assert (case["status"], case["outcome"]) == ("open", None)
    assert ("assess", "claims_triage", None) in desk.tasks(ref)
    assert len(desk.events(ref, "customer_notified")) == 2  # the request and the one reminder


def test_claim_is_abandoned_after_thirty_days_without_documents(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 900, complete=False))
    assert desk.wait(days=7) == 1  # the reminder
    assert desk.wait(days=22, hours=23) == 0
    assert desk.case(ref)["status"] == "waiting"

    assert desk.wait(hours=1) == 1

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"], case["waiting_for"]) == (
        "closed", "abandoned", "closed", [])
    assert case["status_text"] == ("Your claim was closed because we did not receive your claim form and repair "
                                   "estimate within 30 days. Contact us and we will reopen it.")
    assert case["closed_at"] == "2026-12-02T09:00:00+00:00"
    texts = [e["text"] for e in desk.events(ref, "customer_notified")]
    assert len(texts) == 3 and texts[-1].startswith("We have closed your claim")
    assert "payment" not in case["data"] and desk.tasks(ref) == []
    assert desk.kinds(ref)[-1] == "case_closed"
    fired = [(e["actor"], e["payload"]["after"], e["at"]) for e in desk.timeline(ref)
             if e["kind"] == "step_completed" and e["payload"]["task"] == "abandon_timer"]
    assert fired == [("system", "timer", "2026-12-02T09:00:00+00:00")]  # the system's step, set going by the timer

    late = desk.send_documents(ref, "repair_estimate")
    assert late.status_code == 409 and late.json["error"]["code"] == "no_waiting_message"
    assert desk.case(ref)["outcome"] == "abandoned"


def test_overdue_assessment_is_escalated_to_the_team_leads(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("motor", 5000))
    assert desk.case(ref)["data"]["sla_days"] == 5
    assert desk.wait(days=4, hours=23) == 0
    assert desk.tasks(ref) == [("assess", "claims_triage", None)]
    assert desk.work_items(queue="team_leads") == []

    assert desk.wait(hours=1) == 1

    assert desk.tasks(ref) == [("assess", "claims_triage", None), ("expedite", "team_leads", None)]
    [lead_item] = desk.work_items(queue="team_leads")
    assert (lead_item["name"], lead_item["title"], lead_item["case_reference"], lead_item["state"]) == (
        "expedite", "Expedite overdue claim", ref, "ready")
    assert (lead_item["priority"], lead_item["due_at"]) == (1, "2026-11-08T09:00:00+00:00")
    case = desk.case(ref)
    assert (case["status"], case["stage"]) == ("open", "assessment")
    assert case["status_text"].startswith("Your claim is taking longer than we planned")  # the newest task speaks

    desk.wait(minutes=1)
    assert [i["name"] for i in desk.work_items(case=ref, overdue="true")] == ["assess"]

    desk.work(ref, "expedite", "tom", action="chased_assessor", note="Alice picks it up today")
    assert desk.tasks(ref) == [("assess", "claims_triage", None)]
    desk.work(ref, "assess", "alice", decision="approve", approved_amount=4800)
    assert_paid(desk, ref, 4800, "4,800.00")


def test_a_paid_claim_closes_with_the_expedite_task_still_open(desk: ClaimsOverHttp) -> None:
    ref = desk.open(claim_data("travel", 300))
    assert desk.case(ref)["data"]["sla_days"] == 2
    assert desk.wait(days=2) == 1
    assert ("expedite", "team_leads", None) in desk.tasks(ref)

    desk.work(ref, "assess", "alice", decision="approve", approved_amount=300)

    assert_paid(desk, ref, 300, "300.00")
    [cancelled] = desk.work_items(case=ref, state="cancelled")
    assert (cancelled["name"], cancelled["queue"]) == ("expedite", "team_leads")
    assert desk.work_items(queue="team_leads") == []
