"""After capture: link a document to its case, tick the checklist, flag contradictions, or ask a person.

Caseworks never acts on a weak guess: an inbox document is linked only by a case reference found in it or
by strong identifiers (an e-mail address of a customer, or a policy/account number together with the
customer's name) that point at exactly one case; otherwise a person routes it ("Route inbound document":
link it to a case, open a new case from it, or discard it with a reason). A document classified without
confidence is not counted until a person says what it is ("Classify document").

Everything here runs inside the transaction that stores the capture result (``settle``), so a crash leaves
either nothing or all of it; every step is idempotent, so running it again after a crash changes nothing
twice. The one step after the commit is the process message (``deliver``): the capture job runs it again
when it is retried, and it is sent only while the process still waits for it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from capture import DOCUMENT_TYPES
from engine import search
from engine.context import Context
from engine.errors import CaseworksError
from engine.models import Case, CaseStatus, Document, DocumentStatus, PartyIdentifier, ProcessInstance, WorkItem
from engine.models import WorkItemState
from engine.services import cases, flags
from engine.services.checklist import checklist_of
from engine.services.instances import OPEN_STATES, add_event
from engine.services.parties import normalize, policy_key, same_name

REFERENCE = re.compile(r"\b[A-Z]{3}-\d{4}-\d{6}\b")
INTAKE_QUEUE = "document_intake"
ROUTE, CLASSIFY, REVIEW = "route_document", "classify_document", "review_flag"
MESSAGE = "documents_received"
ROUTE_ACTIONS = ("link", "new_case", "discard")
FORMS: dict[str, dict[str, Any]] = {
    ROUTE: {"type": "object", "required": [], "title": "Route inbound document",
            "description": "Nobody could tell which case this document belongs to. Link it to a case, open a new "
                           "case from it, or discard it with a reason.",
            "properties": {
                "action": {"type": "string", "title": "What to do", "enum": list(ROUTE_ACTIONS),
                           "description": "link (the default when a case reference is given), new_case or discard"},
                "case_reference": {"type": "string", "title": "Case reference", "pattern": r"^[A-Z]{3}-\d{4}-\d{6}$",
                                   "description": "To link: the case's reference, e.g. CLM-2026-000123"},
                "case_type": {"type": "string", "title": "Type of the new case",
                              "description": "To open a new case: claim, loan or onboarding"},
                "customer_name": {"type": "string", "title": "Customer's name", "maxLength": 200},
                "customer_email": {"type": "string", "title": "Customer's e-mail", "maxLength": 320},
                "reason": {"type": "string", "title": "Reason", "maxLength": 1000,
                           "description": "Why the document is discarded"}}},
    CLASSIFY: {"type": "object", "required": ["doc_type"], "title": "Classify document",
               "description": "What kind of document is this?",
               "properties": {"doc_type": {"type": "string", "title": "Document type", "enum": list(DOCUMENT_TYPES)}}},
    REVIEW: {"type": "object", "required": ["decision", "reason"], "title": "Review flagged document",
             "description": "A document contradicts the case. Automatic decisions wait until you clear the flag (a "
                          "false alarm) or confirm it (the contradiction is real: the case goes on with it noted).",
             "properties": {"decision": {"type": "string", "title": "Decision", "enum": ["clear", "confirm"]},
                            "reason": {"type": "string", "title": "Reason", "minLength": 3, "maxLength": 1000}}},
}
TITLES = {ROUTE: "Route inbound document", CLASSIFY: "Classify document", REVIEW: "Review flagged document"}


@dataclass(frozen=True)
class Pending:
    """The process message a case should get once the transaction that made it due has committed."""

    reference: str
    received: list[str]
    confirmed: list[dict[str, Any]]


def after_capture(ctx: Context, document_id: int) -> None:
    """Link and act on an indexed document in one transaction, then send the process message."""
    with ctx.write() as session:
        doc = session.get_one(Document, document_id)
        pending = settle(ctx, session, doc) if doc.status == DocumentStatus.INDEXED.value else None
    deliver(ctx, pending)


def settle(ctx: Context, session: Session, doc: Document) -> Pending | None:
    """Everything that follows from a captured document, in the caller's transaction (idempotent)."""
    if doc.case_id is None and not _link(ctx, session, doc):
        return None
    if not doc.confident:
        open_item(ctx, session, doc, CLASSIFY)
        return None
    return settle_case(ctx, session, session.get_one(Case, doc.case_id))


def settle_case(ctx: Context, session: Session, case: Case) -> Pending | None:
    """Re-check the case's flags and checklist; the message is due when the checklist is complete, no flag is
    open and the process waits for it."""
    docs = list(session.scalars(select(Document).where(
        Document.case_id == case.id, Document.status == DocumentStatus.INDEXED.value,
        Document.confident.is_(True)).order_by(Document.id)))
    now = ctx.clock.now()
    for doc, flag, change in flags.evaluate(case, docs):
        add_event(session, case.id, "data_mismatch" if change == "raised" else "flag_resolved", "capture",
                  {**flag, "document_id": doc.id}, now)
        if change == "resolved":
            _cancel_review(session, doc.id, flag["kind"])
    for doc in docs:
        for flag in doc.flags or []:
            if flag.get("status", flags.OPEN) == flags.OPEN:
                open_item(ctx, session, doc, REVIEW, flag)
    state = checklist_of(case.data or {}, [(d.sha256, d.doc_type or "") for d in docs])
    waiting = session.scalar(select(ProcessInstance.waiting_messages).where(ProcessInstance.case_id == case.id))
    if not state["complete"] or MESSAGE not in (waiting or []) or flags.open_flags(docs):
        return None
    return Pending(case.reference, state["received"], flags.confirmed_flags(docs))


def deliver(ctx: Context, pending: Pending | None) -> None:
    if pending is None:
        return
    payload: dict[str, Any] = {"documents": pending.received}
    if pending.confirmed:
        payload["flags"] = pending.confirmed
    try:
        cases.send_message(ctx, pending.reference, MESSAGE, payload, "capture")
    except CaseworksError:
        pass  # someone delivered it first (e.g. by hand): the case moved on, nothing is lost


def _link(ctx: Context, session: Session, doc: Document) -> bool:
    case = _match_case(session, doc)
    if case is None:
        open_item(ctx, session, doc, ROUTE)
        return False
    attach(ctx, session, doc, case, "capture")
    return True


def attach(ctx: Context, session: Session, doc: Document, case: Case, actor: str) -> None:
    doc.case_id = case.id
    taken = session.scalar(select(Document.id).where(Document.dedupe_key == f"{case.id}:{doc.sha256}",
                                                     Document.id != doc.id))
    doc.dedupe_key = None if taken is not None else f"{case.id}:{doc.sha256}"  # a copy already there: counts once
    session.execute(update(WorkItem).where(WorkItem.document_id == doc.id).values(case_id=case.id)
                    .execution_options(synchronize_session=False))
    search.index(session, "document", str(doc.id), case.id, f"{doc.filename} {doc.doc_type}", doc.text or "")
    add_event(session, case.id, "document_linked", actor, {"document_id": doc.id, "filename": doc.filename,
                                                          "doc_type": doc.doc_type, "channel": doc.channel},
              ctx.clock.now())


def _match_case(session: Session, doc: Document) -> Case | None:
    """Exactly one case named by reference, else exactly one open case of a strongly identified customer."""
    refs = {f["value"] for f in doc.fields if f["name"] == "case_reference"} | set(REFERENCE.findall(doc.text or ""))
    found = list(session.scalars(select(Case).where(Case.reference.in_(refs)))) if refs else []
    if len(found) == 1:
        return found[0]
    if found:
        return None  # names two cases: a person decides
    parties = _identified_parties(session, doc)
    if len(parties) != 1:
        return None
    open_cases = list(session.scalars(select(Case).where(Case.party_id == parties.pop(),
                                                         Case.status != CaseStatus.CLOSED.value)))
    return open_cases[0] if len(open_cases) == 1 else None


def _identified_parties(session: Session, doc: Document) -> set[int]:
    emails = [e for e in (normalize("email", f["value"]) for f in doc.fields if f["name"] == "email") if e]
    parties = set(session.scalars(select(PartyIdentifier.party_id).where(
        PartyIdentifier.kind == "email", PartyIdentifier.value.in_(emails)))) if emails else set()
    name = flags.field_value(doc, "holder_name", "name")
    for kind in ("policy_number", "account_number"):
        number = flags.field_value(doc, kind)
        if number and name:
            key = policy_key({kind: number}) if kind == "policy_number" else None
            for case in session.scalars(select(Case).where(
                    Case.policy_number == key if key else Case.data[kind].as_string() == number)):
                if same_name(case.party.name, name):
                    parties.add(case.party_id)
    return parties


def open_item(ctx: Context, session: Session, doc: Document, kind: str, flag: dict[str, Any] | None = None) -> None:
    """One open item per document and purpose (a flag review per flag kind): running again adds nothing."""
    name = f"{REVIEW}:{flag['kind']}" if flag else kind
    exists = session.scalar(select(WorkItem.id).where(WorkItem.document_id == doc.id, WorkItem.kind == kind,
                                                      WorkItem.name == name, WorkItem.state.in_(OPEN_STATES)))
    if exists is not None:
        return
    now = ctx.clock.now()
    session.add(WorkItem(kind=kind, case_id=doc.case_id, document_id=doc.id, name=name, title=TITLES[kind],
                         queue=INTAKE_QUEUE, state="ready", priority=0, due_at=now + timedelta(days=1),
                         created_at=now, data={"flag": flag} if flag else None))
    add_event(session, doc.case_id, "document_needs_attention", "capture",
              {"document_id": doc.id, "task": TITLES[kind], "doc_type": doc.doc_type, "confidence": doc.confidence,
               **({"flag": flag["message"]} if flag else {})}, now)


def _cancel_review(session: Session, document_id: int, kind: str) -> None:
    session.execute(update(WorkItem).where(WorkItem.document_id == document_id, WorkItem.kind == REVIEW,
                                           WorkItem.name == f"{REVIEW}:{kind}", WorkItem.state.in_(OPEN_STATES))
                    .values(state=WorkItemState.CANCELLED.value).execution_options(synchronize_session=False))


def checklist(session: Session, case: Case) -> dict[str, Any]:
    captured = session.execute(select(Document.sha256, Document.doc_type).where(
        Document.case_id == case.id, Document.status == DocumentStatus.INDEXED.value, Document.confident.is_(True)))
    return checklist_of(case.data, [(sha, t or "") for sha, t in captured])


__all__ = ["after_capture", "settle", "settle_case", "deliver", "checklist", "attach", "open_item", "FORMS"]
