"""Customer onboarding end to end over the REST API, on SQLite and PostgreSQL, as the people around it see it.

The manual clock starts on Monday 2 November 2026, 09:00 UTC.
"""
from __future__ import annotations

import pytest

from engine.handlers.onboarding import account_number, iban_is_valid
from tests.onboarding.desk import OnboardingDesk, business, individual

VERIFYING = "We are checking your identity documents; this usually takes one working day."
CHECKING = "We are completing our standard checks on your application; we will be in touch within 2 working days."
EDD = ("Our compliance team is carrying out some additional checks on your application and may contact you about "
       "the source of your funds.")
DECLINED = "We are sorry, but we are unable to open an account for you. We have sent you a letter to confirm this."
ONBOARDED = "Welcome! Your {} is open; your account number is {}."


def assert_onboarded(desk: OnboardingDesk, ref: str, product_text: str) -> str:
    """The case closed as onboarded with a valid account number that is on the case, the timeline and in the
    status text; returns the number."""
    case = desk.case(ref)
    number = case["data"]["account_number"]
    assert (case["status"], case["outcome"], case["stage"], case["open_tasks"]) == ("closed", "onboarded", "closed", [])
    assert case["status_text"] == ONBOARDED.format(product_text, number)
    assert iban_is_valid(number) and number == account_number(ref) == case["data"]["account"]["account_number"]
    [opened] = desk.events(ref, "account_opened")
    assert opened["account_number"] == number
    assert number in desk.notices(ref)[-1]
    assert desk.kinds(ref)[-1] == "case_closed"
    return str(number)


def assert_declined(desk: OnboardingDesk, ref: str) -> None:
    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["status_text"]) == ("closed", "declined", DECLINED)
    assert case["open_tasks"] == [] and "account_number" not in case["data"]
    assert desk.events(ref, "account_opened") == []
    assert "unable to open" in desk.notices(ref)[-1]


def test_low_risk_individual_is_onboarded_automatically(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual())

    assert ref.startswith("ONB-2026-")
    case = desk.case(ref)
    assert (case["data"]["country_risk"], case["data"]["risk"], case["data"]["screening_status"]) == (
        "low", "low", "no_match")
    assert_onboarded(desk, ref, "current account")
    kinds = desk.kinds(ref)
    assert kinds[0] == "case_opened"
    assert kinds.index("screening_completed") < kinds.index("account_opened") < kinds.index("case_closed")
    assert "work_item_completed" not in kinds and "message_received" not in kinds
    [screening] = desk.events(ref, "screening_completed")
    assert (screening["name"], screening["hit"]) == ("Ann Example", False)
    assert desk.queue("operations") == [] and desk.queue("compliance") == []


def test_medium_risk_applicant_is_onboarded_after_an_identity_check(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(product="credit_card"))

    case = desk.case(ref)
    assert (case["status"], case["stage"], case["status_text"]) == ("open", "verification", VERIFYING)
    assert (case["data"]["risk"], case["data"]["risk_reason"]) == ("medium", "Credit product")
    assert desk.tasks(ref) == [("verify_identity", "operations")]
    assert case["open_tasks"][0]["due_at"] == "2026-11-03T09:00:00+00:00"
    [queued] = desk.queue("operations")
    assert (queued["case_reference"], queued["title"], queued["status_text"]) == (ref, "Verify identity", VERIFYING)

    desk.complete(ref, "verify_identity", "olga", identity_verified="yes")

    assert_onboarded(desk, ref, "credit card")
    assert desk.queue("operations") == []


def test_an_identity_that_does_not_check_out_is_declined(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(country="US"))
    assert desk.case(ref)["data"]["risk_reason"] == "Country outside the low-risk list"

    refused = desk.try_complete(ref, "verify_identity", "olga", identity_verified="no")
    assert refused.status_code == 422
    assert refused.json["error"]["details"] == {"verification_notes": "is required"}
    assert desk.tasks(ref) == [("verify_identity", "operations")]

    desk.complete(ref, "verify_identity", "olga", identity_verified="no",
                  verification_notes="Date of birth on the passport differs from the application")

    assert_declined(desk, ref)


def test_high_risk_business_needs_identity_check_and_enhanced_due_diligence(desk: OnboardingDesk) -> None:
    ref = desk.apply(business(country="US"))
    case = desk.case(ref)
    assert (case["data"]["country_risk"], case["data"]["risk"]) == ("medium", "high")
    assert desk.tasks(ref) == [("verify_identity", "operations")]

    desk.complete(ref, "verify_identity", "olga", identity_verified="yes")

    case = desk.case(ref)
    assert (case["status"], case["stage"], case["status_text"]) == ("open", "due_diligence", EDD)
    assert desk.tasks(ref) == [("enhanced_due_diligence", "compliance")]
    assert case["open_tasks"][0]["due_at"] == "2026-11-05T09:00:00+00:00"
    four_eyes = desk.claim(ref, "enhanced_due_diligence", "olga")
    assert (four_eyes.status_code, four_eyes.json["error"]["code"]) == (403, "four_eyes_violation")
    missing = desk.try_complete(ref, "enhanced_due_diligence", "carla", edd_decision="approve")
    assert (missing.status_code, missing.json["error"]["details"]) == (422, {"source_of_funds": "is required"})

    desk.complete(ref, "enhanced_due_diligence", "carla", edd_decision="approve",
                  source_of_funds="Audited accounts 2025: turnover from bakery sales")

    assert_onboarded(desk, ref, "business account")
    assert desk.case(ref)["data"]["source_of_funds"].startswith("Audited accounts")


def test_a_high_risk_country_is_declined_after_enhanced_due_diligence(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(country="IR", product="savings"))
    assert desk.case(ref)["data"]["risk_reason"] == "Country on the high-risk list"
    desk.complete(ref, "verify_identity", "olga", identity_verified="yes")

    desk.complete(ref, "enhanced_due_diligence", "carla", edd_decision="decline",
                  source_of_funds="Could not be established", edd_notes="No evidence for the declared income")

    assert_declined(desk, ref)
    assert "savings account" in desk.notices(ref)[-1]


def test_a_confirmed_screening_hit_is_declined_without_tipping_off(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(full_name="Krumov, Viktor"), customer="Viktor Krumov")

    case = desk.case(ref)
    assert (case["status"], case["stage"], case["status_text"]) == ("open", "screening", CHECKING)
    assert desk.tasks(ref) == [("review_screening", "compliance")]
    [queued] = desk.queue("compliance")
    assert (queued["priority"], queued["title"]) == (1, "Review screening hit")
    screening = case["data"]["screening"]
    assert (screening["hit"], screening["match"], screening["list"], screening["score"]) == (
        True, "Viktor Krumov", "sanctions", 1.0)
    [event] = desk.events(ref, "screening_completed")
    assert (event["hit"], event["entry_id"]) == (True, "WL-001")
    assert "risk" not in case["data"]  # nothing is rated before the hit is reviewed

    desk.complete(ref, "review_screening", "carla", screening_decision="confirm",
                  screening_reason="Same date of birth and nationality as the listed person")

    assert_declined(desk, ref)
    assert desk.case(ref)["data"]["screening_status"] == "confirmed"
    texts = " ".join(desk.notices(ref) + [desk.case(ref)["status_text"]]).lower()
    assert "sanction" not in texts and "watch" not in texts


def test_a_cleared_screening_hit_continues_with_an_identity_check(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(full_name="Renee Ostergard", country="DK"), customer="Renee Ostergard")
    assert desk.case(ref)["data"]["screening"]["list"] == "pep"

    desk.complete(ref, "review_screening", "carla", screening_decision="clear",
                  screening_reason="Different date of birth; the listed minister is 30 years older")

    case = desk.case(ref)
    assert case["data"]["screening_status"] == "cleared"
    assert (case["data"]["risk"], case["data"]["risk_reason"]) == (
        "medium", "Name resembled a watch-list entry; cleared by compliance")
    assert (desk.tasks(ref), case["status_text"]) == ([("verify_identity", "operations")], VERIFYING)

    desk.complete(ref, "verify_identity", "olga", identity_verified="yes")

    assert_onboarded(desk, ref, "current account")


def test_missing_documents_are_awaited_then_the_application_continues(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(documents_provided=["id_document"]))

    case = desk.case(ref)
    assert (case["status"], case["stage"], case["open_tasks"]) == ("waiting", "documents", [])
    assert case["waiting_for"] == ["documents_received"]
    assert case["status_text"] == "We are waiting for your proof of address, requested on 2 November."
    assert desk.notices(ref) == ["Thank you for applying for a current account. To open it we need your proof of "
                                 "address. Please send them to us."]
    assert desk.events(ref, "screening_completed") == []

    desk.wait(days=2)
    sent = desk.send_documents(ref, "proof_of_address")

    assert sent.status_code == 202
    case = desk.case(ref)
    assert case["data"]["documents_provided"] == ["id_document", "proof_of_address"]
    assert (case["data"]["missing_documents"], case["data"]["documents_received_on"]) == ([], "2026-11-04")
    assert case["waiting_for"] == []
    assert_onboarded(desk, ref, "current account")
    assert "message_received" in desk.kinds(ref)


def test_a_partial_delivery_keeps_the_application_waiting_for_the_rest(desk: OnboardingDesk) -> None:
    ref = desk.apply(business(documents_provided=[]))
    assert desk.case(ref)["status_text"] == ("We are waiting for your identity document, proof of address and "
                                             "company registration extract, requested on 2 November.")

    desk.wait(days=3)
    desk.send_documents(ref, "id_document", "company_registration")

    case = desk.case(ref)
    assert (case["status"], case["waiting_for"]) == ("waiting", ["documents_received"])
    assert case["status_text"] == "We are waiting for your proof of address, requested on 5 November."
    assert len(desk.notices(ref)) == 2 and "proof of address" in desk.notices(ref)[-1]

    desk.send_documents(ref)  # a delivery that does not say what it holds counts as what we asked for

    assert desk.tasks(ref) == [("verify_identity", "operations")]
    assert desk.case(ref)["data"]["missing_documents"] == []


def test_one_reminder_after_seven_days_without_documents(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(documents_provided=[]))
    assert desk.wait(days=6, hours=23) == 0
    assert len(desk.notices(ref)) == 1

    assert desk.wait(hours=1) == 1

    request, reminder = desk.notices(ref)
    assert reminder == ("Reminder: to open your current account we still need your identity document and proof of "
                        "address.")
    case = desk.case(ref)
    assert (case["status"], case["waiting_for"]) == ("waiting", ["documents_received"])
    assert case["status_text"] == ("We are waiting for your identity document and proof of address, requested on "
                                   "2 November.")
    desk.wait(days=7)
    assert len(desk.notices(ref)) == 2


def test_after_a_partial_delivery_the_reminder_counts_from_the_new_request(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(documents_provided=[]))
    desk.wait(days=5)
    desk.send_documents(ref, "id_document")

    assert desk.wait(days=6, hours=23) == 0  # 2 November + 7 days passed: that request was answered
    assert len(desk.notices(ref)) == 2
    assert desk.wait(hours=1) == 1

    assert desk.notices(ref)[-1] == "Reminder: to open your current account we still need your proof of address."
    assert desk.case(ref)["status_text"] == "We are waiting for your proof of address, requested on 7 November."


def test_the_application_expires_after_thirty_days_without_documents(desk: OnboardingDesk) -> None:
    ref = desk.apply(business(documents_provided=["id_document", "proof_of_address"]))
    desk.wait(days=7)
    assert desk.wait(days=22, hours=23) == 0
    assert desk.case(ref)["status"] == "waiting"

    assert desk.wait(hours=1) == 1

    case = desk.case(ref)
    assert (case["status"], case["outcome"], case["stage"], case["waiting_for"]) == ("closed", "expired", "closed", [])
    assert case["status_text"] == ("Your application was closed because we did not receive your company registration "
                                   "extract within 30 days. You are welcome to apply again at any time.")
    assert len(desk.notices(ref)) == 3 and desk.notices(ref)[-1].startswith("We have closed your application")
    assert desk.events(ref, "screening_completed") == [] and desk.kinds(ref)[-1] == "case_closed"
    late = desk.send_documents(ref, "company_registration")
    assert (late.status_code, late.json["error"]["code"]) == (409, "no_waiting_message")


def test_documents_arriving_in_time_stop_the_thirty_day_clock(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(product="savings", documents_provided=[]))
    desk.wait(days=10)
    desk.send_documents(ref, "id_document", "proof_of_address")
    desk.wait(days=25)

    assert_onboarded(desk, ref, "savings account")
    assert len(desk.notices(ref)) == 3  # the request, the one reminder and the welcome


@pytest.mark.parametrize(("change", "field"), [
    ({"date_of_birth": None}, "data.date_of_birth"),
    ({"customer_type": "business", "product": "business_account"}, "data.company_number"),
    ({"product": "business_account"}, "data.product"),
    ({"country": "nl"}, "data.country"),
    ({"date_of_birth": "12/04/1990"}, "data.date_of_birth"),
    ({"product": "mortgage"}, "data.product"),
    ({"full_name": ""}, "data.full_name"),
])
def test_an_incomplete_application_is_refused_at_the_door(desk: OnboardingDesk, change: dict, field: str) -> None:
    data = {k: v for k, v in {**individual(), **change}.items() if v is not None}
    refused = desk.try_apply(data)
    assert refused.status_code == 422
    assert field in refused.json["error"]["details"]


def test_documents_sent_to_an_application_that_is_not_waiting_are_refused(desk: OnboardingDesk) -> None:
    ref = desk.apply(individual(product="credit_card"))
    refused = desk.send_documents(ref, "proof_of_address")
    assert (refused.status_code, refused.json["error"]["details"]["waiting_for"]) == (409, [])
    assert desk.tasks(ref) == [("verify_identity", "operations")]
