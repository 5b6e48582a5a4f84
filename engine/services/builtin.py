"""Work items that no BPMN process defines: document intake (route, classify, review a flag) and possible
duplicate customers. Their forms and what completing them does, behind the same claim/complete verbs as tasks."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.context import Context
from engine.errors import ValidationFailed
from engine.models import Case, Document, WorkItem
from engine.services import auth, duplicates, intake, intake_items, mail_in

# Who works built-in items unless an installation says otherwise (``caseworks db upgrade`` and the demo).
DEFAULT_TEAMS = {"Document intake": [intake.INTAKE_QUEUE, duplicates.QUEUE]}


def ensure_default_teams(ctx: Context) -> None:
    for team, queues in DEFAULT_TEAMS.items():
        auth.set_team_queues(ctx, team, queues)


def form(session: Session, item: WorkItem) -> dict[str, Any] | None:
    if item.kind == duplicates.KIND:
        return duplicates.form(session, item)
    if item.kind in mail_in.FORMS:
        return mail_in.FORMS[item.kind]
    form = intake.FORMS.get(item.kind)
    flag = (item.data or {}).get("flag") if item.kind == intake.REVIEW else None
    if form is not None and isinstance(flag, dict) and flag.get("message"):  # the evidence, where it is decided
        return {**form, "description": f"{flag['message']} {form['description']}"}
    return form


def prepare(ctx: Context, item: WorkItem, data: dict[str, Any], actor: str) -> dict[str, Any]:
    """Work that must happen before the completing transaction: opening the case a document starts."""
    if item.kind == intake.ROUTE:
        intake_items.check_route(data)
        if intake_items.action_of(data) == "new_case" and item.document_id is not None:
            return {**data, "case_reference": intake_items.open_case_for(ctx, item.document_id, data, actor)}
    return data


def complete(ctx: Context, session: Session, item: WorkItem, data: dict[str, Any], actor: str) -> None:
    """In the completing transaction: what the person's answer changes."""
    now = ctx.clock.now()
    if item.kind == duplicates.KIND:
        duplicates.complete(session, item, data, actor, now)
        return
    if item.kind == mail_in.ROUTE_EMAIL:
        mail_in.complete_route(ctx, session, item, data, actor)
        return
    doc = session.get(Document, item.document_id) if item.document_id is not None else None
    if doc is None:
        raise ValidationFailed("the document of this item is gone", details={"document_id": "not found"})
    if item.kind == intake.ROUTE:
        intake_items.check_route(data)
        intake_items.route(ctx, session, doc, data, actor)
    elif item.kind == intake.CLASSIFY:
        intake_items.classify(ctx, session, doc, data, actor)
    elif item.kind == intake.REVIEW:
        intake_items.review(ctx, session, doc, item.data, data, actor)


def after_commit(ctx: Context, item: WorkItem) -> None:
    """Carry on as capture would have: link, checklist, flags and the process message."""
    if item.kind == intake.REVIEW and item.case_id is not None:
        with ctx.write() as session:
            pending = intake.settle_case(ctx, session, session.get_one(Case, item.case_id))
        intake.deliver(ctx, pending)
    elif item.kind in (intake.ROUTE, intake.CLASSIFY) and item.document_id is not None:
        intake.after_capture(ctx, item.document_id)
