"""Work items: the shared worklist; claim (one winner), release, complete (validated, version-checked)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload, lazyload

from engine.context import Context
from engine.errors import (
    ConcurrentUpdate,
    FourEyesViolation,
    PermissionDenied,
    StaleWorkItem,
    TaskAlreadyClaimed,
    WorkItemNotFound,
)
from engine.models import Case, User, WorkItem, WorkItemState
from engine.services import intake, mail_in
from engine.services.auth import Principal
from engine.services.cases import iso, username, validate_form
from engine.services.instances import OPEN_STATES, Loaded, add_event, load_instance, run_and_apply

READY, CLAIMED, COMPLETED = WorkItemState.READY.value, WorkItemState.CLAIMED.value, WorkItemState.COMPLETED.value


@dataclass(frozen=True)
class WorkFilter:
    queue: str | None = None
    assignee: str | None = None
    state: str | None = None
    overdue: bool | None = None
    case_reference: str | None = None
    limit: int = 100


def item_view(item: WorkItem, case: Case | None, assignee: str | None, form: dict[str, Any] | None = None,
              include_form: bool = False) -> dict[str, Any]:
    view = {
        "id": item.id, "name": item.name, "title": item.title, "queue": item.queue, "state": item.state,
        "assignee": assignee, "priority": item.priority, "due_at": iso(item.due_at),
        "kind": item.kind, "document_id": item.document_id,
        "case_reference": case.reference if case else None, "case_type": case.case_type if case else None,
        "status_text": case.status_text if case else None,
        "created_at": iso(item.created_at), "claimed_at": iso(item.claimed_at),
        "completed_at": iso(item.completed_at),
    }
    if include_form:
        view["form"] = form
        view["data"] = item.data
    return view


def list_work_items(ctx: Context, f: WorkFilter) -> list[dict[str, Any]]:
    query = (select(WorkItem, Case, User.username).outerjoin(Case, Case.id == WorkItem.case_id)
             .outerjoin(User, User.id == WorkItem.assignee_id)
             .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.priority.desc(), WorkItem.id)
             .options(lazyload(Case.party))  # an eager inner join to parties would drop items without a case
             .limit(f.limit))
    query = query.where(WorkItem.state == f.state) if f.state else query.where(WorkItem.state.in_(OPEN_STATES))
    if f.queue:
        query = query.where(WorkItem.queue == f.queue)
    if f.assignee == "none":
        query = query.where(WorkItem.assignee_id.is_(None))
    elif f.assignee:
        query = query.where(User.username == f.assignee)
    if f.overdue is not None:
        now = ctx.clock.now()
        query = query.where(WorkItem.due_at < now) if f.overdue else query.where(
            or_(WorkItem.due_at.is_(None), WorkItem.due_at >= now))
    if f.case_reference:
        query = query.where(Case.reference == f.case_reference)
    with ctx.read() as session:
        return [item_view(item, case, username) for item, case, username in session.execute(query)]


def _load(session: Session, item_id: int) -> tuple[WorkItem, Case | None]:
    row = session.execute(select(WorkItem, Case).outerjoin(Case, Case.id == WorkItem.case_id)
                          .options(joinedload(Case.party, innerjoin=False))
                          .where(WorkItem.id == item_id)).first()
    if row is None:
        raise WorkItemNotFound(f"no work item {item_id}")
    return row[0], row[1]


def get_work_item(ctx: Context, item_id: int) -> dict[str, Any]:
    with ctx.read() as session:
        item, case = _load(session, item_id)
        return item_view(item, case, username(session, item.assignee_id), _form(ctx, session, item, case),
                         include_form=True)


def _form(ctx: Context, session: Session, item: WorkItem, case: Case | None,
          loaded: Loaded | None = None) -> dict[str, Any] | None:
    """A BPMN task's form comes from its process version; document intake items have built-in forms."""
    if item.kind in mail_in.FORMS:
        return mail_in.FORMS[item.kind]
    if item.kind != "task":
        return intake.FORMS[item.kind]
    assert case is not None
    return (loaded or load_instance(ctx, session, case)).definition.form(item.name, item.form_file)


def check_four_eyes(session: Session, item: WorkItem, who: Principal) -> None:
    """A task marked ``separateFrom`` other tasks (comma-separated ids) may not be done by whoever completed
    one of them on the same case."""
    if not item.separate_from:
        return
    names = [n.strip() for n in item.separate_from.split(",") if n.strip()]
    earlier = session.scalar(select(WorkItem.id).where(
        WorkItem.case_id == item.case_id, WorkItem.name.in_(names),
        WorkItem.state == COMPLETED, WorkItem.completed_by_id == who.user_id).limit(1))
    if earlier is not None:
        raise FourEyesViolation(
            f"four-eyes rule: '{item.title}' must be done by someone other than who completed "
            f"'{item.separate_from}' on this case")


def _check_queue(item: WorkItem, who: Principal) -> None:
    """A back-office user in a team works that team's queues only (a sanctions hit is for compliance).

    Admins and integrations act across queues; a user in no team (a small installation) works any queue."""
    if not who.team_queues or {"admin", "integration"} & set(who.roles):
        return
    if item.queue not in who.team_queues:
        raise PermissionDenied(f"'{item.title}' is in queue '{item.queue}', which is not one of your team's "
                               f"queues ({', '.join(who.team_queues)})")


def _explain_conflict(session: Session, item_id: int, who: Principal) -> Exception:
    item, _case = _load(session, item_id)
    if item.state in (COMPLETED, WorkItemState.CANCELLED.value):
        return StaleWorkItem(f"work item {item_id} is already {item.state}",
                             details={"state": item.state})
    holder = username(session, item.assignee_id)
    return TaskAlreadyClaimed(f"work item {item_id} is claimed by {holder}", details={"assignee": holder})


def claim(ctx: Context, item_id: int, who: Principal) -> dict[str, Any]:
    who.require("work.claim")
    with ctx.write() as session:
        item, case = _load(session, item_id)
        _check_queue(item, who)
        check_four_eyes(session, item, who)
        now = ctx.clock.now()
        result = session.execute(
            update(WorkItem).where(WorkItem.id == item_id, or_(
                WorkItem.state == READY, (WorkItem.state == CLAIMED) & (WorkItem.assignee_id == who.user_id)))
            .values(state=CLAIMED, assignee_id=who.user_id, claimed_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _explain_conflict(session, item_id, who)
        add_event(session, item.case_id, "work_item_claimed", who.username, {"work_item": item_id, "title": item.title}, now)
        return {**item_view(item, case, who.username), "state": CLAIMED, "claimed_at": iso(now)}


def release(ctx: Context, item_id: int, who: Principal) -> dict[str, Any]:
    who.require("work.claim")
    with ctx.write() as session:
        item, case = _load(session, item_id)
        if item.state != CLAIMED:
            raise _explain_conflict(session, item_id, who) if item.state != READY else StaleWorkItem(
                f"work item {item_id} is not claimed")
        if item.assignee_id != who.user_id and "admin" not in who.roles:
            raise PermissionDenied("only the assignee or an admin can release this work item")
        now = ctx.clock.now()
        result = session.execute(update(WorkItem).where(WorkItem.id == item_id, WorkItem.state == CLAIMED,
                                                        WorkItem.assignee_id == item.assignee_id)
                                 .values(state=READY, assignee_id=None, claimed_at=None)
                                 .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _explain_conflict(session, item_id, who)
        add_event(session, item.case_id, "work_item_released", who.username, {"work_item": item_id}, now)
        return {**item_view(item, case, None), "state": READY, "claimed_at": None}


def complete(ctx: Context, item_id: int, data: dict[str, Any], who: Principal, attempts: int = 3) -> dict[str, Any]:
    """Validate against the form, run the engine, record it; one winner when several try at once.

    A concurrent change to the *same instance* by another task (a parallel branch) is retried here, since
    it is not the caller's conflict; a second completion of the *same item* is a 409.
    """
    who.require("work.complete")
    for attempt in range(attempts):
        try:
            return _complete_once(ctx, item_id, data, who)
        except ConcurrentUpdate:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _complete_once(ctx: Context, item_id: int, data: dict[str, Any], who: Principal) -> dict[str, Any]:
    with ctx.write() as session:
        item, case = _load(session, item_id)
        if item.state not in OPEN_STATES:
            raise StaleWorkItem(f"work item {item_id} is already {item.state}", details={"state": item.state})
        if item.state == CLAIMED and item.assignee_id != who.user_id:
            raise _explain_conflict(session, item_id, who)
        _check_queue(item, who)
        check_four_eyes(session, item, who)
        loaded = load_instance(ctx, session, case) if item.kind == "task" and case is not None else None
        validate_form(_form(ctx, session, item, case, loaded), data)
        now = ctx.clock.now()
        result = session.execute(
            update(WorkItem).where(WorkItem.id == item_id, WorkItem.state.in_(OPEN_STATES))
            .values(state=COMPLETED, completed_at=now, completed_by_id=who.user_id, data=data,
                    assignee_id=who.user_id).execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _explain_conflict(session, item_id, who)
        add_event(session, item.case_id, "work_item_completed", who.username,
                  {"work_item": item_id, "task": item.name, "title": item.title, "data": data}, now)
        if item.kind == mail_in.ROUTE_EMAIL:
            mail_in.complete_route(ctx, session, item, data, who.username)
        elif item.kind != "task":
            intake.complete_item(ctx, session, item, data, who.username)
        else:
            assert loaded is not None
            run_and_apply(ctx, session, loaded, who.username,
                          lambda parsed, state, ctx_case: ctx.runtime.complete_task(parsed, state, item.task_id, data,
                                                                                    ctx_case))
        view = {**item_view(item, case, who.username), "state": COMPLETED, "completed_at": iso(now)}
    if item.kind != "task" and item.document_id is not None:
        intake.after_capture(ctx, item.document_id)  # carry on as capture would have: link, checklist, message
    return view
