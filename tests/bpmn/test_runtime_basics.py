"""Start, open tasks (queue, title, due date, priority, status text), stale completions, state size."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import serializer
from engine.bpmn.runner import queue_name
from engine.bpmn.scripting import CaseScriptEngine
from engine.errors import StaleWorkItem


def test_start_runs_to_the_first_user_task(new_case, clock):
    started_at = clock.now()
    case = new_case("basic")
    snap = case.start(amount=100)

    assert case.open_names() == ["review"]
    review = case.task("review")
    assert review.title == "Review request"
    assert review.queue == "claims_triage"
    assert review.due_at == started_at + timedelta(days=2)
    assert snap.status_text == "Your request of 100 is being reviewed since 2 November."
    assert snap.stage == "review"
    assert snap.data["doubled"] == 200 and snap.data["received_on"] == "2026-11-02"
    assert "prepare" in [step["task"] for step in snap.steps]
    assert not snap.completed and snap.outcome is None and snap.incident is None


def test_lane_names_become_queues_and_templates_fill_due_date_and_priority(new_case, clock):
    started_at = clock.now()
    case = new_case("parallel")
    snap = case.start(applicant="Ann Smith", sla_days=3, urgency=7)

    docs, fraud = case.task("check_documents"), case.task("check_fraud")
    assert (docs.queue, fraud.queue) == ("back_office", "fraud_risk")  # lane "Fraud & Risk"
    assert docs.due_at == started_at + timedelta(days=3)
    assert fraud.due_at == started_at + timedelta(hours=4)
    assert (docs.priority, fraud.priority) == (7, 5)
    assert snap.status_text == "We are checking the documents of Ann Smith."


def test_due_dates_count_from_when_the_task_became_ready(new_case, clock):
    """Touching the case later (completing the parallel task) must not move the other task's due date."""
    started_at = clock.now()
    case = new_case("parallel")
    case.start(applicant="Ann", sla_days=3, urgency=1)
    clock.advance(hours=30)
    case.complete("check_fraud", fraud_suspected=False)

    assert case.task("check_documents").due_at == started_at + timedelta(days=3)
    assert case.inspect().open_tasks[0].due_at == started_at + timedelta(days=3)


def test_templates_with_missing_fields_give_no_due_date_instead_of_failing(new_case):
    case = new_case("parallel")
    snap = case.start(applicant="Ann")  # no sla_days, no urgency

    assert snap.incident is None
    docs = case.task("check_documents")
    assert docs.due_at is None and docs.priority == 0
    assert case.task("check_fraud").due_at is not None


@pytest.mark.parametrize("lane, queue", [
    ("Claims triage", "claims_triage"), ("Fraud & Risk", "fraud_risk"), ("  Team-Leads 2 ", "team_leads_2"),
    (None, "unassigned"), ("???", "unassigned"),
])
def test_queue_name(lane, queue):
    assert queue_name(lane) == queue


def test_completing_a_task_twice_is_stale(new_case, round_trip):
    case = new_case("decision")
    case.start(claim_type="glass", amount=5000, sla_days=2)
    assess = case.task("assess")
    first_state = case.state
    case.complete("assess", assessment="accept")
    assert case.snapshot.outcome == "accepted"

    with pytest.raises(StaleWorkItem):
        case.complete_id(assess.task_id, {"assessment": "decline"})
    assert case.snapshot.outcome == "accepted"
    # the earlier state (before completion) still accepts it: the check is against the state given
    replay = case.runtime.complete_task(case.parsed, first_state, assess.task_id, {"assessment": "decline"}, case.case)
    round_trip(case.parsed, replay.state)
    assert replay.outcome == "declined"


@pytest.mark.parametrize("task_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", ""])
def test_unknown_task_ids_are_stale(new_case, task_id):
    case = new_case("decision")
    case.start(claim_type="glass", amount=5000)
    with pytest.raises(StaleWorkItem):
        case.complete_id(task_id, {"assessment": "accept"})


def test_a_task_that_is_not_a_user_task_cannot_be_completed(new_case, clock):
    case = new_case("decision")
    case.start(claim_type="glass", amount=5000)
    workflow = serializer.load(case.state, case.parsed.spec, case.parsed.subprocess_specs,
                               CaseScriptEngine(clock, case.runtime.services))
    rule_task = next(t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name == "classify")
    with pytest.raises(StaleWorkItem):
        case.complete_id(str(rule_task.id), {})


@pytest.mark.parametrize("process, data", [
    ("callactivity", {"vehicle": "van"}),
    ("decision", {"claim_type": "glass", "amount": 5000}),
])
def test_state_holds_no_spec_and_is_much_smaller_than_a_full_dump(new_case, clock, process, data):
    case = new_case(process)
    case.start(**data)
    state = json.loads(case.state)
    assert not {"spec", "subprocess_specs"} & set(state)
    # a subprocess names its spec (a reference into the cached specs) but does not embed it
    assert all(isinstance(sub["spec"], str) for sub in state["subprocesses"].values())
    assert len(state["subprocesses"]) == (1 if process == "callactivity" else 0)

    workflow = serializer.load(case.state, case.parsed.spec, case.parsed.subprocess_specs,
                               CaseScriptEngine(clock, case.runtime.services))
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(workflow)
    assert "subprocess_specs" in json.loads(full)
    assert len(case.state) < 0.5 * len(full)
