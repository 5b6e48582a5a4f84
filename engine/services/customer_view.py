"""What a customer sees of their own case on the self-service page, in plain words.

Built from a short allow-list: plain status, what we wait for and by when, their documents, and a timeline of
the moments that concern them (each with its channel). Never internal notes, who worked on it, form data,
flags or other customers: an entry not listed here is simply not shown.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, CustomerFeedback, Document, Event, ProcessInstance
from engine.services.cases import iso
from engine.services.checklist import checklist_of

PLAIN_STATUS = {
    "open": "We are working on it",
    "waiting": "We are waiting for something from you",
    "incident": "There is a delay on our side; we are on it",
    "closed": "Closed",
}
DOCUMENT_STATUS = {"queued": "Received, being read", "processing": "Received, being read",
                   "indexed": "Received", "failed": "Received, but we could not read it: please send a clearer copy"}
CHANNEL_NAMES = {"web": "Online", "app": "App", "phone": "Phone", "email": "E-mail", "chat": "Chat",
                 "branch": "In person", "post": "Post", "api": "Online"}
TIMELINE_KINDS = ("case_opened", "document_received", "status_changed", "interaction", "case_closed")


def words(name: str) -> str:
    return name.replace("_", " ")


def customer_page(session: Session, case: Case, expires_at: datetime, now: datetime) -> dict[str, Any]:
    instance = session.scalar(select(ProcessInstance).where(ProcessInstance.case_id == case.id))
    docs = list(session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)))
    checklist = checklist_of(case.data or {}, [d.doc_type for d in docs
                                               if d.status == "indexed" and d.confident and d.doc_type])
    waiting_on_customer = case.status == "waiting"
    by_when = instance.next_timer_at if (waiting_on_customer and instance) else case.sla_due_at
    feedback = session.scalar(select(CustomerFeedback.id).where(CustomerFeedback.case_id == case.id))
    return {
        "reference": case.reference,
        "case_type": words(case.case_type),
        "customer_name": case.party.name,
        "status": case.status,
        "plain_status": PLAIN_STATUS.get(case.status, case.status),
        "status_text": case.status_text or "",
        "missing": [words(d) for d in checklist["missing"]],
        "waiting_on_customer": waiting_on_customer,
        "by_when": iso(by_when) if case.status != "closed" else None,
        "documents": [{"filename": d.filename, "status": DOCUMENT_STATUS.get(d.status, "Received"),
                       "received_at": iso(d.created_at), "channel": CHANNEL_NAMES.get(d.channel, d.channel)}
                      for d in docs],
        "timeline": _timeline(session, case),
        "closed": case.status == "closed",
        "feedback_given": feedback is not None,
        "expires_at": iso(expires_at),
        "can_upload": case.status != "closed",
    }


def _timeline(session: Session, case: Case) -> list[dict[str, Any]]:
    events = session.scalars(select(Event).where(Event.case_id == case.id, Event.kind.in_(TIMELINE_KINDS))
                             .order_by(Event.id.desc()).limit(100))
    return [entry for e in events if (entry := _entry(e, case.channel)) is not None]


def _entry(event: Event, opened_via: str) -> dict[str, Any] | None:
    p = event.payload or {}
    at = iso(event.created_at)
    if event.kind == "case_opened":
        return {"at": at, "channel": CHANNEL_NAMES.get(p.get("channel", opened_via), "Online"),
                "text": "We received your request"}
    if event.kind == "document_received":
        return {"at": at, "channel": CHANNEL_NAMES.get(p.get("channel", ""), "Online"),
                "text": f"We received {p.get('filename', 'a document')}"}
    if event.kind == "status_changed" and p.get("status_text"):
        return {"at": at, "channel": None, "text": p["status_text"]}
    if event.kind == "case_closed":
        return {"at": at, "channel": None, "text": "Your case was closed"}
    if event.kind == "interaction":
        channel = CHANNEL_NAMES.get(p.get("channel", ""), p.get("channel", ""))
        if p.get("customer_visible"):
            return {"at": at, "channel": channel, "text": p.get("summary", "")}
        # an agent's words (and anyone else's) stay inside: only that there was contact, and how
        return {"at": at, "channel": channel,
                "text": "Message received" if p.get("direction") == "inbound" else "We contacted you"}
    return None
