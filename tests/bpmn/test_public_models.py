"""Models of the kinds in public test suites: each runs to the end on raw SpiffWorkflow 3.2 and, in the same
test, on Caseworks (human steps as work items, awaited messages delivered); a model that would hang is an
incident at once, and one with an element the runtime cannot run is refused at deploy, naming it."""
from __future__ import annotations

import json

import pytest
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.loader import ProcessDefinition, content_hash, parse_definition
from engine.bpmn.runner import ProcessRuntime
from engine.bpmn.validate import validate_files
from engine.clock import ManualClock
from engine.handlers import default_services
from tests.bpmn.conftest import assert_round_trip
from tests.bpmn.public_models import DEAD_JOIN, RUNNABLE, _process, flow


def files_of(pid: str, xml: str) -> dict[str, bytes]:
    return {"process.json": json.dumps({"case_type": pid, "process_id": pid}).encode(), f"{pid}.bpmn": xml.encode()}


def raw_run(pid: str, xml: str, messages: list[str]) -> tuple[bool, int, int]:
    """Raw SpiffWorkflow: run engine steps, complete manual tasks, send messages as soon as they are heard;
    (completed, manual steps, messages delivered)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode(), f"{pid}.bpmn")
    workflow = BpmnWorkflow(parser.get_spec(pid), parser.get_subprocess_specs(pid))
    manual, unsent = 0, list(messages)
    for _ in range(50):
        workflow.do_engine_steps()
        if unsent and _sent(workflow, unsent[0]):  # an outside party speaks first, as soon as it is heard
            unsent.pop(0)
            continue
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if workflow.completed or not ready:
            break
        ready[0].run()
        manual += 1
    return workflow.completed, manual, len(messages) - len(unsent)


def _sent(workflow: BpmnWorkflow, name: str) -> bool:
    try:
        workflow.send_event(BpmnEvent(MessageEventDefinition(name), {}, {}))
    except WorkflowException:
        return False  # nothing listens for it (yet)
    return True


def caseworks_run(pid: str, xml: str, messages: list[str]) -> tuple[bool, int, int]:
    files = files_of(pid, xml)
    assert validate_files(files, default_services()) == []  # it deploys
    parsed = parse_definition(ProcessDefinition(pid, files, {"case_type": pid, "process_id": pid}, content_hash(files)))
    runtime = ProcessRuntime(ManualClock(), default_services())
    case = {"reference": "PUB-1"}
    snapshot = runtime.start(parsed, {}, case)
    work_items, unsent = 0, list(messages)
    for _ in range(50):
        assert snapshot.incident is None, snapshot.incident
        assert_round_trip(parsed, snapshot.state)
        if snapshot.completed:
            break
        awaited = [m for m in unsent if m in snapshot.waiting_messages]
        if awaited:
            snapshot = runtime.send_message(parsed, snapshot.state, awaited[0], {}, case)
            unsent.remove(awaited[0])
            continue
        assert snapshot.open_tasks, f"the case waits for nothing it can get: {snapshot.waiting_messages}"
        task = snapshot.open_tasks[0]
        assert task.queue == "unassigned" and task.form_file is None
        snapshot = runtime.complete_task(parsed, snapshot.state, task.task_id, {}, case)
        work_items += 1
    return snapshot.completed, work_items, len(messages) - len(unsent)


EXPECTED_MANUAL_STEPS = {"manual": 2, "multi": 3, "signal": 1, "escalation": 2, "eventsub": 1, "msgstart": 0}


@pytest.mark.parametrize("pid", sorted(RUNNABLE))
def test_public_model_runs_to_the_end_on_spiffworkflow_and_on_caseworks(pid):
    xml, messages = RUNNABLE[pid]
    raw_completed, raw_manual, raw_sent = raw_run(pid, xml, messages)
    assert raw_completed and raw_sent == len(messages)
    completed, work_items, sent = caseworks_run(pid, xml, messages)
    assert completed and sent == len(messages)
    assert work_items == raw_manual == EXPECTED_MANUAL_STEPS[pid]  # each manual step became one work item


def test_a_join_that_can_never_fire_is_an_incident_at_once():
    assert raw_run("deadjoin", DEAD_JOIN, []) == (False, 1, 0)  # raw SpiffWorkflow: waits for ever, silently
    files = files_of("deadjoin", DEAD_JOIN)
    parsed = parse_definition(ProcessDefinition("deadjoin", files, {"case_type": "deadjoin", "process_id": "deadjoin"},
                                                content_hash(files)))
    runtime = ProcessRuntime(ManualClock(), default_services())
    snapshot = runtime.start(parsed, {}, {})
    assert snapshot.incident is None and [t.name for t in snapshot.open_tasks] == ["a"]
    snapshot = runtime.complete_task(parsed, snapshot.state, snapshot.open_tasks[0].task_id, {}, {})
    assert not snapshot.completed and snapshot.open_tasks == []
    assert "'Both done' (ParallelGateway)" in snapshot.incident and "can never happen" in snapshot.incident


def test_an_element_the_runtime_cannot_run_is_refused_at_deploy_by_name():
    xml = DEAD_JOIN.replace('<bpmn:parallelGateway id="join" name="Both done"/>',
                            '<bpmn:complexGateway id="join" name="Both done"/>')
    problems = [str(p) for p in validate_files(files_of("deadjoin", xml), default_services(), where="deadjoin")]
    assert any(p.startswith("deadjoin/deadjoin.bpmn:") and "'join' is a bpmn:complexGateway" in p for p in problems)
    linked = DEAD_JOIN.replace('<bpmn:endEvent id="end"/>',
                               '<bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition name="x"/>'
                               '</bpmn:intermediateThrowEvent><bpmn:endEvent id="end"/>' + flow("fx", "jump", "end"))
    problems = [str(p) for p in validate_files(files_of("deadjoin", linked), default_services())]
    assert any("'jump' uses a bpmn:linkEventDefinition" in p for p in problems)


def test_an_ad_hoc_sub_process_is_refused_at_deploy():
    xml = _process("adhoc", "\n".join([
        '<bpmn:startEvent id="start"/>',
        '<bpmn:adHocSubProcess id="pick" name="Pick"><bpmn:task id="t1" name="One"/><bpmn:task id="t2" name="Two"/>'
        '<bpmn:completionCondition>True</bpmn:completionCondition></bpmn:adHocSubProcess>', '<bpmn:endEvent id="end"/>', flow("f1", "start", "pick"), flow("f2", "pick", "end")]))
    assert raw_run("adhoc", xml, [])[0] is False  # the library alone does not finish it either
    problems = [str(p) for p in validate_files(files_of("adhoc", xml), default_services())]
    assert any("'pick' is a bpmn:adHocSubProcess, which Caseworks cannot run" in p for p in problems)
