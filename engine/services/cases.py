"""Cases: open one (idempotently), read it as a front-office agent would, list, timeline, interactions, messages."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import search
from engine.context import Context
from engine.errors import Conflict, IdempotencyConflict, ValidationFailed
from engine.models import Case, Counter, Document, Event, Interaction, ProcessInstance, User, WorkItem
from engine.services.instances import (
    CASE_DEFAULTS,
    OPEN_STATES,
    add_event,
    case_fields,
    insert_case,
    load_case,
    load_instance,
    run_and_apply,
)
from engine.services.checklist import checklist_of
from engine.services import duplicates
from engine.services.parties import Customer, display_phone, resolve_party
from engine.validation import schema_errors

CHANNELS = ("web", "app", "phone", "email", "chat", "branch", "post", "api")
DIRECTIONS = ("inbound", "outbound")


@dataclass(frozen=True)
class OpenCase:
    case_type: str
    customer: Customer
    channel: str
    data: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    priority: int = 0


def request_hash(cmd: OpenCase) -> str:
    body = {"case_type": cmd.case_type, "customer": cmd.customer.__dict__, "channel": cmd.channel,
            "data": cmd.data, "priority": cmd.priority}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def open_case(ctx: Context, cmd: OpenCase, actor: str) -> tuple[dict[str, Any], bool]:
    """Create the case and run its process to the first wait state, all in one transaction.

    Returns the case view and whether it was created now (False: an idempotent replay of an earlier request).
    """
    digest = request_hash(cmd)
    scoped_key = scope_key(actor, cmd.idempotency_key) if cmd.idempotency_key else None
    if scoped_key:
        existing = _replay(ctx, scoped_key, digest)
        if existing is not None:
            return existing, False
    definition = current_process(ctx, cmd.case_type)
    _validate_open(cmd, definition.start_schema)
    parsed = ctx.processes.parsed(definition)
    try:
        with ctx.write() as session:
            if ctx.processes.refresh(session):  # deployed by another process meanwhile: it takes this case
                definition = ctx.processes.current(cmd.case_type)
                _validate_open(cmd, definition.start_schema)
                parsed = ctx.processes.parsed(definition)
            now = ctx.clock.now()
            resolution = resolve_party(session, cmd.customer, now, ctx.settings.default_phone_region)
            party = resolution.party
            reference = _next_reference(session, definition.reference_prefix, now)
            snapshot = ctx.runtime.start(parsed, cmd.data, {"reference": reference, "case_type": cmd.case_type,
                                                            "party_id": party.id})
            case_row = dict(reference=reference, case_type=cmd.case_type, party_id=party.id, channel=cmd.channel,
                            priority=cmd.priority, idempotency_key=scoped_key, request_hash=digest,
                            created_at=now)
            case_id, items = insert_case(ctx, session, case_row, ctx.processes.version_id(definition), snapshot, actor,
                                         {"channel": cmd.channel, "case_type": cmd.case_type,
                                          "process_version": definition.version[:12]}, party)
            if resolution.suspects:
                duplicates.open_item(session, case_id, resolution, now)
            view = _new_case_view(case_row, party, snapshot, items, now)
        return view, True
    except IntegrityError:
        if scoped_key:  # a concurrent request with the same key won the race
            existing = _replay(ctx, scoped_key, digest)
            if existing is not None:
                return existing, False
        raise


def scope_key(actor: str, key: str) -> str:
    """An Idempotency-Key belongs to the client that sent it: stored as a hash of (user, key), so one client
    replaying another's key opens its own case instead of reading the other's."""
    return hashlib.sha256(f"{actor}\n{key}".encode()).hexdigest()
def current_process(ctx: Context, case_type: str) -> Any:
    """The version taking new cases; a case type this process does not know (yet) is looked up again in
    the database first, since another process may just have deployed it."""
    try:
        return ctx.processes.current(case_type)
    except (ValidationFailed, Conflict):
        with ctx.read() as session:
            ctx.processes.refresh(session)
        return ctx.processes.current(case_type)


def _new_case_view(row: dict[str, Any], party: Any, snapshot: Any, items: list[dict[str, Any]],
                   now: datetime) -> dict[str, Any]:
    """The same view as ``case_view`` from what the insert already holds (no read-back, no ORM objects)."""
    case = SimpleNamespace(**{**CASE_DEFAULTS, **row, **case_fields(snapshot, now)}, party=party)
    tasks = [SimpleNamespace(**item) for item in items]
    instance = SimpleNamespace(waiting_messages=snapshot.waiting_messages, incident=snapshot.incident)
    return case_view(None, case, instance=instance, tasks=tasks)  # type: ignore[arg-type]


def _replay(ctx: Context, key: str, digest: str) -> dict[str, Any] | None:
    with ctx.read() as session:
        case = session.scalar(select(Case).where(Case.idempotency_key == key))
        if case is None:
            return None
        if case.request_hash != digest:
            raise IdempotencyConflict(
                "this Idempotency-Key was already used with a different request body; use a new key",
                details={"reference": case.reference})
        return case_view(session, case)


def _validate_open(cmd: OpenCase, start_schema: dict[str, Any] | None) -> None:
    errors: dict[str, str] = {}
    if not cmd.customer.name or not cmd.customer.name.strip():
        errors["customer.name"] = "is required"
    if cmd.channel not in CHANNELS:
        errors["channel"] = f"must be one of: {', '.join(CHANNELS)}"
    if start_schema is not None:
        errors.update({f"data.{k}" if k else "data": v for k, v in schema_errors(start_schema, cmd.data).items()})
    if errors:
        raise ValidationFailed("the case request is not valid", details=errors)


def start_data_errors(ctx: Context, case_type: Any, data: Any) -> dict[str, str]:
    """{data.<field>: message} for start data that breaks its case type's start schema ({} when the type is
    unknown): a request refused for other fields still lists these, so the desk fixes everything at once."""
    if not isinstance(case_type, str) or case_type not in ctx.processes.case_types():
        return {}
    schema = ctx.processes.current(case_type).start_schema
    if schema is None or not isinstance(data, dict):
        return {}
    return {f"data.{k}" if k else "data": v for k, v in schema_errors(schema, data).items()}


def _next_reference(session: Session, prefix: str, now: datetime) -> str:
    key = f"{prefix}-{now.year}"
    conn = session.connection()
    value = conn.execute(_COUNTER_UPSERT[conn.dialect.name], {"key": key}).scalar_one()
    return f"{key}-{value:06d}"


def _counter_upsert(insert: Any) -> Any:
    table = Counter.__table__
    stmt = insert(table).values(key=bindparam("key"), value=1)
    return stmt.on_conflict_do_update(index_elements=["key"], set_={"value": table.c.value + 1}).returning(table.c.value)


_COUNTER_UPSERT = {"postgresql": _counter_upsert(pg_insert), "sqlite": _counter_upsert(sqlite_insert)}


# -- reading -------------------------------------------------------------------------------------------
def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def case_view(session: Session, case: Any, *, instance: Any = None, tasks: list[Any] | None = None) -> dict[str, Any]:
    """The case as a front-office agent reads it (pass what the caller already holds to skip queries)."""
    if tasks is None:
        tasks = list(session.scalars(select(WorkItem).where(WorkItem.case_id == case.id,
                                                            WorkItem.state.in_(OPEN_STATES)).order_by(WorkItem.id)))
    if instance is None:
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.case_id == case.id))
    party = case.party
    docs = _documents(session, case.id) if session is not None else []
    return {
        "reference": case.reference,
        "case_type": case.case_type,
        "status": case.status,
        "status_text": case.status_text,
        "stage": case.stage,
        "outcome": case.outcome,
        "priority": case.priority,
        "channel": case.channel,
        "customer": {"id": party.id, "name": party.name, "email": party.email, "phone": display_phone(party.phone)},
        "data": case.data,
        "open_tasks": [{"id": t.id, "name": t.name, "title": t.title, "queue": t.queue,
                        "assignee": username(session, t.assignee_id),
                        "due_at": iso(t.due_at), "state": t.state} for t in tasks],
        "waiting_for": list(instance.waiting_messages or []) if instance else [],
        "documents": docs,
        "checklist": checklist_of(case.data or {}, [(d["sha256"], d["doc_type"]) for d in docs
                                                    if d["status"] == "indexed" and d["confident"]]),
        "flags": [{**flag, "status": flag.get("status", "open")} for d in docs for flag in d["flags"]],
        "incident": instance.incident if instance else None,
        "sla_due_at": iso(case.sla_due_at),
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "closed_at": iso(case.closed_at),
    }


def _documents(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id))
    return [{"id": d.id, "filename": d.filename, "status": d.status, "doc_type": d.doc_type, "sha256": d.sha256,
             "confident": d.confident, "flags": d.flags, "error": d.error} for d in rows]


def username(session: Session, user_id: int | None) -> str | None:
    """The username of a user id (None for none): assignees and holders in views and messages."""
    user = session.get(User, user_id) if user_id else None
    return user.username if user else None


def get_case(ctx: Context, reference: str) -> dict[str, Any]:
    with ctx.read() as session:
        return case_view(session, load_case(session, reference))


@dataclass(frozen=True)
class CaseFilter:
    customer: str | None = None
    status: str | None = None
    case_type: str | None = None
    limit: int = 50
    cursor: str | None = None


def encode_cursor(case_id: int) -> str:
    return base64.urlsafe_b64encode(str(case_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationFailed("invalid cursor", details={"cursor": "use next_cursor from a previous page"}) from err
    if not 0 < value < 2**63:
        raise ValidationFailed("invalid cursor", details={"cursor": "use next_cursor from a previous page"})
    return value


def list_cases(ctx: Context, f: CaseFilter) -> dict[str, Any]:
    """Newest first, keyset pagination on the id (stable under concurrent inserts)."""
    query = select(Case).order_by(Case.id.desc()).limit(f.limit + 1)
    if f.customer:
        query = query.where(Case.party_id == _party_id(f.customer))
    if f.status:
        query = query.where(Case.status == f.status)
    if f.case_type:
        query = query.where(Case.case_type == f.case_type)
    if f.cursor:
        query = query.where(Case.id < decode_cursor(f.cursor))
    with ctx.read() as session:
        rows = session.scalars(query).all()
        page = rows[: f.limit]
        items = [_case_summary(c) for c in page]
    return {"items": items, "next_cursor": encode_cursor(page[-1].id) if len(rows) > f.limit else None}


def _party_id(customer: str) -> int:
    try:
        value = int(customer)
    except ValueError as err:
        raise ValidationFailed("invalid customer filter", details={"customer": "must be a customer id"}) from err
    if not 0 < value < 2**63:
        raise ValidationFailed("invalid customer filter", details={"customer": "no customer has this id"})
    return value


def _case_summary(case: Case) -> dict[str, Any]:
    return {"reference": case.reference, "case_type": case.case_type, "status": case.status,
            "status_text": case.status_text, "outcome": case.outcome,
            "customer": {"id": case.party.id, "name": case.party.name},
            "created_at": iso(case.created_at), "updated_at": iso(case.updated_at)}


def timeline(ctx: Context, reference: str, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first. Interactions are events too (kind ``interaction``), so one ordered log serves all."""
    with ctx.read() as session:
        case = load_case(session, reference)
        events = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id.desc())
                                 .limit(limit)).all()
    return [_timeline_entry(e) for e in events]


def _timeline_entry(event: Event) -> dict[str, Any]:
    entry = {"type": "event", "id": event.id, "kind": event.kind, "actor": event.actor, "at": iso(event.created_at),
             "payload": event.payload}
    if event.kind == "interaction":
        entry.update(type="interaction", channel=event.payload.get("channel"),
                     direction=event.payload.get("direction"), summary=event.payload.get("summary"))
    return entry


@dataclass(frozen=True)
class LogInteraction:
    reference: str
    channel: str
    direction: str
    summary: str


def log_interaction(ctx: Context, cmd: LogInteraction, actor: str) -> dict[str, Any]:
    errors = {}
    if cmd.channel not in CHANNELS:
        errors["channel"] = f"must be one of: {', '.join(CHANNELS)}"
    if cmd.direction not in DIRECTIONS:
        errors["direction"] = "must be inbound or outbound"
    if not cmd.summary or not cmd.summary.strip():
        errors["summary"] = "is required"
    if errors:
        raise ValidationFailed("the interaction is not valid", details=errors)
    with ctx.write() as session:
        case = load_case(session, cmd.reference)
        now = ctx.clock.now()
        item = Interaction(case_id=case.id, party_id=case.party_id, channel=cmd.channel, direction=cmd.direction,
                           summary=cmd.summary.strip(), agent=actor, occurred_at=now)
        session.add(item)
        session.flush()
        add_event(session, case.id, "interaction", actor, {"interaction_id": item.id, "channel": item.channel,
                                                          "direction": item.direction, "summary": item.summary}, now)
        search.index(session, "interaction", str(item.id), case.id, f"{case.reference} {item.channel} {item.direction}",
                     item.summary)
        return {"id": item.id, "case_reference": case.reference, "channel": item.channel,
                "direction": item.direction, "summary": item.summary, "agent": actor, "at": iso(now)}


def send_message(ctx: Context, reference: str, name: str, payload: dict[str, Any], actor: str,
                 correlations: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deliver a BPMN message (or signal) to the case's instance; NoSuchMessage (409) when it waits for none
    or for other correlation values, ValidationFailed (422) when the correlation cannot be read."""
    with ctx.write() as session:
        loaded = load_instance(ctx, session, load_case(session, reference))
        add_event(session, loaded.case.id, "message_received", actor,
                  {"name": name, **({"correlations": correlations} if correlations else {})}, ctx.clock.now())
        run_and_apply(ctx, session, loaded, actor, lambda parsed, state, case: ctx.runtime.send_message(
            parsed, state, name, payload, case, correlations))
        return case_view(session, loaded.case)


def retry_case(ctx: Context, reference: str, actor: str) -> dict[str, Any]:
    """Run the failed step of a case in status ``incident`` again now (the worker also retries with backoff)."""
    with ctx.write() as session:
        loaded = load_instance(ctx, session, load_case(session, reference))
        if not loaded.instance.incident:
            raise Conflict(f"case '{reference}' has no incident to retry", details={"status": loaded.case.status})
        add_event(session, loaded.case.id, "retry_requested", actor, {}, ctx.clock.now())
        run_and_apply(ctx, session, loaded, actor, ctx.runtime.wake)
        return case_view(session, loaded.case)


def search_all(ctx: Context, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Ranked hits over cases, interactions and documents, each with its case reference and a snippet."""
    with ctx.read() as session:
        hits = search.search(session, query, limit)
        ids = {h.case_id for h in hits if h.case_id is not None}
        refs = dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}
    return [{"kind": h.kind, "ref": h.ref, "case_reference": refs.get(h.case_id) if h.case_id is not None else None,
             "title": h.title, "snippet": h.snippet, "score": round(-h.rank, 4)} for h in hits]


def validate_form(schema: dict[str, Any] | None, data: dict[str, Any]) -> None:
    if schema is None:
        return
    errors = schema_errors(schema, data)
    if errors:
        raise ValidationFailed("the form data is not valid", details=errors)


__all__ = ["open_case", "get_case", "list_cases", "timeline", "log_interaction", "send_message"]
