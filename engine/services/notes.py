"""The front-office desk's look-ups: find a customer from one search box, read all their cases with what each
waits for, and one timeline across their cases (the calls and notes the desk logs are on it too).

Logging a call is ``cases.log_interaction``; the one thing written here is an internal note on a case (an event
of kind ``note`` with its author, on the timeline, never shown to the customer)."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import case as sql_case, func, select, tuple_

from engine.context import Context
from engine.errors import NotFound
from engine.models import Case, CaseStatus, Event, Party, PartyIdentifier, ProcessInstance, WorkItem
from engine.services import cases
from engine.services.auth import Principal
from engine.errors import ValidationFailed
from engine.services.instances import OPEN_STATES, add_event, load_case
from engine.services.parties import IDENTIFIER_KINDS, normalize

REFERENCE = re.compile(r"^[A-Za-z]{3}-\d{4}-\d{6}$")
PHONE = re.compile(r"^\+?[\d\s\-().\/]{6,}$")


def identifier_candidates(query: str) -> list[tuple[str, str]]:
    """(kind, normalized value) pairs the query could be: an e-mail, a phone number (with or without the
    leading +), or a policy, account, national or external id."""
    q = query.strip()
    if not q:
        return []
    if "@" in q:
        return [("email", normalize("email", q))]
    found: list[tuple[str, str]] = []
    if PHONE.match(q) and sum(c.isdigit() for c in q) >= 6:
        phone = normalize("phone", q)
        found += [("phone", phone), ("phone", phone.lstrip("+")), ("phone", "+" + phone.lstrip("+"))]
    found += [(kind, normalize(kind, q)) for kind in IDENTIFIER_KINDS if kind not in ("email", "phone")]
    return list(dict.fromkeys(found))


def find_customers(ctx: Context, who: Principal, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Customers matching one search box: a case reference, an identifier (exact), then full-text hits over
    names, case data (policy numbers), interactions and documents. Exact matches come first."""
    who.require("case.read")
    query = query.strip()
    if not query:
        return []
    matched: dict[int, str] = {}
    with ctx.read() as session:
        if REFERENCE.match(query):
            for pid in session.scalars(select(Case.party_id).where(Case.reference == query.upper())):
                matched.setdefault(pid, "case reference")
        candidates = identifier_candidates(query)
        if candidates:
            rows = session.execute(select(PartyIdentifier.party_id, PartyIdentifier.kind).where(
                tuple_(PartyIdentifier.kind, PartyIdentifier.value).in_(candidates)))
            for pid, kind in rows:
                matched.setdefault(pid, kind.replace("_", " "))
    refs = [h["case_reference"] for h in cases.search_all(ctx, query, limit=limit * 2) if h["case_reference"]]
    with ctx.read() as session:
        if refs:
            for _ref, pid in session.execute(select(Case.reference, Case.party_id).where(Case.reference.in_(refs))):
                matched.setdefault(pid, "search")
        return _customer_rows(session, dict(list(matched.items())[:limit]))


def _customer_rows(session: Any, matched: dict[int, str]) -> list[dict[str, Any]]:
    if not matched:
        return []
    open_cases = func.sum(sql_case((Case.status != CaseStatus.CLOSED.value, 1), else_=0))
    rows = session.execute(select(Party.id, Party.name, Party.email, Party.phone, func.count(Case.id).label("cases"),
                                  func.coalesce(open_cases, 0).label("open_cases"))
                           .outerjoin(Case, Case.party_id == Party.id).where(Party.id.in_(matched))
                           .group_by(Party.id))
    by_id = {r.id: {**r._mapping, "matched_by": matched[r.id]} for r in rows}
    return [by_id[pid] for pid in matched if pid in by_id]


def customer(ctx: Context, who: Principal, party_id: int, limit: int = 100) -> dict[str, Any]:
    """A customer with every case (newest first): status, the plain-language status text, and what each case
    waits for and from whom (our open tasks, or a message from the customer or a third party)."""
    who.require("case.read")
    with ctx.read() as session:
        party = session.get(Party, party_id)
        if party is None:
            raise NotFound(f"no customer {party_id}")
        identifiers = [(i.kind, i.value) for i in party.identifiers]
        rows = session.execute(select(Case, ProcessInstance.waiting_messages)
                               .outerjoin(ProcessInstance, ProcessInstance.case_id == Case.id)
                               .where(Case.party_id == party_id).order_by(Case.id.desc()).limit(limit)).all()
        tasks = _open_tasks(session, [c.id for c, _ in rows])
        case_rows = [_case_row(c, waiting, tasks.get(c.id, [])) for c, waiting in rows]
        return {"id": party.id, "name": party.name, "email": party.email, "phone": party.phone,
                "identifiers": identifiers, "cases": case_rows}


def _open_tasks(session: Any, case_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    if not case_ids:
        return found
    rows = session.execute(select(WorkItem.case_id, WorkItem.title, WorkItem.queue, WorkItem.due_at)
                           .where(WorkItem.case_id.in_(case_ids), WorkItem.state.in_(OPEN_STATES))
                           .order_by(WorkItem.id))
    for case_id, title, queue, due_at in rows:
        found.setdefault(case_id, []).append({"title": title, "queue": queue, "due_at": due_at})
    return found


def _case_row(case: Case, waiting: list[Any] | None, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"reference": case.reference, "case_type": case.case_type, "status": case.status,
            "status_text": case.status_text, "stage": case.stage, "outcome": case.outcome,
            "sla_due_at": case.sla_due_at, "created_at": case.created_at, "updated_at": case.updated_at,
            "channel": case.channel, "waiting_for": list(waiting or []), "open_tasks": tasks}


def customer_timeline(ctx: Context, who: Principal, party_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first, across all the customer's cases, each entry with its case reference."""
    who.require("case.read")
    with ctx.read() as session:
        rows = session.execute(select(Event, Case.reference).join(Case, Case.id == Event.case_id)
                               .where(Case.party_id == party_id).order_by(Event.id.desc()).limit(limit)).all()
    return [{**timeline_entry(e), "case_reference": ref} for e, ref in rows]


MAX_NOTE = 4000


def add_note(ctx: Context, who: Principal, reference: str, text: str) -> dict[str, Any]:
    """An internal note on the case by the signed-in user (anyone who may log interactions)."""
    who.require("interaction.log")
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise ValidationFailed("a note needs some text", details={"text": f"1 to {MAX_NOTE} characters"})
    with ctx.write() as session:
        case = load_case(session, reference)
        now = ctx.clock.now()
        add_event(session, case.id, "note", who.username, {"text": text, "author": who.username}, now)
    return {"reference": reference, "text": text, "author": who.username, "at": now}


def timeline_entry(event: Event) -> dict[str, Any]:
    """The same shape as ``cases.timeline`` entries."""
    payload = event.payload or {}
    entry = {"type": "event", "id": event.id, "kind": event.kind, "actor": event.actor, "at": event.created_at,
             "payload": payload}
    if event.kind == "interaction":
        entry.update(type="interaction", channel=payload.get("channel"), direction=payload.get("direction"),
                     summary=payload.get("summary"))
    return entry


__all__ = ["find_customers", "customer", "customer_timeline", "identifier_candidates", "add_note"]
