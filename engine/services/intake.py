"""After capture: link a document to its case, tick the checklist, flag contradictions, or ask a person.

Caseworks never acts on a weak guess: an inbox document is linked only by a case reference found in it or
by strong identifiers (an e-mail address of a customer, or a policy/account number together with the
customer's name) that point at exactly one case; otherwise a person routes it ("Route inbound document").
A document classified without confidence is not counted until a person says what it is ("Classify
document"). When the case's required documents are all there, its process receives ``documents_received``.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from capture import DOCUMENT_TYPES
from engine import search
from engine.context import Context
from engine.errors import CaseworksError, ValidationFailed
from engine.models import Case, CaseStatus, Document, DocumentStatus, PartyIdentifier, ProcessInstance, WorkItem
from engine.services import cases
from engine.services.checklist import checklist_of
from engine.services.instances import OPEN_STATES, add_event
from engine.services.parties import normalize

REFERENCE = re.compile(r"\b[A-Z]{3}-\d{4}-\d{6}\b")
INTAKE_QUEUE = "document_intake"
ROUTE, CLASSIFY = "route_document", "classify_document"
MESSAGE = "documents_received"
FORMS: dict[str, dict[str, Any]] = {
    ROUTE: {"type": "object", "required": ["case_reference"], "title": "Route inbound document",
            "description": "Which case does this document belong to?",
            "properties": {"case_reference": {"type": "string", "title": "Case reference",
                                              "pattern": r"^[A-Z]{3}-\d{4}-\d{6}$"}}},
    CLASSIFY: {"type": "object", "required": ["doc_type"], "title": "Classify document",
               "description": "What kind of document is this?",
               "properties": {"doc_type": {"type": "string", "title": "Document type", "enum": list(DOCUMENT_TYPES)}}},
}
TITLES = {ROUTE: "Route inbound document", CLASSIFY: "Classify document"}


def after_capture(ctx: Context, document_id: int) -> None:
    with ctx.write() as session:
        doc = session.get_one(Document, document_id)
        if doc.case_id is None and not _link(ctx, session, doc):
            return
        if not doc.confident:
            _open_item(ctx, session, doc, CLASSIFY)
            return
        doc.flags = _flags(session, doc)
        for flag in doc.flags:
            add_event(session, doc.case_id, "data_mismatch", "capture", flag, ctx.clock.now())
        complete = _checklist_complete(session, doc.case_id)
    if complete is not None:
        _deliver(ctx, complete)


def _link(ctx: Context, session: Session, doc: Document) -> bool:
    case = _match_case(session, doc)
    if case is None:
        _open_item(ctx, session, doc, ROUTE)
        return False
    _attach(ctx, session, doc, case, "capture")
    return True


def _attach(ctx: Context, session: Session, doc: Document, case: Case, actor: str) -> None:
    doc.case_id = case.id
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
    open_cases = list(session.scalars(select(Case).where(Case.party_id == parties.pop(), Case.status != CaseStatus.CLOSED.value)))
    return open_cases[0] if len(open_cases) == 1 else None


def _identified_parties(session: Session, doc: Document) -> set[int]:
    values = {f["name"]: f["value"] for f in doc.fields}
    emails = [f["value"] for f in doc.fields if f["name"] == "email"]
    parties = set(session.scalars(select(PartyIdentifier.party_id).where(
        PartyIdentifier.kind == "email", PartyIdentifier.value.in_([normalize("email", e) for e in emails])))) \
        if emails else set()
    name = values.get("name")
    for kind in ("policy_number", "account_number"):
        number = values.get(kind)
        if number and name:
            for case in session.scalars(select(Case).where(Case.data[kind].as_string() == number)):
                if _same_name(case.party.name, name):
                    parties.add(case.party_id)
    return parties


def _fold(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", search.fold(name).lower()) if len(w) > 1}


def _same_name(a: str, b: str) -> bool:
    """Every word of the shorter name appears in the longer (order, case, accents and initials aside)."""
    left, right = _fold(a), _fold(b)
    return bool(left and right) and (left <= right or right <= left)


def _open_item(ctx: Context, session: Session, doc: Document, kind: str) -> None:
    exists = session.scalar(select(WorkItem.id).where(WorkItem.document_id == doc.id, WorkItem.kind == kind,
                                                      WorkItem.state.in_(OPEN_STATES)))
    if exists is not None:
        return
    now = ctx.clock.now()
    session.add(WorkItem(kind=kind, case_id=doc.case_id, document_id=doc.id, name=kind, title=TITLES[kind],
                         queue=INTAKE_QUEUE, state="ready", priority=0, due_at=now + timedelta(days=1),
                         created_at=now))
    add_event(session, doc.case_id, "document_needs_attention", "capture",
              {"document_id": doc.id, "task": TITLES[kind], "doc_type": doc.doc_type, "confidence": doc.confidence},
              now)


def _amount(value: str | None) -> float | None:
    try:
        return float(str(value).split()[0]) if value else None
    except ValueError:
        return None


def _flags(session: Session, doc: Document) -> list[dict[str, Any]]:
    """Contradictions between what the document says and what the case says, for a person to look at."""
    case = session.get_one(Case, doc.case_id)
    values = {f["name"]: f["value"] for f in doc.fields}
    flags = []
    net, income = _amount(values.get("net_pay")), _amount(case.data.get("monthly_income"))
    if doc.doc_type == "payslip" and net and income and abs(net - income) / income > 0.10:
        flags.append({"kind": "income_mismatch", "document_id": doc.id,
                      "message": f"Net pay on the payslip ({net:,.2f}) differs from the declared monthly income "
                                 f"({income:,.2f}) by more than 10%."})
    name = values.get("name")
    if doc.doc_type == "id_document" and name and not _same_name(name, case.party.name):
        flags.append({"kind": "name_mismatch", "document_id": doc.id,
                      "message": f"The name on the identity document ({name}) is not the customer's name "
                                 f"({case.party.name})."})
    return flags


def checklist(session: Session, case: Case) -> dict[str, Any]:
    captured = session.scalars(select(Document.doc_type).where(
        Document.case_id == case.id, Document.status == DocumentStatus.INDEXED.value, Document.confident.is_(True)))
    return checklist_of(case.data, list(captured))


def _checklist_complete(session: Session, case_id: int | None) -> tuple[str, list[str]] | None:
    """(reference, received types) when the checklist just became complete and the process waits for it."""
    if case_id is None:
        return None
    case = session.get_one(Case, case_id)
    waiting = session.scalar(select(ProcessInstance.waiting_messages).where(ProcessInstance.case_id == case_id))
    state = checklist(session, case)
    if state["complete"] and MESSAGE in (waiting or []):
        return case.reference, state["received"]
    return None


def _deliver(ctx: Context, complete: tuple[str, list[str]]) -> None:
    reference, received = complete
    try:
        cases.send_message(ctx, reference, MESSAGE, {"documents": received}, "capture")
    except CaseworksError:
        pass  # someone delivered it first (e.g. by hand): the case moved on, nothing is lost


def complete_item(ctx: Context, session: Session, item: WorkItem, data: dict[str, Any], actor: str) -> None:
    """A person routed or classified a document: record it and carry on as capture would have."""
    doc = session.get_one(Document, item.document_id)
    if item.kind == ROUTE:
        case = session.scalar(select(Case).where(Case.reference == data["case_reference"]))
        if case is None:
            raise ValidationFailed("no such case", details={"case_reference": "no case has this reference"})
        _attach(ctx, session, doc, case, actor)
        session.execute(WorkItem.__table__.update().where(WorkItem.document_id == doc.id).values(case_id=case.id))
    else:
        doc.doc_type, doc.confident, doc.confidence = data["doc_type"], True, 1.0
        add_event(session, doc.case_id, "document_classified", actor, {"document_id": doc.id,
                                                                       "doc_type": doc.doc_type}, ctx.clock.now())


__all__ = ["after_capture", "checklist", "complete_item", "FORMS"]
