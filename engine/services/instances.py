"""Running a case's process and writing the result back: instance state, work items, case status, events.

Every verb that moves a process (open, complete, message, timer, retry) ends in ``apply_snapshot`` inside
the caller's transaction, so the case row, its instance, its work items and its events change together.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.bpmn.loader import ParsedProcess, ProcessDefinition
from engine import search
from engine.bpmn.runner import Snapshot
from engine.context import Context
from engine.errors import CaseNotFound, ConcurrentUpdate, NoSuchMessage
from engine.models import Case, CaseStatus, Event, Job, ProcessInstance, WorkItem, WorkItemState
from engine.services.parties import policy_key

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
        """What service handlers learn about the case they run for."""
        return {"reference": self.case.reference, "case_type": self.case.case_type, "case_id": self.case.id,
                "party_id": self.case.party_id}


def add_event(session: Session, case_id: int | None, kind: str, actor: str, payload: dict[str, Any],
              now: datetime) -> None:
    """Append one timeline event now (not at flush time), so the timeline keeps the order things happened."""
    add_events(session, [dict(case_id=case_id, kind=kind, actor=actor, payload=payload, created_at=now)])


# Prebuilt Core statements on the tables: the ORM bulk path and per-call ``.values()`` cost more than the
# engine step itself on the case-opening path.
INSERT_EVENT = Event.__table__.insert()
INSERT_CASE = Case.__table__.insert().returning(Case.__table__.c.id)
INSERT_INSTANCE = ProcessInstance.__table__.insert()
INSERT_ITEM = WorkItem.__table__.insert()
INSERT_ITEM_RETURNING = WorkItem.__table__.insert().returning(WorkItem.__table__.c.id, sort_by_parameter_order=True)


def add_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Several timeline events in one executemany (a process step often yields a handful)."""
    if rows:
        session.connection().execute(INSERT_EVENT, rows)


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
    if loaded.instance.completed:  # its state is compacted: nothing in a finished process can move again
        raise NoSuchMessage(f"case '{loaded.case.reference}' is closed: its process has finished and waits for "
                            "nothing", details={"waiting_for": []})
    snapshot = step(loaded.parsed, loaded.instance.state, loaded.case_context())
    apply_snapshot(ctx, session, loaded.case, loaded.instance, snapshot, actor, schedule_retries=schedule_retries)
    return snapshot


def apply_snapshot(ctx: Context, session: Session, case: Case, instance: ProcessInstance,
                   snapshot: Snapshot, actor: str, *, schedule_retries: bool = True) -> None:
    """Write a run's outcome on an existing case: instance state (version-checked), work items, case fields,
    events and retry jobs, all in the caller's transaction."""
    now = ctx.clock.now()
    conn = session.connection()
    values = instance_fields(snapshot, now)
    values["version"] = instance.version + 1
    updated = conn.execute(_update_statement(INSTANCES, frozenset(values), versioned=True),
                           {**values, "_id": instance.id, "_version": instance.version})
    if updated.rowcount != 1:
        raise ConcurrentUpdate("someone else changed this case at the same time; reload and retry")
    _set_loaded(instance, values)
    values = case_fields(snapshot, now)
    # What search sees (data and status text) often stays the same through a step: re-index only on change.
    searchable_changed = values["data"] != case.data or values.get("status_text", case.status_text) != case.status_text
    conn.execute(_update_statement(CASES, frozenset(values)), {**values, "_id": case.id})
    status_event = status_change(case, values, actor, now)
    _set_loaded(case, values)
    created = _sync_work_items(session, case, snapshot, now)
    add_events(session, status_event + event_rows(case.id, actor, snapshot, now) + created)
    if searchable_changed:
        index_case(session, case.id, case.reference, case.case_type, case.party, snapshot)
    if snapshot.incident_retryable and schedule_retries:
        _schedule_retry(session, case.id, now)


INSTANCES, CASES = ProcessInstance.__table__, Case.__table__


@lru_cache(maxsize=64)
def _update_statement(table: Any, columns: frozenset[str], versioned: bool = False) -> Any:
    """``UPDATE table SET col = :col ... WHERE id = :_id [AND version = :_version]``, built once per column set.

    Why Core and not ORM flushes: this runs on every step of every case; the version condition is the
    optimistic lock (0 rows: someone else moved the instance first)."""
    condition = table.c.id == bindparam("_id")
    if versioned:
        condition = condition & (table.c.version == bindparam("_version"))
    return table.update().where(condition).values({name: bindparam(name) for name in sorted(columns)})


def _set_loaded(obj: Any, values: dict[str, Any]) -> None:
    """Show what was written on the loaded object without making the ORM write it again."""
    for name, value in values.items():
        set_committed_value(obj, name, value)


def insert_case(ctx: Context, session: Session, case_row: dict[str, Any], version_id: int, snapshot: Snapshot,
                actor: str, opened_event: dict[str, Any], party: Any) -> tuple[int, list[dict[str, Any]]]:
    """Insert a new case with its instance, work items and events: a handful of Core statements.

    Opening a case is the hottest write path (upstream systems call it in bulk), and the ORM unit of work
    cost more there than the engine itself. Returns the case id and the work item rows with their ids."""
    now = ctx.clock.now()
    conn = session.connection()
    case_id = conn.execute(INSERT_CASE, {**CASE_DEFAULTS, **case_row, **case_fields(snapshot, now)}).scalar_one()
    conn.execute(INSERT_INSTANCE, dict(case_id=case_id, process_version_id=version_id, version=1,
                                       **instance_fields(snapshot, now)))
    items = item_rows(case_id, case_row.get("priority", 0), snapshot, now)
    if items:
        ids = conn.execute(INSERT_ITEM_RETURNING, items).scalars().all()
        for row, item_id in zip(items, ids, strict=True):
            row["id"] = item_id
    add_events(session, event_rows(case_id, actor, snapshot, now, before=[("case_opened", opened_event)])
               + item_created_events(case_id, items, now))
    index_case(session, case_id, case_row["reference"], case_row["case_type"], party, snapshot)
    if snapshot.incident_retryable:
        _schedule_retry(session, case_id, now)
    return case_id, items


def _schedule_retry(session: Session, case_id: int, now: datetime) -> None:
    """A retryable incident: the worker runs the failed step again after the first backoff."""
    session.add(Job(kind="retry_instance", payload={"case_id": case_id}, run_at=now + RETRY_BACKOFF[0],
                    created_at=now))


CASE_DEFAULTS = {"status_text": None, "stage": None, "outcome": None, "closed_at": None, "sla_due_at": None,
                  "idempotency_key": None, "request_hash": None, "priority": 0}


def index_case(session: Session, case_id: int, reference: str, case_type: str, party: Any,
               snapshot: Snapshot) -> None:
    """Keep the case findable by reference, customer, status text and any value in its data."""
    title = f"{reference} {party.name} {case_type}"
    body = " ".join([snapshot.status_text or "", party.email or "", party.phone or "", *search.flatten(snapshot.data)])
    search.index(session, "case", reference, case_id, title, body)


# What a finished process keeps of its serialized state. The case page and an audit read the case row (data,
# outcome, status text), its work items and its events (every step, decision and completion, whole); nothing
# reads a finished workflow's task tree again, and it was the largest column (about 3 KB a case).
COMPACTED_STATE = '{"compacted": true, "see": "cases.data and events"}'


def instance_fields(snapshot: Snapshot, now: datetime) -> dict[str, Any]:
    return {"state": COMPACTED_STATE if snapshot.completed else snapshot.state,
            "next_timer_at": snapshot.next_timer_at,
            "waiting_messages": snapshot.waiting_messages, "completed": snapshot.completed,
            "incident": snapshot.incident, "updated_at": now}


def case_fields(snapshot: Snapshot, now: datetime) -> dict[str, Any]:
    """What a run changes on the case row (status text and stage only when the step names one)."""
    dues = [t.due_at for t in snapshot.open_tasks if t.due_at is not None]
    fields: dict[str, Any] = {"data": snapshot.data, "policy_number": policy_key(snapshot.data), "updated_at": now,
                              "sla_due_at": min(dues) if dues else None}
    if snapshot.status_text:
        fields["status_text"] = snapshot.status_text
    if snapshot.stage:
        fields["stage"] = snapshot.stage
    if snapshot.completed:
        fields.update(status=CaseStatus.CLOSED.value, outcome=snapshot.outcome, closed_at=now)
    elif snapshot.incident:
        fields["status"] = CaseStatus.INCIDENT.value
    else:
        fields["status"] = CaseStatus.OPEN.value if snapshot.open_tasks else CaseStatus.WAITING.value
    return fields


def item_rows(case_id: int, case_priority: int, snapshot: Snapshot, now: datetime,
              skip: set[str] | frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    return [dict(case_id=case_id, task_id=t.task_id, name=t.name, title=t.title, queue=t.queue,
                 state=WorkItemState.READY.value, priority=max(t.priority, case_priority), due_at=t.due_at,
                 form_file=t.form_file, separate_from=t.properties.get("separateFrom"), created_at=now,
                 assignee_id=None, data=None, claimed_at=None, completed_at=None, completed_by_id=None)
            for t in snapshot.open_tasks if t.task_id not in skip]


def event_rows(case_id: int, actor: str, snapshot: Snapshot, now: datetime,
               before: list[tuple[str, dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    events = [(kind, actor, payload) for kind, payload in before or []]
    # The engine, not the person whose action set it going, does the steps: record them as the system's (and
    # keep who set them going), so a timeline never says "agent: Claim paid".
    events += [("step_completed", "system", {**step, "after": actor}) for step in snapshot.steps]
    events += [(kind, "system", payload) for kind, payload in snapshot.emitted]
    if snapshot.incident:
        events.append(("incident", "system", {"message": snapshot.incident, "retryable": snapshot.incident_retryable}))
    if snapshot.completed:
        events.append(("case_closed", "system", {"outcome": snapshot.outcome}))
    return [dict(case_id=case_id, kind=k, actor=a, payload=p, created_at=now) for k, a, p in events]


ITEMS = WorkItem.__table__
_OPEN_ITEMS = select(ITEMS.c.task_id, ITEMS.c.id).where(ITEMS.c.case_id == bindparam("case_id"),
                                                       ITEMS.c.state.in_(OPEN_STATES))


def status_change(case: Case, values: dict[str, Any], actor: str, now: datetime) -> list[dict[str, Any]]:
    """A ``status_changed`` event when a step changes the case's status, status text or stage (webhooks and the
    customer's page follow these), else none."""
    keys = ("status", "status_text", "stage")
    before = {k: getattr(case, k) for k in keys}
    after = {k: values.get(k, before[k]) for k in keys}
    if before == after:
        return []
    return [dict(case_id=case.id, kind="status_changed", actor="system", created_at=now,
                 payload={"from": before["status"], **after, "after": actor})]


def item_created_events(case_id: int, items: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return [dict(case_id=case_id, kind="work_item_created", actor="system", created_at=now,
                 payload={"work_item": item["id"], "task": item["name"], "title": item["title"],
                          "queue": item["queue"], "due_at": item["due_at"].isoformat() if item["due_at"] else None})
            for item in items if item.get("id") is not None]


def _sync_work_items(session: Session, case: Case, snapshot: Snapshot, now: datetime) -> list[dict[str, Any]]:
    """Open a work item per new READY user task; cancel items whose task is no longer READY.

    Returns the ``work_item_created`` events of the new items."""
    conn = session.connection()
    open_items = dict(conn.execute(_OPEN_ITEMS, {"case_id": case.id}).all())
    ready_ids = {t.task_id for t in snapshot.open_tasks}
    gone = [item_id for task_id, item_id in open_items.items() if task_id not in ready_ids]
    if gone:
        conn.execute(ITEMS.update().where(ITEMS.c.id.in_(gone)).values(state=WorkItemState.CANCELLED.value,
                                                                        completed_at=now))
    rows = item_rows(case.id, case.priority, snapshot, now, skip=set(open_items))
    if rows:
        for row, item_id in zip(rows, conn.execute(INSERT_ITEM_RETURNING, rows).scalars().all(), strict=True):
            row["id"] = item_id
    return item_created_events(case.id, rows, now)
