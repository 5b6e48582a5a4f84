"""The loan application end to end over the REST API, on SQLite and PostgreSQL, as customers, front-office
agents, underwriters and the credit committee see it.

The manual clock starts on Monday 2 November 2026, 09:00 UTC; time moves only through ``desk.wait``.
"""
from __future__ import annotations

import pytest

from tests.loans.loans import LoanDesk, annuity, application

OFFER = ("Your offer of {amount} at {rate}% a year ({months} monthly payments of {instalment}) was sent on "
         "{sent}; it is valid until {until}.")
UNDERWRITING = ("Your application for {amount} over {months} months is being reviewed by our underwriting team; "
                "we usually decide within 3 days.")
DECLINED = "We are sorry: we could not offer you this loan. We have written to you with the main reasons."
DISBURSED = ("You accepted our offer on {on} and we have paid out {amount} to your account; you repay {instalment} "
             "a month for {months} months.")


def test_fast_approval_is_offered_at_once_and_disbursed_on_acceptance(desk: LoanDesk) -> None:
    case = desk.apply(application(12000, 48, monthly_income=3000, monthly_debts=100))
    ref = case["reference"]
    assert ref.startswith("LOA-2026-")
    assert (case["status"], case["stage"], case["open_tasks"]) == ("waiting", "offer", [])
    assert case["waiting_for"] == ["offer_accepted"]
    data = case["data"]
    assert (data["annual_rate"], data["automated_decision"]) == (6.9, "fast_approve")
    assert data["instalment"] == annuity(12000, 6.9, 48) == 286.80
    assert data["dti"] == round((100 + 286.80) / 3000, 4) == 0.1289
    assert case["status_text"] == OFFER.format(amount="12,000.00", rate=6.9, months=48, instalment="286.80",
                                               sent="2 November", until="12 November")
    [offer] = desk.events(ref, "offer_sent")
    assert (offer["amount"], offer["annual_rate"], offer["instalment"]) == (12000, 6.9, 286.80)
    assert (offer["valid_until"], offer["total_repayable"]) == ("2026-11-12", round(286.80 * 48, 2))
    assert "12,000.00 at 6.9%" in offer["text"]

    desk.wait(days=3)
    accepted = desk.message(ref, "offer_accepted", {"account": "NL91ABNA0417164300"})
    assert accepted.status_code == 202, accepted.json

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"]) == ("closed", "disbursed", "closed")
    assert case["status_text"] == DISBURSED.format(on="5 November", amount="12,000.00", instalment="286.80",
                                                   months=48)
    [payout] = desk.events(ref, "loan_disbursed")
    assert payout["disbursement_id"].startswith("DIS-") and payout["amount"] == 12000
    assert payout["account"] == "NL91ABNA0417164300"
    assert case["data"]["disbursement"]["disbursement_id"] == payout["disbursement_id"]
    assert "paid out your loan of 12,000.00" in desk.events(ref, "customer_notified")[-1]["text"]
    kinds = desk.kinds(ref)
    assert kinds[0] == "case_opened" and kinds[-1] == "case_closed"
    assert kinds.index("offer_sent") < kinds.index("message_received") < kinds.index("loan_disbursed")
    assert desk.message(ref, "offer_accepted").status_code == 409


def test_unaffordable_application_is_declined_automatically(desk: LoanDesk) -> None:
    case = desk.apply(application(20000, 36, monthly_income=2000, monthly_debts=800))
    ref = case["reference"]
    assert (case["status"], case["outcome"], case["status_text"]) == ("closed", "declined", DECLINED)
    assert case["data"]["instalment"] == annuity(20000, 6.9, 36)
    assert case["data"]["dti"] == round((800 + annuity(20000, 6.9, 36)) / 2000, 4) > 0.5
    assert case["data"]["automated_decision"] == "auto_decline"
    assert case["open_tasks"] == [] and desk.queue("underwriting") == []
    [letter] = desk.events(ref, "customer_notified")
    assert "cannot offer you the loan of 20,000.00" in letter["text"]
    assert desk.events(ref, "offer_sent") == []


def test_large_loan_needs_the_credit_committee_and_four_eyes(desk: LoanDesk) -> None:
    case = desk.apply(application(80000, 120, monthly_income=9000, monthly_debts=300))
    ref = case["reference"]
    assert (case["status"], case["stage"]) == ("open", "underwriting")
    assert (case["data"]["annual_rate"], case["data"]["instalment"]) == (7.5, annuity(80000, 7.5, 120))
    assert case["data"]["decision_reason"] == "Loans above 25,000 need an underwriter's review"
    assert case["status_text"] == UNDERWRITING.format(amount="80,000.00", months=120)
    assert desk.tasks(ref) == [("underwrite", "underwriting")]
    assert case["open_tasks"][0]["due_at"] == "2026-11-05T09:00:00+00:00"
    assert desk.queue("underwriting") == [ref]

    desk.complete(ref, "underwrite", "uma", decision="approve", reason="Stable income, low debts")

    case = desk.case(ref)
    assert desk.tasks(ref) == [("committee_approval", "credit_committee")]
    assert (case["stage"], case["status"]) == ("approval", "open")
    assert case["status_text"] == ("Your application was approved by our underwriter for 80,000.00 and is awaiting "
                                   "final sign-off by our credit committee.")
    assert desk.queue("credit_committee") == [ref] and desk.queue("underwriting") == []

    refused = desk.claim(ref, "committee_approval", "uma")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "four_eyes_violation"
    refused = desk.submit(ref, "committee_approval", "uma", committee_decision="approve")
    assert refused.status_code == 403
    assert desk.tasks(ref) == [("committee_approval", "credit_committee")]

    desk.complete(ref, "committee_approval", "carl", committee_decision="approve")

    case = desk.case(ref)
    assert (case["status"], case["stage"], case["waiting_for"]) == ("waiting", "offer", ["offer_accepted"])
    assert case["status_text"] == OFFER.format(amount="80,000.00", rate=7.5, months=120, instalment="949.61",
                                               sent="2 November", until="12 November")
    completed = [(e["actor"], e["payload"]["task"]) for e in desk.timeline(ref) if e["kind"] == "work_item_completed"]
    assert completed == [("uma", "underwrite"), ("carl", "committee_approval")]
    assert desk.message(ref, "offer_accepted").status_code == 202
    assert desk.case(ref)["outcome"] == "disbursed"
    assert desk.events(ref, "loan_disbursed")[0]["account"] == "account on file"


def test_counter_offer_accepted_is_disbursed(desk: LoanDesk) -> None:
    case = desk.apply(application(30000, 60, employment_type="self_employed", monthly_income=4000,
                                  monthly_debts=500))
    ref = case["reference"]
    assert (case["data"]["annual_rate"], case["data"]["automated_decision"]) == (7.9, "manual_review")
    assert case["data"]["decision_reason"] == "Self-employed income needs an underwriter's review"

    incomplete = desk.submit(ref, "underwrite", "uma", decision="counter_offer")
    assert incomplete.status_code == 422
    assert incomplete.json["error"]["details"] == {"counter_amount": "is required", "counter_rate": "is required",
                                                   "reason": "is required"}
    desk.complete(ref, "underwrite", "uma", decision="counter_offer", counter_amount=20000, counter_rate=8.5,
                  reason="Income varies; we can lend less at a higher rate")

    case = desk.case(ref)
    instalment = annuity(20000, 8.5, 60)
    assert case["open_tasks"] == [] and case["waiting_for"] == ["offer_accepted"]
    data = case["data"]
    assert (data["offer_amount"], data["offer_rate"], data["offer_instalment"]) == (20000, 8.5, instalment)
    assert data["offer_dti"] == round((500 + instalment) / 4000, 4)
    assert (data["amount"], data["instalment"]) == (30000, annuity(30000, 7.9, 60))
    assert case["status_text"] == OFFER.format(amount="20,000.00", rate=8.5, months=60, instalment=f"{instalment:,.2f}",
                                               sent="2 November", until="12 November")
    assert desk.events(ref, "offer_sent")[0]["amount"] == 20000

    desk.wait(days=9)
    assert desk.message(ref, "offer_accepted").status_code == 202
    case = desk.case(ref)
    assert (case["outcome"], case["status"]) == ("disbursed", "closed")
    assert desk.events(ref, "loan_disbursed")[0]["amount"] == 20000
    assert case["status_text"] == DISBURSED.format(on="11 November", amount="20,000.00",
                                                   instalment=f"{instalment:,.2f}", months=60)


def test_underwriter_decline_needs_a_reason_and_closes_the_case(desk: LoanDesk) -> None:
    ref = desk.apply(application(18000, 48, employment_type="self_employed", monthly_income=3200,
                                 monthly_debts=400))["reference"]
    missing = desk.submit(ref, "underwrite", "uma", decision="decline")
    assert missing.status_code == 422 and missing.json["error"]["details"] == {"reason": "is required"}
    desk.complete(ref, "underwrite", "uma", decision="decline", reason="Tax return shows falling income")
    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["status_text"]) == ("closed", "declined", DECLINED)
    assert desk.events(ref, "offer_sent") == []


def test_credit_committee_can_decline_what_the_underwriter_approved(desk: LoanDesk) -> None:
    ref = desk.apply(application(60000, 84, monthly_income=8000, monthly_debts=0))["reference"]
    desk.complete(ref, "underwrite", "uma", decision="counter_offer", counter_amount=55000, counter_rate=6.9,
                  reason="Slightly lower amount")
    assert desk.tasks(ref) == [("committee_approval", "credit_committee")]
    missing = desk.submit(ref, "committee_approval", "carl", committee_decision="decline")
    assert missing.status_code == 422 and missing.json["error"]["details"] == {"committee_reason": "is required"}
    desk.complete(ref, "committee_approval", "carl", committee_decision="decline",
                  committee_reason="Concentration limit for this employer reached")
    case = desk.case(ref)
    assert (case["outcome"], case["status_text"]) == ("declined", DECLINED)
    assert "cannot offer you the loan of 60,000.00" in desk.events(ref, "customer_notified")[-1]["text"]


def test_a_counter_offer_of_at_most_50000_skips_the_committee(desk: LoanDesk) -> None:
    ref = desk.apply(application(60000, 84, monthly_income=8000, monthly_debts=0))["reference"]
    desk.complete(ref, "underwrite", "uma", decision="counter_offer", counter_amount=50000, counter_rate=6.9,
                  reason="Within the underwriter's authority")
    case = desk.case(ref)
    assert case["open_tasks"] == [] and case["waiting_for"] == ["offer_accepted"]
    assert case["data"]["offer_amount"] == 50000


def test_offer_expires_after_ten_days_without_acceptance(desk: LoanDesk) -> None:
    ref = desk.apply(application(12000, 48))["reference"]
    assert desk.wait(days=9, hours=23) == 0
    assert desk.case(ref)["status"] == "waiting"

    assert desk.wait(hours=1) == 1

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"]) == ("closed", "expired", "closed")
    assert case["status_text"] == ("Your offer of 12,000.00 expired on 12 November without being accepted. "
                                   "You are welcome to apply again.")
    assert "has expired" in desk.events(ref, "customer_notified")[-1]["text"]
    assert desk.events(ref, "loan_disbursed") == []
    late = desk.message(ref, "offer_accepted")
    assert late.status_code == 409 and late.json["error"]["code"] == "no_waiting_message"


def test_missing_documents_are_requested_and_the_application_continues_once_they_arrive(desk: LoanDesk) -> None:
    case = desk.apply(application(12000, 48, documents=["id_document", "payslip"]))
    ref = case["reference"]
    assert (case["status"], case["stage"], case["open_tasks"]) == ("waiting", "documents", [])
    assert case["waiting_for"] == ["documents_received"]
    assert case["status_text"] == ("We are waiting for your second payslip and bank statement, requested on "
                                   "2 November; the deadline is 2 December.")
    assert "instalment" not in case["data"]  # no pricing before the documents are in
    [request] = desk.events(ref, "customer_notified")
    assert request["text"] == ("To assess your loan application we need your second payslip and bank statement "
                               "by 2 December.")

    desk.wait(days=2)
    assert desk.message(ref, "documents_received", {"documents": ["payslip"]}).status_code == 202
    case = desk.case(ref)
    assert case["waiting_for"] == ["documents_received"]
    assert case["status_text"] == ("We are waiting for your bank statement, requested on 2 November; the deadline "
                                   "is 2 December.")
    assert "bank statement" in desk.events(ref, "customer_notified")[-1]["text"]

    desk.wait(days=1)
    assert desk.message(ref, "documents_received").status_code == 202  # no list: everything asked for
    case = desk.case(ref)
    assert case["data"]["documents_provided"] == ["bank_statement", "id_document", "payslip", "payslip"]
    assert (case["data"]["missing_documents"], case["data"]["documents_received_on"]) == ([], "2026-11-05")
    assert (case["stage"], case["waiting_for"]) == ("offer", ["offer_accepted"])
    assert case["data"]["instalment"] == 286.80
    assert desk.message(ref, "documents_received").status_code == 409


def test_one_reminder_seven_days_after_each_request(desk: LoanDesk) -> None:
    ref = desk.apply(application(12000, 48, documents=[]))["reference"]
    assert desk.case(ref)["status_text"].startswith(
        "We are waiting for your ID document, 2 payslips and bank statement, requested on 2 November")
    assert desk.wait(days=6, hours=23) == 0
    assert len(desk.events(ref, "customer_notified")) == 1

    assert desk.wait(hours=1) == 1

    _request, reminder = desk.events(ref, "customer_notified")
    assert reminder["text"] == ("Reminder: to assess your loan application we still need your ID document, "
                                "2 payslips and bank statement.")
    case = desk.case(ref)
    assert (case["status"], case["waiting_for"]) == ("waiting", ["documents_received"])
    assert case["status_text"].startswith("We are waiting for your ID document, 2 payslips and bank statement")
    desk.wait(days=7)
    assert len(desk.events(ref, "customer_notified")) == 2


def test_the_application_lapses_thirty_days_after_the_first_request(desk: LoanDesk) -> None:
    ref = desk.apply(application(15000, 60, employment_type="self_employed", documents=[]))["reference"]
    desk.wait(days=10)
    desk.message(ref, "documents_received", {"documents": ["tax_return"]})
    assert desk.case(ref)["status_text"] == ("We are waiting for your ID document and bank statement, requested on "
                                             "2 November; the deadline is 2 December.")
    assert desk.wait(days=19, hours=23) == 1  # only the reminder 7 days after the second request
    assert desk.case(ref)["status"] == "waiting"

    desk.wait(hours=1)

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"]) == ("closed", "expired", "closed")
    assert case["status_text"] == ("Your application was closed because we did not receive your ID document and "
                                   "bank statement by 2 December. You are welcome to apply again.")
    texts = [e["text"] for e in desk.events(ref, "customer_notified")]
    assert [t.split()[0] for t in texts] == ["To", "Reminder:", "To", "Reminder:", "We"]
    assert "did not receive your ID document and bank statement in time" in texts[-1]
    assert desk.message(ref, "documents_received").status_code == 409


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": 500}, "data.amount"),
    ({"term_months": 3}, "data.term_months"),
    ({"employment_type": "retired"}, "data.employment_type"),
    ({"monthly_income": 0}, "data.monthly_income"),
    ({"decision": "approve"}, "data.decision"),
])
def test_an_invalid_application_is_refused_at_the_door(desk: LoanDesk, change: dict, field: str) -> None:
    response = desk.api.post("/api/v1/cases", json={"case_type": "loan", "channel": "web",
                                                    "customer": {"name": "Ann Example"},
                                                    "data": {**application(), **change}})
    assert response.status_code == 422
    assert field in response.json["error"]["details"]
