"""The front-office desk's look-ups: find a customer from one search box, read all their cases with what each
waits for, and one timeline across their cases (the calls and notes the desk logs are on it too).

Logging a call is ``cases.log_interaction``; the one thing written here is an internal note on a case (an event
of kind ``note`` with its author, on the timeline, never shown to the customer)."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import case as sql_case, func, select

from engine.context import Context
from engine.errors import NotFound
from engine.models import Case, CaseStatus, Event, Party, PartyIdentifier, ProcessInstance, WorkItem
from engine import search
from engine.services.auth import Principal
from engine.errors import ValidationFailed
from engine.services.instances import OPEN_STATES, add_event, load_case
from engine.services.parties import IDENTIFIER_KINDS, display_phone, identifier_match, normalize, policy_key

REFERENCE = re.compile(r"^[A-Za-z]{3}-\d{4}-\d{6}$")
POLICY = re.compile(r"^[A-Za-z]{2,4}[\s\-./]?\d[\d\s\-./]{3,14}\d$")  # POL-4711037, pol 4471 2298
PHONE = re.compile(r"^[+\d\s\-().\/]{6,}$")


def identifier_candidates(query: str, region: str = "") -> list[tuple[str, str]]:
    """(kind, normalized value) pairs the query could be: an e-mail, a phone number in any common format
    (national or international, normalised to E.164 as stored), or a policy, account, national or external id."""
    q = query.strip()
    if not q:
        return []
    if "@" in q:
        email = normalize("email", q)
        return [("email", email)] if email else []
    found: list[tuple[str, str]] = []
    if PHONE.match(q) and sum(c.isdigit() for c in q) >= 6:
        phone = normalize("phone", q, region) or normalize("phone", "+" + q.lstrip("+"), region)
        if phone:
            found.append(("phone", phone))
    for kind in IDENTIFIER_KINDS:
        value = normalize(kind, q, region) if kind not in ("email", "phone") else None
        if value:
            found.append((kind, value))
    return list(dict.fromkeys(found))


def find_customers(ctx: Context, who: Principal, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Customers matching one search box, best first: a case reference or an identifier (exact; when one
    matches, that is the answer), then customers whose name (or case reference) holds every word, newest
    first, then full-text hits anywhere in their cases, interactions and documents.

    Each tier is an index look-up bounded by the page: a surname that 17,000 customers share fills the page
    from the name tier without ranking them all."""
    who.require("case.read")
    query = query.strip()
    if not query:
        return []
    matched: dict[int, str] = {}
    with ctx.read() as session:
        if REFERENCE.match(query):
            for pid in session.scalars(select(Case.party_id).where(Case.reference == query.upper())):
                matched.setdefault(pid, "case reference")
        candidates = identifier_candidates(query, ctx.settings.default_phone_region)
        if candidates:
            rows = session.execute(select(PartyIdentifier.party_id, PartyIdentifier.kind).where(
                identifier_match(candidates)))
            for pid, kind in rows:
                matched.setdefault(pid, kind.replace("_", " "))
        number = policy_key({"policy_number": query}) if POLICY.match(query) and not matched else None
        if number:  # a policy number on a case (its data, indexed in cases.policy_number)
            for pid in session.scalars(select(Case.party_id).where(Case.policy_number == number).limit(limit)):
                matched.setdefault(pid, "policy number")
        if not matched:
            _add_hits(session, matched, search.search(session, query, limit * 2, titles_only=True), "name", limit)
            if len(matched) < limit:
                _add_hits(session, matched, search.search(session, query, limit * 2), "search", limit)
        return _customer_rows(session, dict(list(matched.items())[:limit]))


def _add_hits(session: Any, matched: dict[int, str], hits: list[search.Hit], why: str, limit: int) -> None:
    """The customers of the hits' cases, in hit order."""
    case_ids = [h.case_id for h in hits if h.case_id is not None]
    if not case_ids:
        return
    parties = dict(session.execute(select(Case.id, Case.party_id).where(Case.id.in_(case_ids))).all())
    for case_id in case_ids:
        if case_id in parties and len(matched) < limit:
            matched.setdefault(parties[case_id], why)


def _customer_rows(session: Any, matched: dict[int, str]) -> list[dict[str, Any]]:
    if not matched:
        return []
    open_cases = func.sum(sql_case((Case.status != CaseStatus.CLOSED.value, 1), else_=0))
    rows = session.execute(select(Party.id, Party.name, Party.email, Party.phone, func.count(Case.id).label("cases"),
                                  func.coalesce(open_cases, 0).label("open_cases"))
                           .outerjoin(Case, Case.party_id == Party.id).where(Party.id.in_(matched))
                           .group_by(Party.id))
    by_id = {r.id: {**r._mapping, "phone": display_phone(r.phone), "matched_by": matched[r.id]} for r in rows}
    return [by_id[pid] for pid in matched if pid in by_id]


def customer(ctx: Context, who: Principal, party_id: int, limit: int = 100) -> dict[str, Any]:
    """A customer with every case (newest first): status, the plain-language status text, and what each case
    waits for and from whom (our open tasks, or a message from the customer or a third party)."""
    who.require("case.read")
    with ctx.read() as session:
        party = session.get(Party, party_id) if 0 < party_id < 2**63 else None
        if party is None:
            raise NotFound(f"no customer {party_id}")
        identifiers = [(i.kind, i.value) for i in party.identifiers]
        rows = session.execute(select(Case, ProcessInstance.waiting_messages)
                               .outerjoin(ProcessInstance, ProcessInstance.case_id == Case.id)
                               .where(Case.party_id == party_id).order_by(Case.id.desc()).limit(limit)).all()
        tasks = _open_tasks(session, [c.id for c, _ in rows])
        case_rows = [_case_row(c, waiting, tasks.get(c.id, [])) for c, waiting in rows]
        merged_from = [{"id": pid, "name": name} for pid, name in session.execute(
            select(Party.id, Party.name).where(Party.merged_into_id == party_id).order_by(Party.id))]
        return {"id": party.id, "name": party.name, "email": party.email, "phone": display_phone(party.phone),
                "identifiers": identifiers, "cases": case_rows, "merged_into": party.merged_into_id,
                "merged_from": merged_from}


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
