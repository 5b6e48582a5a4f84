"""What an instance waits for, delivering messages and signals to it (with correlation), and noticing when it
waits for nothing at all.

Why a module of its own: the library raises its own exceptions (or plain NameErrors from a correlation
expression) when a message does not fit, and those used to reach the API as a 500; here every such case
becomes a domain error saying what the instance expected.
"""
from __future__ import annotations

import re
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.util.event import PendingBpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition, SignalEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.errors import NoSuchMessage, ValidationFailed

MESSAGE, SIGNAL = "MessageEventDefinition", "SignalEventDefinition"
DELIVERABLE = (MESSAGE, SIGNAL)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MISSING = object()


def tasks_in_state(workflow: BpmnWorkflow, state: int) -> list[Any]:
    """Tasks in a state, top process and subprocesses, in creation order.

    Why: ``get_tasks`` walks the task tree with a generic iterator and was the largest single cost of a
    snapshot (several walks per step); scanning the task dictionaries is several times faster."""
    found = [t for t in workflow.tasks.values() if t.state == state]
    for sub in workflow.subprocesses.values():
        found += [t for t in sub.tasks.values() if t.state == state]
    return found


def pending_events(workflow: BpmnWorkflow) -> list[Any]:
    """What the instance waits for, one entry per event.

    Why: ``waiting_events()`` reports an event-based gateway as a single ``MultipleEventDefinition`` with
    no name and no due time, which hid its messages (``send_message`` refused them) and its timer (never
    scheduled). The gateway task holds the state of each event, so ask each part for its details."""
    pending: list[Any] = workflow.waiting_events()
    if not workflow.completed:
        pending = pending + _event_subprocess_triggers(workflow)
    if not any(e.event_type == "MultipleEventDefinition" for e in pending):
        return pending
    pending = [e for e in pending if e.event_type != "MultipleEventDefinition"]
    for task in tasks_in_state(workflow, TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):
            pending += [part.details(task) for part in definition.event_definitions]
    return pending


def _event_subprocess_triggers(workflow: BpmnWorkflow) -> list[Any]:
    """The messages and signals that would start an event sub-process.

    Why: the library keeps these as triggers on the process start, not as waiting tasks, so
    ``waiting_events()`` never lists them; the message API refused them and a case waiting only for
    such an event looked stuck."""
    found = []
    for wf in [workflow, *workflow.subprocesses.values()]:
        start = wf.spec.start
        for name in getattr(start, "trigger_specs", []) or []:
            spec = wf.spec.task_specs.get(name)
            sub = workflow.subprocess_specs.get(getattr(spec, "spec", None) or "")
            for event in getattr(sub, "bpmn_start_events", []) or []:
                definition = event.event_definition
                if type(definition).__name__ in DELIVERABLE:
                    found.append(PendingBpmnEvent(definition.name, type(definition).__name__,
                                                  getattr(definition, "correlation_properties", None)))
    return found


def is_human(spec: Any) -> bool:
    """User tasks, manual tasks and plain ``bpmn:task`` elements: the library leaves all of them for a
    person (its ``manual`` flag), so all of them become work items."""
    return bool(getattr(spec, "manual", False))


def _label(task: Any) -> str:
    spec = task.task_spec
    return f"'{spec.bpmn_name or spec.bpmn_id}' ({type(spec).__name__})"


def stuck_reason(workflow: BpmnWorkflow, pending: list[Any]) -> str | None:
    """Why an unfinished instance with no open task can never move on, or None when something is pending.

    Why: a case that waits for nothing (a join whose other branch ended, an event nobody can send, a failed
    step) used to look merely "waiting" for ever; now it is an incident a person sees at once."""
    if any(e.event_type in DELIVERABLE or "Timer" in e.event_type or e.event_type == "ConditionalEventDefinition"
           for e in pending):
        return None
    failed = tasks_in_state(workflow, TaskState.ERROR)
    if failed:
        return f"step {_label(failed[0])} failed earlier: correct the case or the process, then retry it"
    waiting = [t for t in tasks_in_state(workflow, TaskState.WAITING) + tasks_in_state(workflow, TaskState.STARTED)
               if not isinstance(t.task_spec, BoundaryEvent) and t.id not in workflow.subprocesses]
    if waiting:
        where = ", ".join(_label(t) for t in waiting[:5])
        return (f"the process cannot go on: it waits at {where} for something that can never happen "
                "(no work item, timer, message or signal is pending)")
    return "the process stopped before reaching an end event (no work item, timer, message or signal is pending)"


def deliver(workflow: BpmnWorkflow, name: str, payload: dict[str, Any], given: dict[str, Any]) -> None:
    """Send a message or signal into the workflow; domain errors for everything that does not fit."""
    pending = pending_events(workflow)
    kinds = {e.event_type for e in pending if e.name == name}
    if not kinds & set(DELIVERABLE):
        waiting = sorted({e.name for e in pending if e.event_type in DELIVERABLE})
        raise NoSuchMessage(f"the case is not waiting for the message '{name}'", details={"waiting_for": waiting})
    if MESSAGE in kinds:
        correlations = event_correlations(workflow, pending, name, payload, given, strict=True)
        event = BpmnEvent(MessageEventDefinition(name), payload, correlations)
    else:
        correlations = {}
        event = BpmnEvent(SignalEventDefinition(name), payload)
    try:
        workflow.send_event(event)
    except WorkflowException as err:
        if str(err).startswith("This process is not waiting"):
            raise NoSuchMessage(f"the case waits for '{name}', but for other correlation values",
                                details={"expected": workflow.correlations, "given": correlations}) from err
        raise ValidationFailed(f"the message '{name}' does not fit what the case expects: {err}") from err
    except Exception as err:  # noqa: BLE001 - a correlation expression failing on the payload
        raise ValidationFailed(f"the message '{name}' does not fit what the case expects: "
                               f"{type(err).__name__}: {err}") from err


def event_correlations(workflow: BpmnWorkflow, pending: list[Any], name: str, payload: dict[str, Any],
                       given: dict[str, Any], *, strict: bool) -> dict[str, dict[str, Any]]:
    """The message's correlation keys: each property from ``given`` (flat ``{prop: value}`` or nested
    ``{key: {prop: value}}``) or else from the payload by the property's retrieval expression.

    A value given only in ``correlations`` is also put in the payload when its retrieval expression is a
    plain name, because the library reads it from the payload again when the message is caught."""
    result: dict[str, dict[str, Any]] = {}
    for prop in _properties(pending, name):
        value = _given(given, prop)
        if value is _MISSING:
            try:
                value = workflow.script_engine.environment.evaluate(prop.retrieval_expression, payload)
            except Exception as err:  # noqa: BLE001 - the expression reads a field the payload lacks
                if not strict or not workflow.correlations:
                    continue  # nothing to match yet: the first message of a conversation sets the keys
                raise ValidationFailed(
                    f"the message '{name}' needs the correlation value '{prop.name}': send it in "
                    f"\"correlations\" or in the data ({prop.retrieval_expression})",
                    details={f"correlations.{prop.name}": "is required"}) from err
        elif IDENTIFIER.fullmatch(prop.retrieval_expression.strip()):
            payload.setdefault(prop.retrieval_expression.strip(), value)
        for key in prop.correlation_keys:
            result.setdefault(key, {})[prop.name] = value
    return result


def _properties(pending: list[Any], name: str) -> list[Any]:
    props: dict[str, Any] = {}
    for event in pending:
        if event.name == name and event.event_type == MESSAGE:
            props.update({p.name: p for p in event.value or []})
    return list(props.values())


def _given(given: dict[str, Any], prop: Any) -> Any:
    if prop.name in given and not isinstance(given[prop.name], dict):
        return given[prop.name]
    for key in prop.correlation_keys:
        nested = given.get(key)
        if isinstance(nested, dict) and prop.name in nested:
            return nested[prop.name]
    return _MISSING


def correlated(workflow: BpmnWorkflow, name: str, payload: dict[str, Any], given: dict[str, Any]) -> bool:
    """Whether the workflow waits for message ``name`` with exactly these correlation values.

    Before any message has set its keys, each property's retrieval expression is read from the data of the
    waiting task instead (an order number the case already holds)."""
    pending = pending_events(workflow)
    props = _properties(pending, name)
    if not props:
        return False
    wanted = event_correlations(workflow, pending, name, dict(payload), given, strict=False)
    if not wanted:
        return False
    if workflow.correlations:
        return all(workflow.correlations.get(key) == values for key, values in wanted.items())
    data = _waiting_data(workflow, name)
    for prop in props:
        expected = _given(given, prop)
        if expected is _MISSING:
            expected = next((v[prop.name] for v in wanted.values() if prop.name in v), _MISSING)
        try:
            actual = workflow.script_engine.environment.evaluate(prop.retrieval_expression, data)
        except Exception:  # noqa: BLE001 - the case holds no such value: not this case
            return False
        if expected is _MISSING or actual != expected:
            return False
    return True


def _waiting_data(workflow: BpmnWorkflow, name: str) -> dict[str, Any]:
    for task in tasks_in_state(workflow, TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if getattr(definition, "name", None) == name:
            return dict(task.data)
    return dict(workflow.data)
