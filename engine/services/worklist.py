"""What the back office and the designers look at: the worklist with its tabs, "get next", and process versions
in use with their diagram state (read models over the same tables the service verbs write; claims still go
through ``work.claim``, so the one-winner rule holds)."""
from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import case as sql_case, func, select, update
from sqlalchemy.orm import Session

from engine.bpmn.loader import ProcessDefinition
from engine.bpmn.validate import validate_paths
from engine import policy
from engine.context import Context
from engine.errors import Conflict, NotFound, PermissionDenied, StaleWorkItem, ValidationFailed
from engine.models import (Case, Event, ProcessInstance, ProcessVersion, SavedFilter, Team, User, WorkItem,
                           WorkItemState)
from engine.services import work, work_pages
from engine.services.cases import username
from engine.services.auth import Principal
from engine.services.instances import OPEN_STATES, add_event, load_case

VIEWS = ("mine", "queues", "unassigned", "overdue")
SORTS = ("due", "priority")
READY, CLAIMED = WorkItemState.READY.value, WorkItemState.CLAIMED.value
LEAD_QUEUE = "team_leads"  # a back-office user whose team works this queue is a team lead
NEXT_CANDIDATES = 25
MAX_QUEUES = 200


@dataclass(frozen=True)
class WorklistQuery:
    view: str = "queues"
    sort: str = "due"
    queue: str | None = None
    limit: int = 100
    after: str | None = None  # the cursor of the previous page (``next_cursor``)


def allowed_queues(who: Principal) -> tuple[str, ...] | None:
    """The queues a user works (None: every queue), as ``engine.policy`` rules for the API too."""
    return policy.allowed_queues(who)


def view_query(view: str, who: Principal, now: Any, *, queue: str | None = None, sort: str = "due",
               limit: int = 100, after: str | None = None) -> work_pages.ItemQuery:
    """A worklist tab as an index-shaped query: mine, my queues, unassigned, overdue, optionally one queue."""
    queues = allowed_queues(who)
    if queue:
        queues = (queue,) if queues is None or queue in queues else ()
    base = work_pages.ItemQuery(sort=sort, limit=limit, after=work_pages.cursor_arg(after, sort))
    if view == "mine":
        return replace(base, assignee_id=who.user_id, queues=(queue,) if queue else None)
    if view == "unassigned":
        return replace(base, queues=queues, unassigned=True)
    if view == "overdue":
        if queue and not queues:  # a queue outside mine: only my own items in it
            return replace(base, assignee_id=who.user_id, queues=(queue,), due_before=now)
        return replace(base, queues=queues, also_assignee=who.user_id if queues is not None else None,
                       due_before=now)
    return replace(base, queues=queues)


def worklist_page(ctx: Context, who: Principal, q: WorklistQuery) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a tab, sorted by due date (default) or priority, and the cursor of the next page."""
    who.require("work.read")
    query = view_query(q.view, who, ctx.clock.now(), queue=q.queue, sort=q.sort, limit=q.limit, after=q.after)
    with ctx.read() as session:
        rows, cursor = work_pages.page(session, query)
    for row in rows:
        row["reference"] = row["case_reference"]
    return rows, cursor


def worklist(ctx: Context, who: Principal, q: WorklistQuery) -> list[dict[str, Any]]:
    """One page of a tab (rows only)."""
    return worklist_page(ctx, who, q)[0]


def worklist_counts(ctx: Context, who: Principal) -> dict[str, int]:
    """How many open items each tab holds, each read from its index and capped (``work_pages.count_label``)."""
    who.require("work.read")
    now = ctx.clock.now()
    with ctx.read() as session:
        return work_pages.counts(session, {v: view_query(v, who, now) for v in VIEWS})


def my_queues(ctx: Context, who: Principal) -> list[str]:
    """The queues a user can filter on: their team's, or every queue that has open work."""
    if who.team_queues:
        return sorted(who.team_queues)
    with ctx.read() as session:
        return _open_queue_names(session)


def _open_queue_names(session: Session) -> list[str]:
    """Distinct queues with open work, one index probe per queue (a loose index scan), not a scan of all items."""
    names: list[str] = []
    probe = select(WorkItem.queue).where(work_pages.open_items()).order_by(WorkItem.queue).limit(1)
    while True:
        found = session.scalar(probe.where(WorkItem.queue > names[-1]) if names else probe)
        if found is None or len(names) >= MAX_QUEUES:
            return names
        names.append(found)


def get_next(ctx: Context, who: Principal) -> dict[str, Any] | None:
    """Claim the most urgent unclaimed item in the user's queues: overdue first, then higher priority, then the
    earliest due. Each candidate is claimed through ``work.claim`` (one winner); one lost to a colleague, or one
    the four-eyes rule keeps from this user, is skipped. None when nothing is left."""
    who.require("work.claim")
    now = ctx.clock.now()
    queues = allowed_queues(who)
    shared = work_pages.ItemQuery(queues=queues, unassigned=True, states=(READY,), sort="priority",
                                  limit=NEXT_CANDIDATES)
    with ctx.read() as session:
        candidates = [r["id"] for r in work_pages.page(session, replace(shared, due_before=now))[0]]
        if len(candidates) < NEXT_CANDIDATES:
            rest = replace(shared, not_due_before=now)
            candidates += [r["id"] for r in work_pages.page(session, rest)[0]]
    for item_id in candidates[:NEXT_CANDIDATES]:
        try:
            return work.claim(ctx, item_id, who)
        except (Conflict, PermissionDenied, NotFound):
            continue  # taken meanwhile, cancelled, or not this user's to take (four eyes): the next one
    return None


# -- team leads reassign work ---------------------------------------------------------------------------------
def is_lead(who: Principal) -> bool:
    """Admins, and back-office users whose team's queues include ``team_leads``."""
    return "admin" in who.roles or ("backoffice" in who.roles and LEAD_QUEUE in who.team_queues)


def can_reassign(who: Principal, queue: str) -> bool:
    """A lead may hand out work in their own team's queues (an admin in any queue)."""
    return "admin" in who.roles or (is_lead(who) and queue in who.team_queues)


def reassign_candidates(ctx: Context, queue: str) -> list[str]:
    """Active users who may claim work and whose team works the queue: who a lead can give an item to."""
    with ctx.read() as session:
        rows = session.execute(select(User.username, User.roles, Team.queues)
                               .join(Team, Team.id == User.team_id).where(User.active.is_(True)))
        return sorted(name for name, roles, queues in rows
                      if queue in (queues or []) and Principal(0, name, tuple(roles or ())).can("work.claim"))


def reassign(ctx: Context, item_id: int, who: Principal, to_username: str) -> dict[str, Any]:
    """A team lead gives a ready or claimed item to a member of a team that works its queue.

    Like ``work.claim`` it is one conditional update (the item must still be in the state and with the
    assignee it was read with), so a colleague's claim or completion in between wins and this answers 409;
    the four-eyes rule is checked against the new assignee."""
    with ctx.write() as session:
        item = session.get(WorkItem, item_id)
        if item is None:
            raise NotFound(f"no work item {item_id}")
        if not can_reassign(who, item.queue):
            raise PermissionDenied(f"only a team lead of queue '{item.queue}' can reassign '{item.title}'")
        if item.state not in (READY, CLAIMED):
            raise StaleWorkItem(f"work item {item_id} is already {item.state}", details={"state": item.state})
        target = session.scalar(select(User).where(User.username == to_username, User.active.is_(True)))
        team = session.get(Team, target.team_id) if target is not None and target.team_id else None
        assignee = Principal(target.id, target.username, tuple(target.roles or ()),
                             tuple(team.queues or ())) if target is not None and team is not None else None
        if assignee is None or not assignee.can("work.claim") or item.queue not in assignee.team_queues:
            raise ValidationFailed(f"'{to_username}' is not in a team that works queue '{item.queue}'",
                                   details={"assignee": "must be a member of a team working this queue"})
        work.check_four_eyes(session, item, assignee)
        previous = username(session, item.assignee_id)
        now = ctx.clock.now()
        holder = (WorkItem.assignee_id.is_(None) if item.assignee_id is None
                  else WorkItem.assignee_id == item.assignee_id)
        result = session.execute(
            update(WorkItem).where(WorkItem.id == item_id, WorkItem.state == item.state, holder)
            .values(state=CLAIMED, assignee_id=assignee.user_id, claimed_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"work item {item_id} changed meanwhile; reload and try again")
        add_event(session, item.case_id, "work_item_reassigned", who.username,
                  {"work_item": item_id, "title": item.title, "from": previous, "to": assignee.username}, now)
        case_reference = session.scalar(select(Case.reference).where(Case.id == item.case_id)) \
            if item.case_id else None
        return {"id": item_id, "title": item.title, "queue": item.queue, "state": CLAIMED, "from": previous,
                "assignee": assignee.username, "case_reference": case_reference}


# -- saved filters ------------------------------------------------------------------------------------------
MAX_SAVED_FILTERS = 20


def saved_filters(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    with ctx.read() as session:
        rows = session.scalars(select(SavedFilter).where(SavedFilter.user_id == who.user_id).order_by(SavedFilter.name))
        return [{"id": f.id, "name": f.name, "view": f.view, "sort": f.sort, "queue": f.queue} for f in rows]


def save_filter(ctx: Context, who: Principal, name: str, q: WorklistQuery) -> dict[str, Any]:
    """Save (or overwrite, by name) the user's current worklist view."""
    who.require("work.read")
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed("the filter needs a name", details={"name": "1 to 80 characters"})
    if q.view not in VIEWS or q.sort not in SORTS:
        raise ValidationFailed("not a worklist view", details={"view": f"one of {', '.join(VIEWS)}"})
    with ctx.write() as session:
        row = session.scalar(select(SavedFilter).where(SavedFilter.user_id == who.user_id, SavedFilter.name == name))
        if row is None:
            count = session.scalar(select(func.count(SavedFilter.id)).where(SavedFilter.user_id == who.user_id))
            if (count or 0) >= MAX_SAVED_FILTERS:
                raise ValidationFailed(f"you have {MAX_SAVED_FILTERS} saved filters; delete one first",
                                       details={"name": "too many saved filters"})
            row = SavedFilter(user_id=who.user_id, name=name, created_at=ctx.clock.now(), view=q.view, sort=q.sort)
            session.add(row)
        row.view, row.sort, row.queue = q.view, q.sort, q.queue
        session.flush()
        return {"id": row.id, "name": row.name, "view": row.view, "sort": row.sort, "queue": row.queue}


def delete_filter(ctx: Context, who: Principal, filter_id: int) -> None:
    with ctx.write() as session:
        row = session.get(SavedFilter, filter_id)
        if row is None or row.user_id != who.user_id:
            raise NotFound(f"you have no saved filter {filter_id}")
        session.delete(row)


# -- process versions and diagrams ---------------------------------------------------------------------------
def process_versions(ctx: Context) -> list[dict[str, Any]]:
    """Every stored version of every process, newest first per process, with how many instances run on it."""
    current = {ctx.processes.version_id(d) for d in ctx.processes.definitions()}
    running = func.sum(sql_case((ProcessInstance.completed.is_(False), 1), else_=0))
    query = (select(ProcessVersion.id, ProcessVersion.process_key, ProcessVersion.name, ProcessVersion.version,
                    ProcessVersion.created_at, func.count(ProcessInstance.id).label("total"),
                    func.coalesce(running, 0).label("running"))
             .outerjoin(ProcessInstance, ProcessInstance.process_version_id == ProcessVersion.id)
             .group_by(ProcessVersion.id).order_by(ProcessVersion.process_key, ProcessVersion.id.desc()))
    with ctx.read() as session:
        rows = [dict(r._mapping) for r in session.execute(query)]
    for row in rows:
        row["current"] = row["id"] in current
        row["total"], row["running"] = int(row["total"]), int(row["running"])
    return rows


def version_definition(ctx: Context, version_id: int) -> ProcessDefinition:
    with ctx.read() as session:
        return ctx.processes.by_version_id(session, version_id)


def diagram_xml(definition: ProcessDefinition) -> bytes:
    """The .bpmn file that defines the process (the first one when none names it)."""
    files = definition.bpmn_files()
    if not files:
        raise NotFound(f"process '{definition.key}' has no .bpmn file")
    marker = f'id="{definition.process_id}"'.encode()
    return next((raw for raw in files.values() if marker in raw), next(iter(files.values())))


def running_cases(ctx: Context, version_id: int, limit: int = 20) -> list[dict[str, Any]]:
    query = (select(Case.reference, Case.status, Case.status_text, Case.stage, Case.updated_at)
             .join(ProcessInstance, ProcessInstance.case_id == Case.id)
             .where(ProcessInstance.process_version_id == version_id, ProcessInstance.completed.is_(False))
             .order_by(Case.id.desc()).limit(limit))
    with ctx.read() as session:
        return [dict(r._mapping) for r in session.execute(query)]


_PROBLEMS: dict[tuple[str, tuple[str, ...] | None], list[dict[str, Any]]] = {}
_PROBLEMS_LOCK = threading.Lock()


def validation_problems(definition: ProcessDefinition, services: Any = None) -> list[dict[str, Any]]:
    """``caseworks processes validate`` on the stored files of a version. Cached by what the answer depends on:
    the version (content-hashed: it never changes) and the service operations registered in the caller's
    context (a service task naming an unregistered operation is a problem in one context and not in another)."""
    key = (definition.version, tuple(services.names()) if services is not None else None)
    cached = _PROBLEMS.get(key)
    if cached is not None:
        return cached
    with tempfile.TemporaryDirectory(prefix="caseworks-validate-") as tmp:
        folder = Path(tmp) / definition.key
        for name, raw in definition.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
        problems = [{"file": Path(p.file).relative_to(folder).as_posix() if p.file.startswith(str(folder))
                     else Path(p.file).name, "line": p.line, "message": p.message}
                    for p in validate_paths([folder], services)]
    with _PROBLEMS_LOCK:
        _PROBLEMS[key] = problems
    return problems


def case_diagram(ctx: Context, reference: str) -> dict[str, Any]:
    """Which version a case runs on and its diagram state: element ids done, current (open user tasks) and
    waiting (catch events and receive tasks for an awaited message)."""
    with ctx.read() as session:
        case = load_case(session, reference)
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.case_id == case.id))
        if instance is None:
            raise NotFound(f"case '{reference}' has no process instance")
        definition = ctx.processes.by_version_id(session, instance.process_version_id)
        done = _done_elements(session, case.id)
        current = sorted(set(session.scalars(select(WorkItem.name).where(
            WorkItem.case_id == case.id, WorkItem.state.in_(OPEN_STATES), WorkItem.kind == "task"))))
        waiting = list(instance.waiting_messages or [])
        version_id, completed = instance.process_version_id, instance.completed
    return {"version_id": version_id, "process_key": definition.key, "completed": completed,
            "done": sorted(done - set(current)), "current": current,
            "waiting": _message_catchers(diagram_xml(definition), waiting)}


def _done_elements(session: Session, case_id: int) -> set[str]:
    rows = session.execute(select(Event.kind, Event.payload).where(
        Event.case_id == case_id, Event.kind.in_(("step_completed", "work_item_completed"))))
    return {str(payload.get("task")) for _kind, payload in rows if payload and payload.get("task")}


BPMN_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def _message_catchers(xml: bytes, names: list[str]) -> list[str]:
    """Ids of the receive tasks and message catch events that wait for one of the named messages."""
    if not names:
        return []
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []
    ids = {m.get("id") for m in root.xpath("//bpmn:message", namespaces=BPMN_NS) if m.get("name") in names}
    found = [e.get("id") for e in root.xpath("//bpmn:receiveTask", namespaces=BPMN_NS) if e.get("messageRef") in ids]
    found += [d.getparent().get("id") for d in root.xpath("//bpmn:messageEventDefinition", namespaces=BPMN_NS)
              if d.get("messageRef") in ids and etree.QName(d.getparent()).localname != "endEvent"
              and etree.QName(d.getparent()).localname != "intermediateThrowEvent"]
    return sorted(set(found))


__all__ = ["VIEWS", "SORTS", "WorklistQuery", "worklist", "worklist_page", "worklist_counts", "view_query",
           "allowed_queues", "my_queues", "get_next",
           "LEAD_QUEUE", "is_lead", "can_reassign", "reassign_candidates", "reassign",
           "saved_filters", "save_filter", "delete_filter",
           "process_versions", "version_definition", "diagram_xml", "running_cases", "validation_problems",
           "case_diagram"]
