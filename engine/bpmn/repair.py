"""Repairing a running workflow: move it onto another version of its process, move it to a step, correct its
data, cancel it. Pure workflow surgery; the case layer saves the result and records who did it and why.

Migration uses the library's own spec diff (``SpiffWorkflow.bpmn.util.diff``): steps are aligned by BPMN id,
and a case can move only when every step it stands in (ready, waiting, failed) still exists in the new
version. A plan is computed once per pair of versions and applied to each workflow.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import serializer
from engine.bpmn.loader import ParsedProcess
from engine.bpmn.messages import tasks_in_state
from engine.errors import Conflict, ValidationFailed

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE


class CannotMigrate(Conflict):
    code = "cannot_migrate"


class CannotMove(Conflict):
    code = "cannot_move"


@dataclass
class VersionDiff:
    """The spec diffs between two parsed versions, computed once and applied to many workflows."""

    old: ParsedProcess
    new: ParsedProcess
    top: SpecDiff
    subprocesses: dict[str, SpecDiff | None] = field(default_factory=dict)


_DIFFS_LOCK = threading.Lock()


def version_diff(old: ParsedProcess, new: ParsedProcess) -> VersionDiff:
    """The diff between two parsed versions, kept with the old one's parsed specs (the library aligns by
    spec object, so a diff is only valid for these very objects)."""
    cache = old.extras.setdefault("diffs", {})
    found = cache.get(new.definition.version)
    if found is None or found.new is not new:
        registry = serializer.spec_registry()
        subs = {name: (SpecDiff(registry, spec, new.subprocess_specs[name]) if name in new.subprocess_specs
                       else None) for name, spec in old.subprocess_specs.items()}
        found = VersionDiff(old, new, SpecDiff(registry, old.spec, new.spec), subs)
        with _DIFFS_LOCK:
            cache[new.definition.version] = found
    return found


def _active(workflow: Any) -> list[Any]:
    return [t for t in workflow.tasks.values() if t.state & ACTIVE]


def plan_migration(workflow: BpmnWorkflow, diff: VersionDiff) -> tuple[dict[str, str], list[str], list[Any]]:
    """Where each active step maps (old id -> new id), why the case cannot move (empty: it can), and the
    per-(sub)workflow diffs to apply."""
    mapping: dict[str, str] = {}
    problems: list[str] = []
    diffs: list[Any] = []
    parts: list[tuple[Any, SpecDiff | None, Any]] = [(workflow, diff.top, diff.new.spec)]
    for sub in workflow.subprocesses.values():
        spec_diff = diff.subprocesses.get(sub.spec.name)
        parts.append((sub, spec_diff, diff.new.subprocess_specs.get(sub.spec.name)))
    for part, spec_diff, new_spec in parts:
        if spec_diff is None:
            problems.append(f"the new version has no process '{part.spec.name}', where this case stands")
            continue
        try:
            wf_diff = WorkflowDiff(part, spec_diff)
        except KeyError as err:
            problems.append(f"the case holds a step the old version does not align: {err}")
            continue
        for task in _active(part):
            target = wf_diff.alignment.get(task)
            if target is None:
                problems.append(f"step '{task.task_spec.bpmn_id}' ({task.task_spec.bpmn_name or 'unnamed'}), where "
                                "this case stands, does not exist in the new version")
            elif task.task_spec.bpmn_id:
                mapping[task.task_spec.bpmn_id] = target.bpmn_id
        diffs.append((part, wf_diff, new_spec))
    return mapping, problems, diffs


def migrate(workflow: BpmnWorkflow, diff: VersionDiff) -> dict[str, str]:
    """Move the workflow onto the new version in place; CannotMigrate (nothing changed) when it cannot."""
    mapping, problems, diffs = plan_migration(workflow, diff)
    if problems:
        raise CannotMigrate("the case cannot move to the new version: " + "; ".join(problems),
                            details={"problems": problems})
    kept = {t.id: dict(t.internal_data) for t in tasks_in_state(workflow, TaskState.WAITING)}
    for part, wf_diff, new_spec in diffs:
        migrate_workflow(wf_diff, part, new_spec)
    workflow.subprocess_specs = diff.new.subprocess_specs
    for task_id, internal in kept.items():  # a waiting timer keeps its due time instead of starting again
        task = workflow.get_task_from_id(task_id) if task_id in workflow.tasks else None
        if task is not None and task.state == TaskState.WAITING:
            task.internal_data.update(internal)
    _check_round_trip(workflow, diff.new)
    return mapping


def _check_round_trip(workflow: BpmnWorkflow, new: ParsedProcess) -> None:
    """The migrated state must load on the new version's specs (a passed step the new version dropped
    would not): refuse now rather than save a case that cannot be opened again."""
    try:
        serializer.load(serializer.dump(workflow), new.spec, new.subprocess_specs, workflow.script_engine)
    except Exception as err:  # noqa: BLE001 - the serializer raises KeyError/AttributeError on a missing spec
        raise CannotMigrate("the case cannot move to the new version: it has passed a step the new version "
                            f"no longer has ({type(err).__name__}: {err})") from err


def set_data(workflow: BpmnWorkflow, changes: dict[str, Any]) -> None:
    """Merge corrections into the data of every step the case stands in (``None`` removes a field)."""
    targets = [t for t in list(workflow.tasks.values()) + [t for s in workflow.subprocesses.values()
                                                           for t in s.tasks.values()] if t.state & ACTIVE]
    if workflow.completed or not targets:
        raise Conflict("the case stands in no step whose data could be corrected")
    # A failed step takes its parent's data again when it is retried: correct the parent's too.
    targets += [t.parent for t in targets if t.state == TaskState.ERROR and t.parent is not None]
    for task in targets:
        data = {**task.data, **changes}
        task.data = {k: v for k, v in data.items() if v is not None}


def move(workflow: BpmnWorkflow, to: str) -> str:
    """Put the case at step ``to``: back to a step it passed (reset from there), or forward over the steps
    between where it stands and ``to`` (skipped, not run). Returns "back" or "forward"."""
    tasks = list(workflow.tasks.values()) + [t for s in workflow.subprocesses.values() for t in s.tasks.values()]
    candidates = [t for t in tasks if t.task_spec.bpmn_id == to]
    if not candidates:
        steps = sorted({t.bpmn_id for t in workflow.spec.task_specs.values() if getattr(t, "bpmn_id", None)})
        raise ValidationFailed(f"'{to}' is not a step of this process", details={"to": f"one of: {', '.join(steps)}"})
    done = [t for t in candidates if t.state == TaskState.COMPLETED or t.state == TaskState.ERROR]
    if done:
        workflow.reset_from_task_id(max(done, key=lambda t: t.last_state_change).id)
        return "back"
    if any(t.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED) for t in candidates):
        raise CannotMove(f"the case already stands at '{to}'")
    for target in (t for t in candidates if t.state & PREDICTED):
        chain = _chain_to(target)
        if chain is not None:
            _skip(chain, target)
            return "forward"
    raise CannotMove(f"'{to}' cannot be reached from where the case stands")


def _chain_to(target: Any) -> list[Any] | None:
    """The tasks from an active ancestor of ``target`` down to its parent, or None when none is active."""
    chain, task = [], target.parent
    while task is not None:
        chain.append(task)
        if task.state & ACTIVE:
            return list(reversed(chain))
        task = task.parent
    return None


def _skip(chain: list[Any], target: Any) -> None:
    workflow = target.workflow
    for task in chain:
        if task.id not in workflow.tasks:
            break
        if task.state != TaskState.COMPLETED:
            task.complete()
    if target.id not in workflow.tasks or not target.state & (ACTIVE | TaskState.COMPLETED):
        raise CannotMove(f"'{target.task_spec.bpmn_id}' cannot be reached from where the case stands "
                         "(a gateway on the way leads elsewhere)")


def cancel(workflow: BpmnWorkflow) -> None:
    workflow.cancel()
