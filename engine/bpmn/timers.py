"""Timer events that read "now" from the engine's injectable clock instead of the wall clock.

SpiffWorkflow 3.2 calls ``datetime.now()`` inside its timer definitions, so tests could only move time by
sleeping. After parsing we swap each timer definition's class for a subclass that asks the workflow's
script engine for the time (``script_engine.clock.now()``). Specs are never serialized (we keep the
source files), so the swap does not affect persistence.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)


def _now(my_task: Any) -> datetime:
    clock = getattr(my_task.workflow.script_engine, "clock", None)
    return clock.now() if clock is not None else datetime.now(timezone.utc)


class ClockedTimeDateTimerEventDefinition(TimeDateEventDefinition):  # type: ignore[misc]  # SpiffWorkflow is untyped
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if isinstance(event_value, datetime):
                event_value = event_value.isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedDurationTimerEventDefinition(DurationTimerEventDefinition):  # type: ignore[misc]  # SpiffWorkflow is untyped
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if isinstance(expression, timedelta):
                due = now + expression
            else:
                parsed = TimerEventDefinition.parse_iso_duration(expression)
                due = now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
            event_value = due.isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedCycleTimerEventDefinition(CycleTimerEventDefinition):  # type: ignore[misc]  # SpiffWorkflow is untyped
    def cycle_complete(self, my_task: Any) -> bool:
        now = _now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = _parse_cycle(expression, now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def _parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    components = expression.upper().replace("--", "/").strip("R").split("/")
    cycles = int(components[0]) if components[0] else -1
    if len(components) == 2 and components[1].startswith("P"):
        parsed = TimerEventDefinition.parse_iso_duration(components[1])
        duration = TimerEventDefinition.get_timedelta_from_start(parsed, now)
        return cycles, now + duration, duration
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
    return int(cycles), start, duration


CLOCKED_TIMERS = {
    TimeDateEventDefinition: ClockedTimeDateTimerEventDefinition,
    DurationTimerEventDefinition: ClockedDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockedCycleTimerEventDefinition,
}


def install_clocked_timers(specs: Iterable[Any]) -> None:
    """Swap every timer event definition in these process specs for its clock-aware subclass."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            for event_definition in _event_definitions(getattr(task_spec, "event_definition", None)):
                swap = CLOCKED_TIMERS.get(type(event_definition))
                if swap is not None:
                    event_definition.__class__ = swap


def _event_definitions(event_definition: Any) -> list[Any]:
    """The definition itself, or the parts of a multiple one. Why: an event-based gateway moves the timer
    definitions of the catch events after it into its own MultipleEventDefinition (and leaves the catch
    events with none), so a swap that only looked at ``task_spec.event_definition`` missed those timers and
    they ran on the wall clock."""
    if isinstance(event_definition, MultipleEventDefinition):
        return [part for child in event_definition.event_definitions for part in _event_definitions(child)]
    return [event_definition] if event_definition is not None else []


def due_time(event_value: Any) -> datetime | None:
    """The due time of a pending timer as reported by ``waiting_events()``."""
    if isinstance(event_value, dict):
        event_value = event_value.get("next")
    if not isinstance(event_value, str):
        return None
    try:
        due: datetime = TimerEventDefinition.get_datetime(event_value)
    except ValueError:
        return None
    return due
