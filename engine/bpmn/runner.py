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
from typing import Any, Callable, Mapping
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as BaseMessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import serializer
from engine.bpmn.loader import ParsedProcess
from engine.bpmn.messages import DELIVERABLE, correlated, deliver, is_human, stuck_reason
from engine.bpmn.messages import pending_events as _pending_events, tasks_in_state as _tasks
from engine.bpmn.scripting import CaseScriptEngine, ServiceRegistry
from engine.bpmn.templates import parse_duration, render
from engine.bpmn.timers import due_time
from engine.clock import Clock
from engine.errors import CaseworksError, ProcessError, ServiceTaskFailed, StaleWorkItem

INTERNAL_KEYS = ("spiff__",)
READY_AT_KEY = "caseworks_ready_at"


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
        for task in _tasks(workflow, TaskState.READY):
            task.data = _copy(data)
        return self._advance(workflow, engine)

    def complete_task(self, parsed: ParsedProcess, state: str, task_id: str, data: Mapping[str, Any],
                      case: Mapping[str, Any]) -> Snapshot:
        workflow, engine = self._load(parsed, state, case)
        task = _ready_user_task(workflow, task_id)
        variable = getattr(task.task_spec, "variable", None)
        submitted = _copy(data)
        task.data = {**task.data, variable: submitted} if variable else {**task.data, **submitted}
        _run_user_task(task)
        return self._advance(workflow, engine)

    def send_message(self, parsed: ParsedProcess, state: str, name: str, payload: Mapping[str, Any],
                     case: Mapping[str, Any], correlations: Mapping[str, Any] | None = None) -> Snapshot:
        """Deliver a message (or signal) the instance waits for, with correlation keys given or computed from
        the payload; a mismatch or a payload the correlation cannot read is a 409/422, never a crash."""
        workflow, engine = self._load(parsed, state, case)
        deliver(workflow, name, _copy(payload), dict(correlations or {}))
        return self._advance(workflow, engine)

    def matches(self, parsed: ParsedProcess, state: str, name: str, payload: Mapping[str, Any],
                correlations: Mapping[str, Any], case: Mapping[str, Any]) -> bool:
        """Whether this instance waits for ``name`` with exactly these correlation values."""
        workflow, _engine = self._load(parsed, state, case)
        return correlated(workflow, name, _copy(payload), dict(correlations))

    def edit(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any],
             change: Callable[[BpmnWorkflow], None], *, advance: bool = True) -> Snapshot:
        """Apply a repair (set data, move, migrate) to the loaded workflow, then run to the next wait."""
        workflow, engine = self._load(parsed, state, case)
        change(workflow)
        if advance:
            return self._advance(workflow, engine)
        return self._snapshot(workflow, engine, [])

    def load(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any]) -> BpmnWorkflow:
        return self._load(parsed, state, case)[0]

    def resume(self, workflow: BpmnWorkflow, case: Mapping[str, Any], *, retry: bool = False) -> Snapshot:
        """Run a workflow changed outside the runner (a migrated one) to its next wait state; with ``retry``,
        failed steps run again first."""
        engine = workflow.script_engine
        return self._advance(workflow, engine, prepare=(lambda: _wake(workflow)) if retry else None)

    @staticmethod
    def dump(workflow: BpmnWorkflow) -> str:
        return serializer.dump(workflow)

    def wake(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any]) -> Snapshot:
        """Fire due timers and retry READY engine tasks (after an incident); then run to the next wait."""
        workflow, engine = self._load(parsed, state, case)
        return self._advance(workflow, engine, prepare=lambda: _wake(workflow))

    def inspect(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any]) -> Snapshot:
        workflow, engine = self._load(parsed, state, case)
        return self._snapshot(workflow, engine, [])

    # -- internals -----------------------------------------------------------------------------
    def _script_engine(self, case: Mapping[str, Any]) -> CaseScriptEngine:
        return CaseScriptEngine(self.clock, self.services, case)

    def _load(self, parsed: ParsedProcess, state: str, case: Mapping[str, Any]) -> tuple[BpmnWorkflow, CaseScriptEngine]:
        engine = self._script_engine(case)
        return serializer.load(state, parsed.spec, parsed.subprocess_specs, engine), engine

    def _advance(self, workflow: BpmnWorkflow, engine: CaseScriptEngine,
                 prepare: Callable[[], None] | None = None) -> Snapshot:
        steps: list[dict[str, Any]] = []
        incident, retryable = None, False
        try:
            if prepare is not None:
                prepare()
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
        ready = [t for t in _tasks(workflow, TaskState.READY) if is_human(t.task_spec)]
        open_tasks = [self._open_task(t, now) for t in ready]
        data = _public(_latest_data(workflow, ready))
        status_text, stage, outcome = _status(workflow, ready, data)
        for event in workflow.get_events():  # a terminate end event throws too: only messages are news
            if isinstance(event.event_definition, BaseMessageEventDefinition):
                engine.emitted.append(("message_thrown", {"name": event.event_definition.name,
                                                          "payload": _jsonable(event.payload)}))
        pending = _pending_events(workflow)
        if incident is None and not workflow.completed and not open_tasks:
            incident = stuck_reason(workflow, pending)
        return Snapshot(
            state=serializer.dump(workflow),
            open_tasks=open_tasks,
            waiting_messages=_waiting_messages(pending),
            next_timer_at=_next_timer(pending),
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
        due_at = _due_at(task, props.get("dueIn"), now)
        return OpenTask(
            task_id=str(task.id),
            name=spec.bpmn_id,
            title=spec.bpmn_name or spec.bpmn_id,
            queue=queue_name(spec.lane),
            form_file=props.get("formJsonSchemaFilename"),
            due_at=due_at,
            priority=_priority(props.get("priority"), task.data),
            properties=props,
        )


def _wake(workflow: BpmnWorkflow) -> None:
    """Retry the steps that failed (an incident), then fire due timers.

    Why: the library leaves a task whose script, pre-script or service call raised in ERROR, and
    ``do_engine_steps`` only runs READY tasks, so a retry used to do nothing: the case hung with no incident,
    no open task and nothing to wait for. Updating the task again re-inherits its parent's data and re-runs
    its pre-script, exactly as when it first became ready; a step that still fails reports its incident
    again (this runs inside ``_advance``, so even a failing timer expression becomes an incident)."""
    for task in _tasks(workflow, TaskState.ERROR):
        task._set_state(TaskState.WAITING)
        task.task_spec._update(task)
    workflow.refresh_timers()


def _due_at(task: Any, due_in: str | None, now: datetime) -> datetime | None:
    """When a user task is due: ``dueIn`` counted from the moment the task became ready.

    Why: counting from "now" moved the due date every time the case was touched (e.g. when a parallel
    task was completed), so the first snapshot records the ready time in the task's internal data, which
    is part of the saved state. A template that does not render to a duration (a missing field) gives no
    due date instead of failing the whole step."""
    if not due_in:
        return None
    ready_at = task.internal_data.setdefault(READY_AT_KEY, now.isoformat())
    try:
        return datetime.fromisoformat(ready_at) + parse_duration(render(due_in, task.data))
    except Exception:  # noqa: BLE001 - the library raises a bare Exception for a bad duration
        return None


def _priority(template: str | None, data: Mapping[str, Any]) -> int:
    """The ``priority`` property as an integer; 0 when it does not render to one (why: a missing field
    must not fail the step that made the task ready)."""
    try:
        return int(render(template or "0", data) or 0)
    except ValueError:
        return 0


def _ready_user_task(workflow: BpmnWorkflow, task_id: str) -> Any:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None or not is_human(task.task_spec) or task.state != TaskState.READY:
        raise StaleWorkItem("this task is no longer open: it was completed, cancelled or moved on")
    return task


def _run_user_task(task: Any) -> None:
    """Complete a user task (running its post-script). Why: a failing post-script raised the library's own
    exception to the caller (a server error that named no task); raise a ProcessError with the task's name
    instead. Nothing is saved, so the task stays open in the caller's state."""
    try:
        task.run()
    except SpiffWorkflowException as err:
        raise ProcessError(f"completing this task failed: {_describe(err)}",
                           details={"task": task.task_spec.bpmn_id}) from err


def _waiting_messages(pending: list[Any]) -> list[str]:
    return sorted({e.name for e in pending if e.event_type in DELIVERABLE})


def _next_timer(pending: list[Any]) -> datetime | None:
    dues = [due for due in (due_time(e.value) for e in pending if "Timer" in e.event_type) if due is not None]
    return min(dues) if dues else None


def _latest_data(workflow: BpmnWorkflow, ready: list[Any]) -> dict[str, Any]:
    """The case data: the workflow's once it ended, else that of the step the case waits in.

    Why not the last completed task: a side branch (an escalation task) completing last would make its
    private variables appear in, and later vanish from, the case data."""
    if workflow.completed:
        return dict(workflow.data)
    if ready:
        return dict(ready[0].data)
    waiting = [t for t in _tasks(workflow, TaskState.WAITING) if not isinstance(t.task_spec, BoundaryEvent)]
    if waiting:
        return dict(max(waiting, key=lambda t: t.last_state_change).data)
    failed = _tasks(workflow, TaskState.ERROR)  # an incident: the data the failed step saw (and may be corrected)
    if failed:
        return dict(failed[0].data)
    last = workflow.last_task
    return dict(last.data) if last is not None else dict(workflow.task_tree.data)


def _status(workflow: BpmnWorkflow, ready: list[Any], data: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """Status text, stage and outcome from the ``statusText``/``stage``/``outcome`` properties of the step
    the case waits in (a user task first, then a catch event), or of the end event it finished on."""
    if workflow.completed:
        ends = [t for t in _tasks(workflow, TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)]
        candidates = [(t.task_spec, t.data) for t in sorted(ends, key=lambda t: t.last_state_change, reverse=True)]
    else:
        # The newest open task speaks first: an escalation that appeared beside an overdue task says more
        # about where the case stands than the task it escalates.
        newest_first = sorted(ready, key=lambda t: t.last_state_change, reverse=True)
        candidates = [(t.task_spec, t.data) for t in newest_first] + _waiting_sources(workflow)
    status_text = stage = outcome = None
    for spec, task_data in candidates:
        props = properties(spec)
        status_text = status_text or (render(props["statusText"], task_data) if "statusText" in props else None)
        stage = stage or props.get("stage")
        outcome = outcome or props.get("outcome")
    if isinstance(data.get("status_text"), str) and not status_text:
        status_text = data["status_text"]
    if workflow.completed and not outcome and isinstance(data.get("outcome"), str):
        outcome = data["outcome"]
    return status_text, stage, outcome


def _waiting_sources(workflow: BpmnWorkflow) -> list[tuple[Any, Any]]:
    """(spec, data) of the waiting catch events that carry a ``statusText``, oldest wait first.

    Why: an event-based gateway waits on behalf of the catch events after it (which stay FUTURE until one
    fires) and the library parses no properties on gateways, so the events' own status texts were never
    shown; read them, with the gateway's data."""
    sources = []
    for task in sorted(_tasks(workflow, TaskState.WAITING), key=lambda t: t.last_state_change):
        specs = [c.task_spec for c in task.children] if isinstance(task.task_spec, EventBasedGateway) \
            else [task.task_spec]
        sources += [(spec, task.data) for spec in specs if "statusText" in properties(spec)]
    return sources


def _record_step(steps: list[dict[str, Any]], task: Any) -> None:
    spec = task.task_spec
    if spec.bpmn_name and task.state == TaskState.COMPLETED and not is_human(spec):
        steps.append({"task": spec.bpmn_id, "name": spec.bpmn_name, "type": spec.__class__.__name__})


def _describe(err: Exception) -> str:
    """The incident text: which task, what failed, and the underlying cause (the library's wrapper keeps
    only the cause's class name)."""
    task = getattr(err, "task", None)
    where = f"task '{task.task_spec.bpmn_name or task.task_spec.bpmn_id}': " if task is not None else ""
    notes = "; ".join(getattr(err, "__notes__", []) or [])
    cause = err.__cause__ or err.__context__
    why = f" ({type(cause).__name__}: {cause})" if cause is not None and not isinstance(cause, SpiffWorkflowException) \
        else ""
    return f"{where}{err}{why}" + (f" ({notes})" if notes else "")


def _public(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.startswith(INTERNAL_KEYS)}


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """A deep, JSON-only copy: 3.2 merges task data with shallow copies, so never share nested objects."""
    copied: dict[str, Any] = _jsonable(dict(data))
    return copied


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


__all__ = ["ProcessRuntime", "Snapshot", "OpenTask", "queue_name"]
