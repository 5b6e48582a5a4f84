"""Decision tables driving gateways, default flows, parallel split/join, call activities."""
from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.mark.parametrize("claim_type, amount, route, outcome, status", [
    ("glass", 500, "fast", "auto_approved", "Your claim was approved automatically."),
    ("glass", 50_000, "refer", "referred", "Your claim was referred to a specialist."),
    ("theft", 100, "refer", "referred", "Your claim was referred to a specialist."),  # first rule wins
    ("collision", 999.99, "fast", "auto_approved", "Your claim was approved automatically."),
])
def test_decision_table_routes_straight_to_an_end(new_case, claim_type, amount, route, outcome, status):
    snap = new_case("decision").start(claim_type=claim_type, amount=amount)
    assert snap.data["route"] == route
    assert snap.completed and snap.outcome == outcome and snap.status_text == status
    assert snap.open_tasks == []
    assert "classify" in [step["task"] for step in snap.steps]


def test_decision_table_routes_to_manual_assessment(new_case, clock):
    case = new_case("decision")
    snap = case.start(claim_type="collision", amount=5000, sla_days=4)
    assert snap.data["route"] == "manual" and not snap.completed
    assess = case.task("assess")
    assert (assess.queue, assess.title) == ("claims_handlers", "Assess claim")
    assert assess.due_at == clock.now() + timedelta(days=4)
    assert snap.status_text == "A claims handler is assessing your collision claim of 5000 EUR."
    assert snap.stage == "assessment"


@pytest.mark.parametrize("assessment, outcome", [("accept", "accepted"), ("decline", "declined"),
                                                 ("something else", "declined")])
def test_exclusive_gateway_takes_the_matching_or_the_default_flow(new_case, assessment, outcome):
    case = new_case("decision")
    case.start(claim_type="glass", amount=2000)
    snap = case.complete("assess", assessment=assessment)
    assert snap.completed and snap.outcome == outcome
    assert snap.data["assessment"] == assessment


@pytest.mark.parametrize("first, second", [("check_documents", "check_fraud"),
                                           ("check_fraud", "check_documents")])
def test_parallel_tasks_can_be_completed_in_either_order(new_case, first, second):
    answers = {"check_documents": {"documents_ok": True}, "check_fraud": {"fraud_suspected": False}}
    case = new_case("parallel")
    case.start(applicant="Ann", sla_days=2, urgency=1)
    assert case.open_names() == ["check_documents", "check_fraud"]
    kept = case.task(second).task_id

    snap = case.complete(first, **answers[first])
    assert case.open_names() == [second] and not snap.completed
    assert case.task(second).task_id == kept

    snap = case.complete(second, **answers[second])
    assert snap.completed and snap.outcome == "cleared"
    assert snap.data["all_clear"] is True
    assert snap.data["documents_ok"] is True and snap.data["fraud_suspected"] is False  # both branches merged


def test_parallel_join_merges_a_negative_check_into_the_decision(new_case):
    case = new_case("parallel")
    case.start(applicant="Ann", sla_days=2, urgency=1)
    case.complete("check_fraud", fraud_suspected=True)
    snap = case.complete("check_documents", documents_ok=True)
    assert snap.completed and snap.outcome == "flagged" and snap.data["all_clear"] is False


def test_call_activity_runs_a_user_task_of_another_file(new_case, clock):
    case = new_case("callactivity")
    snap = case.start(vehicle="van")
    inspect = case.task("inspect")
    assert (inspect.queue, inspect.title) == ("field_inspectors", "Inspect vehicle on site")
    assert inspect.due_at == clock.now() + timedelta(days=3)
    assert snap.status_text == "An inspector will look at your van."
    assert snap.data["inspection_requested_on"] == "2026-11-02"  # set before the call, seen inside it

    snap = case.complete("inspect", damage_estimate=7500)
    assert case.open_names() == ["approve"]
    assert snap.data["severity"] == "high"  # computed inside the called process, returned to the caller
    assert snap.status_text == "Damage severity high: a team lead is approving the repair."

    snap = case.complete("approve", approved=False)
    assert snap.completed and snap.outcome == "written_off"  # from the data variable 'outcome'
    assert snap.data["damage_estimate"] == 7500


def test_call_activity_child_task_survives_being_reloaded(new_case):
    case = new_case("callactivity")
    case.start(vehicle="car")
    inspect_id = case.task("inspect").task_id
    snap = case.inspect()
    assert [t.task_id for t in snap.open_tasks] == [inspect_id]
    snap = case.complete("inspect", damage_estimate=100)
    assert snap.data["severity"] == "low"
    assert case.complete("approve", approved=True).outcome == "repaired"
