"""Repairing a case in incident or stuck: retry (optionally on a fixed version), correct its data, move it to
a step, cancel it. Each is one transaction and one timeline event naming who did it and why.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import update

from engine.bpmn import repair as surgery
from engine.context import Context
from engine.errors import Conflict, ValidationFailed
from engine.models import CaseStatus, ProcessInstance, WorkItem, WorkItemState
from engine.services.cases import case_view
from engine.services.deployments import list_versions, resolve_version
from engine.services.instances import (OPEN_STATES, Loaded, add_event, apply_snapshot, load_case, load_instance,
                                       run_and_apply)


def _reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("say why (it goes on the case's timeline)", details={"reason": "is required"})
    return reason.strip()


def _open(ctx: Context, session: Any, reference: str) -> Loaded:
    loaded = load_instance(ctx, session, load_case(session, reference, for_update=not ctx.db.is_sqlite))
    if loaded.instance.completed or loaded.case.status == CaseStatus.CLOSED.value:
        raise Conflict(f"case '{reference}' is closed; there is nothing to repair", details={"status": loaded.case.status})
    return loaded


def migrate_loaded(ctx: Context, session: Any, loaded: Loaded, target_id: int, actor: str, *,
                   retry: bool) -> dict[str, str]:
    """Move one loaded case onto another version (in the caller's transaction) and run it on from there."""
    new_definition = ctx.processes.by_version_id(session, target_id)
    diff = surgery.version_diff(loaded.parsed, ctx.processes.parsed(new_definition))
    workflow = ctx.runtime.load(loaded.parsed, loaded.instance.state, loaded.case_context())
    mapping = surgery.migrate(workflow, diff)
    snapshot = ctx.runtime.resume(workflow, loaded.case_context(), retry=retry)
    session.execute(update(ProcessInstance).where(ProcessInstance.id == loaded.instance.id)
                    .values(process_version_id=target_id).execution_options(synchronize_session=False))
    add_event(session, loaded.case.id, "instance_migrated", actor,
              {"from_version": loaded.definition.version, "to_version": new_definition.version,
               "to_version_id": target_id, "steps": mapping}, ctx.clock.now())
    apply_snapshot(ctx, session, loaded.case, loaded.instance, snapshot, actor)
    return mapping


def retry(ctx: Context, reference: str, actor: str, version: Any = None) -> dict[str, Any]:
    """Run the failed step again; with ``version``, first move the case onto that (fixed) version."""
    with ctx.write() as session:
        loaded = _open(ctx, session, reference)
        if not loaded.instance.incident:
            raise Conflict(f"case '{reference}' has no incident to retry", details={"status": loaded.case.status})
        payload: dict[str, Any] = {"incident": loaded.instance.incident}
        if version is None:
            add_event(session, loaded.case.id, "retry_requested", actor, payload, ctx.clock.now())
            run_and_apply(ctx, session, loaded, actor, ctx.runtime.wake)
        else:
            target = resolve_version(ctx, loaded.case.case_type, version)
            add_event(session, loaded.case.id, "retry_requested", actor, {**payload, "version_id": target},
                      ctx.clock.now())
            migrate_loaded(ctx, session, loaded, target, actor, retry=True)
        return case_view(session, loaded.case)


def correct_data(ctx: Context, reference: str, changes: dict[str, Any], reason: Any, actor: str) -> dict[str, Any]:
    """Merge corrections into the case data; the timeline keeps the fields before and after."""
    why = _reason(reason)
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed("send the fields to correct", details={"data": "must be a non-empty object"})
    with ctx.write() as session:
        loaded = _open(ctx, session, reference)
        before = {k: loaded.case.data.get(k) for k in changes}
        add_event(session, loaded.case.id, "data_corrected", actor,
                  {"reason": why, "before": before, "after": changes}, ctx.clock.now())
        _edit(ctx, session, loaded, actor, lambda wf: surgery.set_data(wf, changes), advance=False)
        return case_view(session, loaded.case)


def move(ctx: Context, reference: str, to: Any, reason: Any, actor: str) -> dict[str, Any]:
    """Put the case at another step (back to one it passed, or forward, skipping the steps between)."""
    why = _reason(reason)
    if not isinstance(to, str) or not to.strip():
        raise ValidationFailed("name the step to move to", details={"to": "is required (a BPMN element id)"})
    with ctx.write() as session:
        loaded = _open(ctx, session, reference)
        direction: list[str] = []
        snapshot_before = loaded.instance.incident
        _edit(ctx, session, loaded, actor, lambda wf: direction.append(surgery.move(wf, to.strip())),
              event=("case_moved", {"to": to.strip(), "reason": why, "incident": snapshot_before}))
        return case_view(session, loaded.case)


def cancel(ctx: Context, reference: str, reason: Any, actor: str) -> dict[str, Any]:
    """Stop the case for good: its process is cancelled, its open work items too, and it closes as cancelled."""
    why = _reason(reason)
    with ctx.write() as session:
        loaded = _open(ctx, session, reference)
        now = ctx.clock.now()
        workflow = ctx.runtime.load(loaded.parsed, loaded.instance.state, loaded.case_context())
        surgery.cancel(workflow)
        state = ctx.runtime.dump(workflow)
        session.execute(update(ProcessInstance).where(ProcessInstance.id == loaded.instance.id).values(
            state=state, completed=True, incident=None, next_timer_at=None, waiting_messages=[], updated_at=now,
            version=loaded.instance.version + 1).execution_options(synchronize_session=False))
        session.execute(update(WorkItem).where(WorkItem.case_id == loaded.case.id, WorkItem.state.in_(OPEN_STATES))
                        .values(state=WorkItemState.CANCELLED.value, completed_at=now)
                        .execution_options(synchronize_session=False))
        case = loaded.case
        case.status, case.outcome, case.closed_at, case.updated_at = CaseStatus.CLOSED.value, "cancelled", now, now
        case.status_text, case.sla_due_at = f"Cancelled: {why}", None
        add_event(session, case.id, "case_cancelled", actor, {"reason": why}, now)
        session.flush()
        session.expire_all()
        return case_view(session, load_case(session, reference))


def repair_options(ctx: Context, reference: str) -> dict[str, Any]:
    """What the case page offers a designer: the versions of the case's process and the steps it can move to."""
    with ctx.read() as session:
        loaded = load_instance(ctx, session, load_case(session, reference))
    specs = [loaded.parsed.spec, *loaded.parsed.subprocess_specs.values()]
    steps = sorted({(s.bpmn_id, s.bpmn_name or s.bpmn_id) for spec in specs for s in spec.task_specs.values()
                    if getattr(s, "bpmn_id", None) and not type(s).__name__.endswith(("Gateway", "StartEvent"))},
                   key=lambda step: step[1].lower())
    versions = [v for v in list_versions(ctx, loaded.case.case_type)]
    return {"version_id": loaded.instance.process_version_id, "versions": versions, "steps": steps}


def _edit(ctx: Context, session: Any, loaded: Loaded, actor: str, change: Callable[[Any], Any], *,
          advance: bool = True, event: tuple[str, dict[str, Any]] | None = None) -> None:
    snapshot = ctx.runtime.edit(loaded.parsed, loaded.instance.state, loaded.case_context(), change, advance=advance)
    if event is not None:
        add_event(session, loaded.case.id, event[0], actor, event[1], ctx.clock.now())
    apply_snapshot(ctx, session, loaded.case, loaded.instance, snapshot, actor)
