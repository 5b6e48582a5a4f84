"""The BPMN runner: start, complete, message and wake one instance; knows nothing of the database.

Every verb takes a process version's parsed specs and the instance's serialized state, runs the engine
to its next wait state, and returns a ``Snapshot``: new state plus what the case layer needs to know
(open user tasks with queue and form, awaited messages, next timer, status text, outcome, events).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import serializer
from engine.bpmn.loader import ParsedProcess
from engine.bpmn.scripting import CaseScriptEngine, ServiceRegistry
from engine.bpmn.templates import parse_duration, render
from engine.bpmn.timers import due_time
from engine.clock import Clock
from engine.errors import CaseworksError, NoSuchMessage, ServiceTaskFailed, StaleWorkItem

INTERNAL_KEYS = ("spiff__",)


@dataclass(frozen=True)
class OpenTask:
    """A READY user task as people see it."""

    task_id: str
    name: str
    title: str
    queue: str
    form_file: str | None
    due_at: datetime | None
    priority: int
    properties: Mapping[str, str]


@dataclass
class Snapshot:
    state: str
    open_tasks: list[OpenTask]
    waiting_messages: list[str]
    next_timer_at: datetime | None
    status_text: str | None
    stage: str | None
    completed: bool
    outcome: str | None
    data: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    emitted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    incident: str | None = None
    incident_retryable: bool = False


def queue_name(lane: str | None) -> str:
    """The work queue a lane names: 'Claims triage' -> 'claims_triage'."""
    return re.sub(r"[^a-z0-9]+", "_", (lane or "unassigned").lower()).strip("_") or "unassigned"


def properties(task_spec: Any) -> dict[str, str]:
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {})


class ProcessRuntime:
    """Runs instances of parsed processes with one clock and one registry of service handlers."""

    def __init__(self, clock: Clock, services: ServiceRegistry) -> None:
        self.clock = clock
        self.services = services

    # -- verbs ---------------------------------------------------------------------------------
    def start(self, parsed: ParsedProcess, data: Mapping[str, Any], case: Mapping[str, Any]) -> Snapshot:
        engine = self._script_engine(case)
        workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=engine)
        workflow.task_tree.data = _copy(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data = _copy(data)
        return self._advance(workflow, engine)

    def complete_task(self, parsed: ParsedProcess, state: str, task_id: str, data: Mapping[str, Any],
                      case: Mapping[str, Any]) -> Snapshot:
        workflow, engine = self._load(parsed, state, case)
        task = _ready_user_task(workflow, task_id)
        variable = getattr(task.task_spec, "variable", None)
        submitted = _copy(data)
        task.data = {**task.data, variable: submitted} if variable else {**task.data, **submitted}
        task.run()
        return self._advance(workflow, engine)

    def send_message(self, parsed: ParsedProcess, state: str, name: str, payload: Mapping[str, Any],
                     case: Mapping[str, Any]) -> Snapshot:
        workflow, engine = self._load(parsed, state, case)
        if name not in _waiting_messages(workflow):
            raise NoSuchMessage(f"the case is not waiting for the message '{name}'",
                                details={"waiting_for": _waiting_messages(workflow)})
        workflow.send_event(BpmnEvent(MessageEventDefinition(name), _copy(payload), {}))
        return self._advance(workflow, engine)

    def wake(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any]) -> Snapshot:
        """Fire due timers and retry READY engine tasks (after an incident); then run to the next wait."""
        workflow, engine = self._load(parsed, state, case)
        workflow.refresh_timers()
        return self._advance(workflow, engine)

    def inspect(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any]) -> Snapshot:
        workflow, engine = self._load(parsed, state, case)
        return self._snapshot(workflow, engine, [])

    # -- internals -----------------------------------------------------------------------------
    def _script_engine(self, case: Mapping[str, Any]) -> CaseScriptEngine:
        return CaseScriptEngine(self.clock, self.services, case)

    def _load(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any]) -> tuple[BpmnWorkflow, CaseScriptEngine]:
        engine = self._script_engine(case)
        return serializer.load(state, parsed.spec, parsed.subprocess_specs, engine), engine

    def _advance(self, workflow: BpmnWorkflow, engine: CaseScriptEngine) -> Snapshot:
        steps: list[dict[str, Any]] = []
        incident, retryable = None, False
        try:
            workflow.do_engine_steps(did_complete_task=lambda t: _record_step(steps, t))
        except ServiceTaskFailed as err:
            incident, retryable = err.message, True
        except (SpiffWorkflowException, CaseworksError) as err:
            incident = _describe(err)
        except Exception as err:  # noqa: BLE001 - a broken step must not lose the case; it becomes an incident
            incident = f"{type(err).__name__}: {err}"
        return self._snapshot(workflow, engine, steps, incident, retryable)

    def _snapshot(self, workflow: BpmnWorkflow, engine: CaseScriptEngine, steps: list[dict[str, Any]],
                  incident: str | None = None, retryable: bool = False) -> Snapshot:
        now = self.clock.now()
        ready = [t for t in workflow.get_tasks(state=TaskState.READY) if isinstance(t.task_spec, UserTask)]
        open_tasks = [self._open_task(t, now) for t in ready]
        data = _public(_latest_data(workflow))
        status_text, stage, outcome = _status(workflow, ready, data)
        for event in workflow.get_events():
            engine.emitted.append(("message_thrown", {"name": event.event_definition.name,
                                                      "payload": _jsonable(event.payload)}))
        return Snapshot(
            state=serializer.dump(workflow),
            open_tasks=open_tasks,
            waiting_messages=_waiting_messages(workflow),
            next_timer_at=_next_timer(workflow),
            status_text=status_text,
            stage=stage,
            completed=workflow.completed,
            outcome=outcome if workflow.completed else None,
            data=data,
            steps=steps,
            emitted=list(engine.emitted),
            incident=incident,
            incident_retryable=retryable,
        )

    def _open_task(self, task: Any, now: datetime) -> OpenTask:
        spec = task.task_spec
        props = properties(spec)
        due_in = props.get("dueIn")
        due_at = now + parse_duration(render(due_in, task.data)) if due_in else None
        return OpenTask(
            task_id=str(task.id),
            name=spec.bpmn_id,
            title=spec.bpmn_name or spec.bpmn_id,
            queue=queue_name(spec.lane),
            form_file=props.get("formJsonSchemaFilename"),
            due_at=due_at,
            priority=int(render(props.get("priority", "0"), task.data) or 0),
            properties=props,
        )


def _ready_user_task(workflow: BpmnWorkflow, task_id: str) -> Any:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None or not isinstance(task.task_spec, UserTask) or task.state != TaskState.READY:
        raise StaleWorkItem("this task is no longer open: it was completed, cancelled or moved on")
    return task


def _waiting_messages(workflow: BpmnWorkflow) -> list[str]:
    return sorted({e.name for e in workflow.waiting_events() if e.event_type == "MessageEventDefinition"})


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    dues = [due_time(e.value) for e in workflow.waiting_events() if "Timer" in e.event_type]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


def _latest_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    if workflow.completed:
        return dict(workflow.data)
    last = workflow.last_task
    return dict(last.data) if last is not None else dict(workflow.task_tree.data)


def _status(workflow: BpmnWorkflow, ready: list[Any], data: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """Status text, stage and outcome from the ``statusText``/``stage``/``outcome`` properties of the step
    the case waits in (a user task first, then a catch event), or of the end event it finished on."""
    if workflow.completed:
        ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)]
        candidates = sorted(ends, key=lambda t: t.last_state_change, reverse=True)
    else:
        waiting = [t for t in workflow.get_tasks(state=TaskState.WAITING)
                   if "statusText" in properties(t.task_spec)]
        candidates = ready + sorted(waiting, key=lambda t: t.last_state_change)
    status_text = stage = outcome = None
    for task in candidates:
        props = properties(task.task_spec)
        status_text = status_text or (render(props["statusText"], task.data) if "statusText" in props else None)
        stage = stage or props.get("stage")
        outcome = outcome or props.get("outcome")
    if isinstance(data.get("status_text"), str) and not status_text:
        status_text = data["status_text"]
    if workflow.completed and not outcome and isinstance(data.get("outcome"), str):
        outcome = data["outcome"]
    return status_text, stage, outcome


def _record_step(steps: list[dict[str, Any]], task: Any) -> None:
    spec = task.task_spec
    if spec.bpmn_name and task.state == TaskState.COMPLETED and not isinstance(spec, UserTask):
        steps.append({"task": spec.bpmn_id, "name": spec.bpmn_name, "type": spec.__class__.__name__})


def _describe(err: Exception) -> str:
    task = getattr(err, "task", None)
    where = f"task '{task.task_spec.bpmn_name or task.task_spec.bpmn_id}': " if task is not None else ""
    notes = "; ".join(getattr(err, "__notes__", []) or [])
    return f"{where}{err}" + (f" ({notes})" if notes else "")


def _public(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.startswith(INTERNAL_KEYS)}


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """A deep, JSON-only copy: 3.2 merges task data with shallow copies, so never share nested objects."""
    return _jsonable(dict(data))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


__all__ = ["ProcessRuntime", "Snapshot", "OpenTask", "queue_name"]
