"""The database model: parties, cases, process versions and instances, work items, timeline, users, jobs."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    and_,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, QueryableAttribute, mapped_column, relationship
from sqlalchemy.sql import ColumnElement


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}
    # Every model here is mapped to one Table (no joins, no selectables): saying so lets the bulk paths use
    # ``Model.__table__.insert()`` and ``.update()`` typed, where SQLAlchemy types it as any FromClause.
    __table__: ClassVar[Table]


class CaseStatus(str, enum.Enum):
    OPEN = "open"          # back-office work is pending
    WAITING = "waiting"    # waiting on the customer or a third party (message or timer)
    INCIDENT = "incident"  # a step failed; retried or waiting for a fix
    CLOSED = "closed"


class WorkItemState(str, enum.Enum):
    READY = "ready"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class JobStatus(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ROLES = ("admin", "designer", "backoffice", "frontoffice", "integration")


class Party(Base):
    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), index=True)  # merged (undoable)
    identifiers: Mapped[list["PartyIdentifier"]] = relationship(back_populates="party")


class PartyIdentifier(Base):
    """One way to recognise a customer on any channel: external id, e-mail, phone, policy/account number."""

    __tablename__ = "party_identifiers"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_party_identifier"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(320))
    party: Mapped[Party] = relationship(back_populates="identifiers")


class Counter(Base):
    """Per prefix and year sequence for human case references (CLM-2026-000123)."""

    __tablename__ = "counters"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_type_status", "case_type", "status"),
        Index("ix_cases_party", "party_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    case_type: Mapped[str] = mapped_column(String(40))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN.value)
    status_text: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(80))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    sla_due_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    outcome: Mapped[str | None] = mapped_column(String(40))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # data["policy_number"] as identifiers are stored (parties.normalize), so the desk and intake find a case by
    # its policy number with an index probe instead of reading every case's JSON
    policy_number: Mapped[str | None] = mapped_column(String(80), index=True)
    party: Mapped[Party] = relationship(lazy="joined", innerjoin=True)


class ProcessVersion(Base):
    """The source files of one version of one process, kept so running instances outlive file edits."""

    __tablename__ = "process_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    files: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime]
    # Deployment order: the version of a process with the highest number takes new cases (None: never deployed).
    deployed_seq: Mapped[int | None] = mapped_column(Integer)
    deployed_by: Mapped[str | None] = mapped_column(String(120))


class ProcessDraft(Base):
    """A process being edited in the browser modeler: its files as text, not yet deployed."""

    __tablename__ = "process_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40), unique=True)
    files: Mapped[dict[str, Any]] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    waiting_messages: Mapped[list[Any]] = mapped_column(default=list)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    incident: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    case: Mapped[Case] = relationship(lazy="raise")
    __mapper_args__ = {"version_id_col": version}


class WorkItem(Base):
    __tablename__ = "work_items"
    __table_args__ = (
        Index("ix_work_items_case", "case_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # "task": a BPMN user task (task_id set); "classify_document" / "route_document": document intake work
    kind: Mapped[str] = mapped_column(String(30), default="task", server_default="task")
    task_id: Mapped[str | None] = mapped_column(String(36))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20), default=WorkItemState.READY.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None]
    form_file: Mapped[str | None] = mapped_column(String(200))
    separate_from: Mapped[str | None] = mapped_column(String(120))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case: Mapped[Case] = relationship(lazy="raise")


OPEN_ITEM_STATES = (WorkItemState.READY.value, WorkItemState.CLAIMED.value)


def _open_item_indexes() -> None:
    """One index per worklist view and sort, partial on the open states (engine/services/work_pages.py reads
    them): the leading column is the view's filter (queue, assignee, or none), the rest its sort order, so a
    page is an index range that stops at the page size."""
    open_only = WorkItem.state.in_(OPEN_ITEM_STATES)
    sorts: dict[str, tuple[ColumnElement[Any] | QueryableAttribute[Any], ...]] = {
        "due": (WorkItem.due_at, WorkItem.priority.desc(), WorkItem.id),
        "priority": (WorkItem.priority.desc(), WorkItem.due_at, WorkItem.id)}
    for name, lead in (("queue", (WorkItem.queue,)), ("assignee", (WorkItem.assignee_id,)), ("all", ())):
        for sort, tail in sorts.items():
            Index(f"ix_work_items_open_{name}_{sort}", *lead, *tail, postgresql_where=open_only,
                  sqlite_where=open_only)
    # Unassigned work: people claim the most urgent items first, so in a queue's own index the unassigned ones
    # sit behind every claimed one; these hold only what nobody has taken yet.
    unassigned = and_(open_only, WorkItem.assignee_id.is_(None))
    for name, lead in (("queue", (WorkItem.queue,)), ("all", ())):
        for sort, tail in sorts.items():
            Index(f"ix_work_items_unassigned_{name}_{sort}", *lead, *tail, postgresql_where=unassigned,
                  sqlite_where=unassigned)


_open_item_indexes()


class Interaction(Base):
    __tablename__ = "interactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    agent: Mapped[str | None] = mapped_column(String(120))
    occurred_at: Mapped[datetime]


class Event(Base):
    """Append-only audit and timeline entry."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    queues: Mapped[list[Any]] = mapped_column(default=list)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Bumped by sign-out, a password change and deactivation: every session signed with an older one ends.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship(lazy="joined")


class DocumentStatus(str, enum.Enum):
    QUEUED = "queued"
    PROCESSING = "processing"
    INDEXED = "indexed"
    FAILED = "failed"
    DISCARDED = "discarded"  # a person routed it nowhere, with a reason (kept, never deleted)


class Document(Base):
    """An original (bytes in the blob store, by SHA-256) and what capture read from it."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_case_sha", "case_id", "sha256"),
        Index("ix_documents_status", "status"),
        Index("uq_documents_dedupe_key", "dedupe_key", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.QUEUED.value)
    error: Mapped[str | None] = mapped_column(Text)
    doc_type: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None]
    confident: Mapped[bool] = mapped_column(Boolean, default=False)
    page_count: Mapped[int | None] = mapped_column(Integer)
    ocr_pages: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[list[Any]] = mapped_column(default=list)
    flags: Mapped[list[Any]] = mapped_column(default=list)  # contradictions with the case, shown to people
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    # "<case id or inbox>:<sha256>", unique: the same bytes on the same case are one document, even when
    # uploaded concurrently (NULL for an older copy kept from before the constraint)
    dedupe_key: Mapped[str | None] = mapped_column(String(100))


class DocumentPage(Base):
    """One page's text and word boxes (for showing extracted fields on the page image)."""

    __tablename__ = "document_pages"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_document_page"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    words: Mapped[list[Any]] = mapped_column(default=list)
    ocr: Mapped[bool] = mapped_column(Boolean, default=False)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[float | None]
    height: Mapped[float | None]


class SavedFilter(Base):
    """A named worklist view of one user (tab, sort, queue), shown as a link above their worklist."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filter_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    view: Mapped[str] = mapped_column(String(20))
    sort: Mapped[str] = mapped_column(String(20))
    queue: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class Job(Base):
    """A durable background job, written in the same transaction as what it is about (an outbox)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.PENDING.value)
    run_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    crashes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # lease ran out: worker died
    lease: Mapped[str | None] = mapped_column(String(40))  # who holds it now: only they renew or finish it


class RateLimitHit(Base):
    """One counted event (a failed sign-in) of a rate-limit key: the login throttle's shared storage."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"), Index("ix_rate_limit_hits_at", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    at: Mapped[float] = mapped_column(Float)  # seconds since the epoch (time.time(), as `limits` counts)


# -- channels (issue 13): webhooks, the event relay, customer self-service, e-mail in and out ---------------
class Webhook(Base):
    """A subscription of another system to event types; deliveries are signed with ``secret`` (HMAC-SHA256)."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[Any]] = mapped_column(default=list)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event for one subscription: its body (fixed at fan-out, so a replay sends the same bytes), its state
    and a log of attempts. Deliveries of one case go out in ``id`` order."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_delivery_event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_case", "webhook_id", "case_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    first_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    log: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class RelayCursor(Base):
    """How far the event relay has read the events table (PostgreSQL: by transaction id, then id)."""

    __tablename__ = "relay_cursors"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SelfServiceLink(Base):
    """A customer's link to one case: signed (the URL carries id and nonce), expiring, revocable."""

    __tablename__ = "self_service_links"
    __table_args__ = (Index("ix_self_service_links_case", "case_id", "revoked_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    nonce: Mapped[str] = mapped_column(String(64))  # signed with the server key into the URL; useless without it
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class CustomerFeedback(Base):
    """The two questions asked at closure on the self-service page (satisfaction 1-5, ease 1-7)."""

    __tablename__ = "customer_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    satisfaction: Mapped[int] = mapped_column(Integer)
    ease: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class InboundMail(Base):
    """An e-mail taken in (deduplicated by Message-ID), the case it landed on and its raw bytes' blob key."""

    __tablename__ = "inbound_mails"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    blob_key: Mapped[str] = mapped_column(String(64))
    matched_by: Mapped[str | None] = mapped_column(String(40))
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    route_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))
    received_at: Mapped[datetime]


class Notification(Base):
    """An e-mail to the customer, written by the relay from a process step and sent from this outbox."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(120))
    to_address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
