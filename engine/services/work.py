"""Work items: the shared worklist; claim (one winner), release, complete (validated, version-checked)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from engine import policy
from engine.context import Context
from engine.db import changed_rows
from engine.errors import (
    ConcurrentUpdate,
    FourEyesViolation,
    PermissionDenied,
    StaleWorkItem,
    TaskAlreadyClaimed,
    WorkItemNotFound,
)
from engine.models import Case, User, WorkItem, WorkItemState
from engine.services import builtin, work_pages
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
    cursor: str | None = None


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


def list_work_items(ctx: Context, f: WorkFilter, who: Principal | None = None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = work_items_page(ctx, f, who)["items"]
    return items


def work_items_page(ctx: Context, f: WorkFilter, who: Principal | None = None) -> dict[str, Any]:
    """Work items by due date (undated last), then priority, keyset-paginated: ``next_cursor`` continues.

    With a user, only items in queues the user may work (``engine.policy``). Asking for a queue the user may
    not see is a 403, not an empty list, so nobody mistakes it for no work."""
    queues: tuple[str, ...] | None = None
    if who is not None:
        who.require("work.read")
        if f.queue and not policy.may_work_queue(who, f.queue):
            raise PermissionDenied(f"the '{f.queue}' queue is not one of your team's queues "
                                   f"({', '.join(who.team_queues)})", details={"queue": f.queue})
        queues = policy.allowed_queues(who)
    with ctx.read() as session:
        query = _item_query(ctx, session, f, queues)
        if query is None:
            return {"items": [], "next_cursor": None}
        rows, cursor = work_pages.page(session, query)
    return {"items": [_list_view(r) for r in rows], "next_cursor": cursor}


def _item_query(ctx: Context, session: Session, f: WorkFilter,
                queues: tuple[str, ...] | None) -> work_pages.ItemQuery | None:
    """The filter as an index-shaped query; None when it names a person or case that does not exist."""
    if f.queue:
        queues = (f.queue,) if queues is None or f.queue in queues else ()
    assignee_id = case_id = None
    if f.assignee and f.assignee != "none":
        assignee_id = session.scalar(select(User.id).where(User.username == f.assignee))
        if assignee_id is None:
            return None
    if f.case_reference:
        case_id = session.scalar(select(Case.id).where(Case.reference == f.case_reference))
        if case_id is None:
            return None
    now = ctx.clock.now()
    return work_pages.ItemQuery(
        queues=queues, assignee_id=assignee_id, unassigned=f.assignee == "none", case_id=case_id,
        states=(f.state,) if f.state else work_pages.OPEN, limit=f.limit,
        due_before=now if f.overdue else None, not_due_before=now if f.overdue is False else None,
        after=work_pages.cursor_arg(f.cursor, "due"))


def _list_view(row: dict[str, Any]) -> dict[str, Any]:
    """The same shape as ``item_view`` from a page row."""
    return {"id": row["id"], "name": row["name"], "title": row["title"], "queue": row["queue"],
            "state": row["state"], "assignee": row["assignee"], "priority": row["priority"],
            "due_at": iso(row["due_at"]), "kind": row["kind"], "document_id": row["document_id"],
            "case_reference": row["case_reference"], "case_type": row["case_type"],
            "status_text": row["status_text"], "created_at": iso(row["created_at"]),
            "claimed_at": iso(row["claimed_at"]), "completed_at": iso(row["completed_at"])}


def _load(session: Session, item_id: int) -> tuple[WorkItem, Case | None]:
    if not 0 < item_id < 2**63:
        raise WorkItemNotFound(f"no work item {item_id}")
    row = session.execute(select(WorkItem, Case).outerjoin(Case, Case.id == WorkItem.case_id)
                          .options(joinedload(Case.party, innerjoin=False))
                          .where(WorkItem.id == item_id)).first()
    if row is None:
        raise WorkItemNotFound(f"no work item {item_id}")
    return row[0], row[1]


def get_work_item(ctx: Context, item_id: int, who: Principal | None = None) -> dict[str, Any]:
    """One item with its form; with a user, only one in a queue the user may work (403 otherwise)."""
    with ctx.read() as session:
        item, case = _load(session, item_id)
        if who is not None:
            policy.require_read(who, item)
        return item_view(item, case, username(session, item.assignee_id), _form(ctx, session, item, case),
                         include_form=True)


def _form(ctx: Context, session: Session, item: WorkItem, case: Case | None,
          loaded: Loaded | None = None) -> dict[str, Any] | None:
    """A BPMN task's form comes from its process version; intake, e-mail routing, duplicate and flag items have
    built-in forms."""
    if item.kind != "task" or case is None:
        return builtin.form(session, item)
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
        policy.require_claim(who, item)
        check_four_eyes(session, item, who)
        now = ctx.clock.now()
        result = session.execute(
            update(WorkItem).where(WorkItem.id == item_id, or_(
                WorkItem.state == READY, (WorkItem.state == CLAIMED) & (WorkItem.assignee_id == who.user_id)))
            .values(state=CLAIMED, assignee_id=who.user_id, claimed_at=now)
            .execution_options(synchronize_session=False))
        if changed_rows(result) != 1:
            raise _explain_conflict(session, item_id, who)
        add_event(session, item.case_id, "work_item_claimed", who.username, {"work_item": item_id, "title": item.title},
                  now)
        return {**item_view(item, case, who.username), "state": CLAIMED, "claimed_at": iso(now)}


def release(ctx: Context, item_id: int, who: Principal) -> dict[str, Any]:
    who.require("work.claim")
    with ctx.write() as session:
        item, case = _load(session, item_id)
        policy.require_read(who, item)
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
        if changed_rows(result) != 1:
            raise _explain_conflict(session, item_id, who)
        add_event(session, item.case_id, "work_item_released", who.username, {"work_item": item_id}, now)
        return {**item_view(item, case, None), "state": READY, "claimed_at": None}


def complete(ctx: Context, item_id: int, data: dict[str, Any], who: Principal, attempts: int = 3) -> dict[str, Any]:
    """Validate against the form, run the engine, record it; one winner when several try at once.

    A concurrent change to the *same instance* by another task (a parallel branch) is retried here, since
    it is not the caller's conflict; a second completion of the *same item* is a 409.
    """
    who.require("work.complete")
    if data.get("action") == "new_case":  # a document that starts a case: opened before the completion commits
        with ctx.read() as session:
            item, _case = _load(session, item_id)
        if item.kind != "task" and item.state in OPEN_STATES:
            policy.require_complete(who, item)
            data = builtin.prepare(ctx, item, data, who.username)
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
        policy.require_complete(who, item)
        check_four_eyes(session, item, who)
        loaded = load_instance(ctx, session, case) if item.kind == "task" and case is not None else None
        validate_form(_form(ctx, session, item, case, loaded), data)
        now = ctx.clock.now()
        result = session.execute(
            update(WorkItem).where(WorkItem.id == item_id, WorkItem.state.in_(OPEN_STATES))
            .values(state=COMPLETED, completed_at=now, completed_by_id=who.user_id, data=data,
                    assignee_id=who.user_id).execution_options(synchronize_session=False))
        if changed_rows(result) != 1:
            raise _explain_conflict(session, item_id, who)
        add_event(session, item.case_id, "work_item_completed", who.username,
                  {"work_item": item_id, "task": item.name, "title": item.title, "data": data}, now)
        if item.kind != "task":
            builtin.complete(ctx, session, item, data, who.username)
        else:
            task_id = item.task_id
            assert loaded is not None and task_id is not None  # a BPMN task item always names its task
            run_and_apply(ctx, session, loaded, who.username,
                          lambda parsed, state, ctx_case: ctx.runtime.complete_task(parsed, state, task_id, data,
                                                                                    ctx_case))
        view = {**item_view(item, case, who.username), "state": COMPLETED, "completed_at": iso(now)}
    if item.kind != "task":
        builtin.after_commit(ctx, item)  # e.g. carry on as capture would have: the process message
    return view
