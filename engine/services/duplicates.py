"""Possible duplicate customers: a person merges two customers or keeps them apart; a merge can be undone.

Identity resolution (``engine.services.parties``) never merges on its own: when a request conflicts with the
customer its identifiers point at, it gets a new customer and this module opens a "Possible duplicate
customer" work item on the new case. A merge moves the cases, identifiers and interactions of one customer to
the other and records exactly what moved in a ``customers_merged`` event on the timelines of both customers'
cases; undoing it moves back exactly that and records ``customers_unmerged`` the same way.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.context import Context
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import Case, Event, Interaction, Party, PartyIdentifier, WorkItem
from engine.services.auth import Principal
from engine.services.instances import add_events
from engine.services.parties import Resolution, display_phone

KIND = "duplicate_party"
QUEUE = "customer_records"
TITLE = "Possible duplicate customer"
FORM: dict[str, Any] = {
    "type": "object", "required": ["decision", "reason"], "title": TITLE,
    "properties": {"decision": {"type": "string", "title": "Decision", "enum": ["merge", "keep_apart"]},
                   "reason": {"type": "string", "title": "Reason", "minLength": 3, "maxLength": 1000}}}


def open_item(session: Session, case_id: int | None, resolution: Resolution, now: Any) -> None:
    """On the new case: compare the new customer with each suspect (the form says who and why)."""
    session.add(WorkItem(kind=KIND, case_id=case_id, name=KIND, title=TITLE, queue=QUEUE, state="ready",
                         priority=1, due_at=now + timedelta(days=1), created_at=now,
                         data={"party_id": resolution.party.id, "suspects": list(resolution.suspects),
                               "reasons": list(resolution.reasons)}))
    add_events(session, [dict(case_id=case_id, kind="possible_duplicate_customer", actor="system", created_at=now,
                              payload={"party_id": resolution.party.id, "suspects": list(resolution.suspects),
                                       "reasons": list(resolution.reasons)})])


def _describe(party: Party) -> str:
    return ", ".join(x for x in (party.name, party.email, display_phone(party.phone)) if x) + f" (customer {party.id})"


def form(session: Session, item: WorkItem) -> dict[str, Any]:
    """The form with the two customers side by side in its description (the evidence a person decides on)."""
    data = item.data or {}
    new = session.get(Party, data.get("party_id") or 0)
    suspect = session.get(Party, (data.get("suspects") or [0])[0])
    if new is None or suspect is None:
        return FORM
    why = "; ".join(data.get("reasons") or [])
    return {**FORM, "description": f"Is {_describe(new)} the same person as {_describe(suspect)}? "
                                   f"They were kept apart because: {why}. Merging moves the new customer's cases "
                                   f"to the existing one; it can be undone."}


def complete(session: Session, item: WorkItem, data: dict[str, Any], actor: str, now: Any) -> None:
    info = item.data or {}
    source, target = info.get("party_id"), (info.get("suspects") or [None])[0]
    if data["decision"] == "keep_apart" or source is None or target is None:
        _events(session, [source, target], "customers_kept_apart", actor, now,
                {"party_id": source, "other_party_id": target, "reason": data["reason"]})
        return
    merge(session, source, target, actor, data["reason"], now)


def merge(session: Session, source: int, target: int, actor: str, reason: str, now: Any) -> dict[str, Any]:
    """Move everything of ``source`` to ``target``; the event records what moved, so it can be undone."""
    party = session.get(Party, source)
    into = session.get(Party, target)
    if party is None or into is None or source == target:
        raise NotFound("no such pair of customers to merge")
    if party.merged_into_id is not None or into.merged_into_id is not None:
        raise Conflict("one of these customers was already merged into another")
    moved = {"cases": list(session.scalars(select(Case.id).where(Case.party_id == source))),
             "identifiers": list(session.scalars(select(PartyIdentifier.id).where(PartyIdentifier.party_id == source))),
             "interactions": list(session.scalars(select(Interaction.id).where(Interaction.party_id == source)))}
    _move(session, moved, target)
    party.merged_into_id = target
    record = {"from": source, "into": target, "from_name": party.name, "into_name": into.name, "moved": moved,
              "reason": reason}
    _events(session, [source, target], "customers_merged", actor, now, record, extra_cases=moved["cases"])
    return record


def _move(session: Session, moved: dict[str, list[int]], to: int) -> None:
    for model, ids in ((Case, moved["cases"]), (PartyIdentifier, moved["identifiers"]),
                       (Interaction, moved["interactions"])):
        if ids:
            session.execute(update(model).where(model.id.in_(ids)).values(party_id=to)
                            .execution_options(synchronize_session=False))


def _events(session: Session, parties: list[Any], kind: str, actor: str, now: Any, payload: dict[str, Any],
            extra_cases: list[int] | None = None) -> None:
    """One event on every case of both customers: each one's timeline shows it."""
    ids = {p for p in parties if p is not None}
    case_ids = set(session.scalars(select(Case.id).where(Case.party_id.in_(ids)))) | set(extra_cases or [])
    add_events(session, [dict(case_id=c, kind=kind, actor=actor, payload=payload, created_at=now)
                         for c in sorted(case_ids)])


def undo_merge(ctx: Context, who: Principal, party_id: int, reason: str) -> dict[str, Any]:
    """Split a merged customer off again: exactly what the merge moved goes back."""
    who.require("work.complete")
    if len((reason or "").strip()) < 3:
        raise ValidationFailed("say why the merge is undone", details={"reason": "at least 3 characters"})
    with ctx.write() as session:
        party = session.get(Party, party_id) if 0 < party_id < 2**63 else None
        if party is None or party.merged_into_id is None:
            raise NotFound(f"customer {party_id} is not merged into another")
        record = session.scalar(select(Event.payload).where(
            Event.kind == "customers_merged", Event.payload["from"].as_integer() == party_id)
            .order_by(Event.id.desc()).limit(1))
        if record is None:
            raise NotFound(f"no merge of customer {party_id} is recorded")
        target, now = party.merged_into_id, ctx.clock.now()
        _move(session, record["moved"], party_id)
        party.merged_into_id = None
        payload = {"from": party_id, "into": target, "moved": record["moved"], "reason": reason.strip()}
        _events(session, [party_id, target], "customers_unmerged", who.username, now, payload)
        return payload
