"""What a person's answer to a document intake item does: route, classify, or decide on a flag.

Each verb runs inside the transaction that completes the work item, so the answer and its effects commit
together; what depends on the answer (flags, checklist, the process message) runs again afterwards through
``intake.after_capture`` / ``intake.settle_case``, exactly as capture would have run it.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.context import Context
from engine.errors import ValidationFailed
from engine.models import Case, Document, DocumentStatus, WorkItem, WorkItemState
from engine.services import cases, flags, intake
from engine.services.instances import OPEN_STATES, add_event
from engine.services.parties import Customer


def route(ctx: Context, session: Session, doc: Document, data: dict[str, Any], actor: str) -> None:
    """Link the document to the named case (a new case was opened by ``open_case_for`` before), or discard it."""
    action = action_of(data)
    if action == "discard":
        doc.status = DocumentStatus.DISCARDED.value
        add_event(session, None, "document_discarded", actor, {"document_id": doc.id, "filename": doc.filename,
                                                              "reason": data["reason"]}, ctx.clock.now())
        return
    case = session.scalar(select(Case).where(Case.reference == data["case_reference"]))
    if case is None:
        raise ValidationFailed("no case has this reference", details={"case_reference": "no case has this reference"})
    intake.attach(ctx, session, doc, case, actor)


def action_of(data: dict[str, Any]) -> str | None:
    return data.get("action") or ("link" if data.get("case_reference") else None)


def check_route(data: dict[str, Any]) -> None:
    """Each action needs its own fields; say which, in words."""
    action, errors = action_of(data), {}
    if action is None:
        errors["action"] = "say what to do: link it to a case, open a new case or discard it"
    if action == "link" and not data.get("case_reference"):
        errors["case_reference"] = "is required to link the document to a case"
    if action == "discard" and len(str(data.get("reason") or "").strip()) < 3:
        errors["reason"] = "say why the document is discarded"
    if action == "new_case":
        if not data.get("case_type"):
            errors["case_type"] = "is required to open a new case"
        if not str(data.get("customer_name") or "").strip():
            errors["customer_name"] = "is required to open a new case"
        if "case_data" in data and not isinstance(data["case_data"], dict):
            errors["case_data"] = "must be an object with the new case's start data"
    if errors:
        raise ValidationFailed("the routing is not complete", details=errors)


def open_case_for(ctx: Context, doc_id: int, data: dict[str, Any], actor: str) -> str:
    """Open the new case a document starts (idempotent per document: a retry finds the same case)."""
    start = dict(data.get("case_data") or {})
    cmd = cases.OpenCase(data["case_type"], Customer(name=data["customer_name"].strip(),
                                                      email=data.get("customer_email") or None),
                         "post", start, idempotency_key=f"route-document-{doc_id}")
    view, _created = cases.open_case(ctx, cmd, actor)
    return str(view["reference"])


def classify(ctx: Context, session: Session, doc: Document, data: dict[str, Any], actor: str) -> None:
    doc.doc_type, doc.confident, doc.confidence = data["doc_type"], True, 1.0
    doc.flags = []  # what was checked under the old type no longer applies; settle checks the new type
    session.execute(update(WorkItem).where(WorkItem.document_id == doc.id, WorkItem.kind == intake.REVIEW,
                                           WorkItem.state.in_(OPEN_STATES))
                    .values(state=WorkItemState.CANCELLED.value).execution_options(synchronize_session=False))
    add_event(session, doc.case_id, "document_classified", actor, {"document_id": doc.id, "doc_type": doc.doc_type},
              ctx.clock.now())


def review(ctx: Context, session: Session, doc: Document, item_data: dict[str, Any] | None,
           data: dict[str, Any], actor: str) -> None:
    """A person cleared or confirmed a flag; the reason goes on the timeline with it."""
    kind = ((item_data or {}).get("flag") or {}).get("kind")
    status = flags.CLEARED if data["decision"] == "clear" else flags.CONFIRMED
    changed = [{**f, "status": status, "reason": data["reason"], "decided_by": actor} if f.get("kind") == kind
               else f for f in doc.flags or []]
    doc.flags = changed
    flag = next((f for f in changed if f.get("kind") == kind), {"kind": kind})
    add_event(session, doc.case_id, f"flag_{status}", actor,
              {"document_id": doc.id, "kind": kind, "message": flag.get("message"), "reason": data["reason"]},
              ctx.clock.now())
