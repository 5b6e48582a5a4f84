"""Instance state without the spec: the spec is 60-90% of a full serialization and is stored once per version.

``dump`` writes the workflow's tasks, data and events as JSON; ``load`` rebuilds the workflow around the
cached, already-parsed spec of the version the instance is pinned to, and reattaches a script engine.
"""
from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.bpmn.timers import CLOCKED_TIMERS


def _configure() -> Any:
    """The Spiff registry, plus our clock-aware timer classes under their library type names.

    Why: timer definitions can end up in instance state (an event-based gateway keeps the events it has
    seen, each with its definition), and the registry only knew the library's classes, so dumping such a
    state failed; registering the subclasses under the base type name also restores them as the clock-aware
    classes, which the gateway needs to match a seen event against its own definitions."""
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    for base, clocked in CLOCKED_TIMERS.items():
        SPIFF_CONFIG[base](clocked, registry, typename=base.__name__)
    return registry


_REGISTRY = _configure()
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)


def dump(workflow: BpmnWorkflow) -> str:
    """Serialize instance state (no specs) to a JSON string."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": {str(k): registry.convert(v) for k, v in workflow.tasks.items()},
            "root": str(workflow.task_tree.id),
            "subprocesses": {str(k): registry.convert(v) for k, v in workflow.subprocesses.items()},
            "bpmn_events": registry.convert(workflow.bpmn_events),
            "serializer_version": VERSION,
        }
        return json.dumps(dct, cls=_SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def load(state: str, spec: Any, subprocess_specs: dict[str, Any], script_engine: Any) -> BpmnWorkflow:
    """Rebuild a workflow from ``dump`` output around its (cached) spec, with a fresh script engine."""
    registry = _SERIALIZER.registry
    dct = json.loads(state, cls=_SERIALIZER.json_decoder_cls)
    dct.pop("serializer_version", None)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine, deserializing=True)
    workflow.tasks = {UUID(k): registry.restore(v, workflow=workflow) for k, v in dct["tasks"].items()}
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    workflow.success = dct["success"]
    workflow.completed = dct.get("completed", False)
    workflow.correlations = dct.get("correlations", {})
    if isinstance(dct["last_task"], str):
        workflow.last_task = workflow.tasks.get(UUID(dct["last_task"]))
    workflow.data = registry.restore(dct.get("data", {}))
    _restore_subprocesses(registry, dct["subprocesses"], workflow)
    workflow.bpmn_events = registry.restore(dct.get("bpmn_events", []))
    workflow.script_engine = script_engine
    return workflow


def _restore_subprocesses(registry: Any, dct: dict[str, Any], workflow: Any, top: Any = None) -> None:
    top = top or workflow
    for task in list(workflow.tasks.values()):
        if isinstance(task.task_spec, SubWorkflowTask) and str(task.id) in dct:
            sub = registry.restore(dct.pop(str(task.id)), task=task, top_workflow=top)
            top.subprocesses[task.id] = sub
            sub.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
            _restore_subprocesses(registry, dct, sub, top)


def spec_registry() -> Any:
    """The converter registry, which the library's spec diff needs to compare task specs."""
    return _REGISTRY
