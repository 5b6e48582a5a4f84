"""Running a case's process and writing the result back: instance state, work items, case status, events.

Every verb that moves a process (open, complete, message, timer, retry) ends in ``apply_snapshot`` inside
the caller's transaction, so the case row, its instance, its work items and its events change together.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.bpmn.loader import ParsedProcess, ProcessDefinition
from engine.bpmn.runner import Snapshot
from engine.context import Context
from engine.errors import CaseNotFound
from engine.models import Case, CaseStatus, Event, Job, ProcessInstance, WorkItem, WorkItemState

OPEN_STATES = (WorkItemState.READY.value, WorkItemState.CLAIMED.value)
RETRY_BACKOFF = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
                 timedelta(hours=1))


@dataclass
class Loaded:
    case: Case
    instance: ProcessInstance
    definition: ProcessDefinition
    parsed: ParsedProcess

    def case_context(self) -> dict[str, Any]:
        return case_context(self.case)


def case_context(case: Case) -> dict[str, Any]:
    return {"reference": case.reference, "case_type": case.case_type, "case_id": case.id,
            "party_id": case.party_id}


def add_event(session: Session, case_id: int | None, kind: str, actor: str, payload: dict[str, Any],
              now: datetime) -> Event:
    event = Event(case_id=case_id, kind=kind, actor=actor, payload=payload, created_at=now)
    session.add(event)
    return event


def add_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Several timeline events in one executemany (a process step often yields a handful)."""
    if rows:
        session.execute(insert(Event), rows)


def load_case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.reference == reference)
    if for_update:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise CaseNotFound(f"no case with reference '{reference}'")
    return case


def load_instance(ctx: Context, session: Session, case: Case) -> Loaded:
    instance = session.scalar(select(ProcessInstance).where(ProcessInstance.case_id == case.id))
    if instance is None:
        raise CaseNotFound(f"case '{case.reference}' has no process instance")
    definition = ctx.processes.by_version_id(session, instance.process_version_id)
    return Loaded(case, instance, definition, ctx.processes.parsed(definition))


def run_and_apply(ctx: Context, session: Session, loaded: Loaded, actor: str,
                  step: Callable[[ParsedProcess, str, dict[str, Any]], Snapshot], *,
                  schedule_retries: bool = True) -> Snapshot:
    snapshot = step(loaded.parsed, loaded.instance.state, loaded.case_context())
    apply_snapshot(ctx, session, loaded.case, loaded.instance, snapshot, actor, schedule_retries=schedule_retries)
    return snapshot


def apply_snapshot(ctx: Context, session: Session, case: Case, instance: ProcessInstance,
                   snapshot: Snapshot, actor: str, *, schedule_retries: bool = True, new: bool = False,
                   before: list[tuple[str, dict[str, Any]]] = ()) -> list[WorkItem]:  # type: ignore[assignment]
    """Write a run's outcome: instance state (version-checked), work items, case fields, events, jobs.

    For a ``new`` case the case, instance and items go in with one flush (ORM relationships order the
    inserts), then all events with one executemany: opening a case is the hottest write path.
    Returns the work items it opened."""
    now = ctx.clock.now()
    instance.state = snapshot.state
    instance.next_timer_at = snapshot.next_timer_at
    instance.waiting_messages = snapshot.waiting_messages
    instance.completed = snapshot.completed
    instance.incident = snapshot.incident
    instance.updated_at = now
    opened = _sync_work_items(session, case, snapshot, now, new=new)
    _update_case(case, snapshot, now)
    session.flush()
    events = [(kind, actor, payload) for kind, payload in before]
    events += [("step_completed", actor, step) for step in snapshot.steps]
    events += [(kind, "system", payload) for kind, payload in snapshot.emitted]
    if snapshot.incident:
        events.append(("incident", "system", {"message": snapshot.incident, "retryable": snapshot.incident_retryable}))
        if snapshot.incident_retryable and schedule_retries:
            session.add(Job(kind="retry_instance", payload={"case_id": case.id}, run_at=now + RETRY_BACKOFF[0],
                            created_at=now))
    if snapshot.completed:
        events.append(("case_closed", "system", {"outcome": snapshot.outcome}))
    add_events(session, [dict(case_id=case.id, kind=k, actor=a, payload=p, created_at=now) for k, a, p in events])
    return opened


def _sync_work_items(session: Session, case: Case, snapshot: Snapshot, now: datetime, new: bool) -> list[WorkItem]:
    """Open a work item per new READY user task; cancel items whose task is no longer READY."""
    open_items = {} if new else {w.task_id: w for w in session.scalars(
        select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state.in_(OPEN_STATES)))}
    ready_ids = {t.task_id for t in snapshot.open_tasks}
    gone = [w.id for task_id, w in open_items.items() if task_id not in ready_ids]
    if gone:
        session.execute(update(WorkItem).where(WorkItem.id.in_(gone))
                        .values(state=WorkItemState.CANCELLED.value, completed_at=now))
    opened = []
    for task in snapshot.open_tasks:
        if task.task_id in open_items:
            continue
        opened.append(WorkItem(
            case=case, task_id=task.task_id, name=task.name, title=task.title, queue=task.queue,
            state=WorkItemState.READY.value, priority=max(task.priority, case.priority), due_at=task.due_at,
            form_file=task.form_file, separate_from=task.properties.get("separateFrom"), created_at=now))
    session.add_all(opened)
    return opened


def _update_case(case: Case, snapshot: Snapshot, now: datetime) -> None:
    case.data = snapshot.data
    case.updated_at = now
    if snapshot.status_text:
        case.status_text = snapshot.status_text
    if snapshot.stage:
        case.stage = snapshot.stage
    dues = [t.due_at for t in snapshot.open_tasks if t.due_at is not None]
    case.sla_due_at = min(dues) if dues else None
    if snapshot.completed:
        case.status = CaseStatus.CLOSED.value
        case.outcome = snapshot.outcome
        case.closed_at = now
    elif snapshot.incident:
        case.status = CaseStatus.INCIDENT.value
    elif snapshot.open_tasks:
        case.status = CaseStatus.OPEN.value
    else:
        case.status = CaseStatus.WAITING.value
