"""The one schema of every API request and response (pydantic models): spectree validates requests against them
and generates the OpenAPI document (``GET /api/openapi.json``) from them, so the two cannot drift.

Requests are strict (``"5"`` is not a whole number, ``1`` is not text) and open (unknown fields are ignored, as
before). Responses are closed (``additionalProperties: false``): a field the API sends that is not written here
is a mismatch the fuzzing tests (schemathesis) report. Deep, process-defined content (case data, form data,
event payloads, extracted document fields) is an object whose shape the process files define; the document
lists each case type's start schema and each task's form from the deployed processes (``webapp.apispec``).
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from engine.models import CaseStatus, DocumentStatus, WorkItemState
from engine.services.webhooks import DELIVERED, FAILED, PENDING
from engine.services.cases import CHANNELS, DIRECTIONS

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
Direction = Literal[DIRECTIONS]  # type: ignore[valid-type]
Obj = dict[str, Any]
# Enumerations come from the engine's own, so the document cannot drift from what the API sends.
CaseState = Literal[tuple(s.value for s in CaseStatus)]  # type: ignore[valid-type]
DocumentState = Literal[tuple(s.value for s in DocumentStatus)]  # type: ignore[valid-type]
ItemState = Literal[tuple(s.value for s in WorkItemState)]  # type: ignore[valid-type]
DeliveryState = Literal[PENDING, DELIVERED, FAILED]  # type: ignore[valid-type]
NonBlank = Annotated[str, Field(pattern=r"\S", description="not empty or only spaces")]


class Request(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class Query(BaseModel):
    """Query parameters arrive as text: numbers and booleans are read from it (not strict)."""

    model_config = ConfigDict(extra="ignore")


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors -------------------------------------------------------------------------------------------------
class ErrorBody(Reply):
    code: str = Field(description="machine-readable, e.g. validation_failed, not_found, conflict")
    message: str = Field(description="what was wrong and what to do, in words a person can act on")
    details: Any = Field(None, description="for validation_failed: {field path: message}; otherwise context")


class Error(Reply):
    """Every 4xx and 5xx answer."""

    error: ErrorBody


# -- cases --------------------------------------------------------------------------------------------------
class NewCustomer(Request):
    name: NonBlank = Field(max_length=320)
    external_id: str | None = Field(None, max_length=320)
    email: str | None = Field(None, max_length=320, description="an e-mail address")
    phone: str | None = Field(None, max_length=320)
    national_id: str | None = Field(None, max_length=320)
    policy_number: str | None = Field(None, max_length=320)
    account_number: str | None = Field(None, max_length=320)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and "@" not in value:
            raise ValueError("must be an e-mail address")
        return value


class NewCase(Request):
    """Open a case. ``data`` follows the start schema of ``case_type`` (see ``StartData_<case type>`` and
    ``GET /api/v1/case-types``)."""

    case_type: str = Field(examples=["claim"])
    customer: NewCustomer
    channel: Channel
    data: Obj = Field(default_factory=dict)
    priority: int = Field(0, ge=INT32_MIN, le=INT32_MAX)


class CaseQuery(Query):
    customer: str | None = Field(None, description="a customer id")
    status: str | None = None
    case_type: str | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="next_cursor of the previous page")


class LimitQuery(Query):
    limit: int = Field(200, ge=1, le=1000)


class SearchQuery(Query):
    q: str = Field(min_length=1, description="the words to look for")
    limit: int = Field(20, ge=1, le=100)


class NewInteraction(Request):
    channel: Channel
    direction: Direction
    summary: NonBlank


class Message(Request):
    data: Obj = Field(default_factory=dict)
    correlations: Obj = Field(default_factory=dict,
                              description="{property: value} or {correlation key: {property: value}}")


class CorrelatedMessage(Message):
    correlations: Obj = Field(description="{property: value} or {correlation key: {property: value}}")


class Retry(Request):
    version: int | str | None = Field(None, description="designers and admins: move the case onto this version "
                                                        "(its id, or 8+ characters of its hash) first")


class CustomerRef(Reply):
    id: int
    name: str
    email: str | None = None
    phone: str | None = None


class OpenTask(Reply):
    id: int
    name: str
    title: str
    queue: str
    assignee: str | None
    due_at: str | None
    state: str


class CaseDocument(Reply):
    id: int
    filename: str
    status: str
    doc_type: str | None
    sha256: str
    confident: bool | None
    flags: list[Obj] | None
    error: str | None


class ChecklistItem(Reply):
    doc_type: str
    title: str
    required: int
    received: int
    missing: int


class Checklist(Reply):
    required: list[str]
    received: list[str]
    missing: list[str]
    items: list[ChecklistItem]
    complete: bool


class Case(Reply):
    reference: str = Field(examples=["CLM-2026-000123"])
    case_type: str
    status: CaseState
    status_text: str | None
    stage: str | None
    outcome: str | None
    priority: int
    channel: str | None
    customer: CustomerRef
    data: Obj | None
    open_tasks: list[OpenTask]
    waiting_for: list[str]
    documents: list[CaseDocument]
    checklist: Checklist
    flags: list[Obj]
    incident: str | None
    sla_due_at: str | None
    created_at: str | None
    updated_at: str | None
    closed_at: str | None


class CaseSummary(Reply):
    reference: str
    case_type: str
    status: str
    status_text: str | None
    outcome: str | None
    customer: CustomerRef
    created_at: str | None
    updated_at: str | None


class CasePage(Reply):
    items: list[CaseSummary]
    next_cursor: str | None


class TimelineEntry(Reply):
    type: Literal["event", "interaction"]
    id: int
    kind: str
    actor: str | None
    at: str | None
    payload: Obj | None
    channel: str | None = None
    direction: str | None = None
    summary: str | None = None


class Timeline(Reply):
    items: list[TimelineEntry]


class Interaction(Reply):
    id: int
    case_reference: str
    channel: str
    direction: str
    summary: str
    agent: str
    at: str | None


class SearchHit(Reply):
    kind: str
    ref: str
    case_reference: str | None
    title: str | None
    snippet: str | None
    score: float


class SearchResult(Reply):
    query: str
    items: list[SearchHit]


class StartSchema(Reply):
    case_type: str
    name: str
    version: str
    start_schema: Obj | None = Field(description="the JSON schema of the case's start data (null: any object)")


class CaseTypes(Reply):
    items: list[StartSchema]


# -- repair -------------------------------------------------------------------------------------------------
class DataCorrection(Request):
    data: Obj
    reason: NonBlank


class Move(Request):
    to: str = Field(description="the id of the step to move to")
    reason: NonBlank


class Reason(Request):
    reason: NonBlank


# -- work items ---------------------------------------------------------------------------------------------
class WorkQuery(Query):
    queue: str | None = None
    assignee: str | None = Field(None, description="a username, 'me' or 'none'")
    state: ItemState | None = None
    overdue: bool | None = None
    case: str | None = Field(None, description="a case reference")
    limit: int = Field(100, ge=1, le=500)
    cursor: str | None = Field(None, description="next_cursor of the previous page")


class WorkItem(Reply):
    id: int
    name: str
    title: str
    queue: str
    state: ItemState
    assignee: str | None
    priority: int
    due_at: str | None
    kind: str | None
    document_id: int | None
    case_reference: str | None
    case_type: str | None
    status_text: str | None
    created_at: str | None
    claimed_at: str | None
    completed_at: str | None
    form: Obj | None = Field(None, description="the JSON schema of the task's form (see Form_<case type>_<task>)")
    data: Obj | None = None


class WorkItemPage(Reply):
    items: list[WorkItem]
    next_cursor: str | None


class Completion(Request):
    data: Obj = Field(description="the form data: it must satisfy the item's form schema")


# -- documents ----------------------------------------------------------------------------------------------
class Upload(BaseModel):
    file: Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})] = Field(
        description="the document (PDF, image, e-mail, office file)")
    channel: str | None = None


class Document(Reply):
    id: int
    status: DocumentState
    filename: str
    media_type: str | None
    size: int
    sha256: str
    doc_type: str | None
    confidence: float | None
    confident: bool | None
    pages: int | None
    ocr_pages: int | None
    fields: list[Obj] = Field(description="the fields read from the document, each with its value, page and box")
    flags: list[Obj] | None
    case_reference: str | None
    error: str | None
    channel: str | None
    uploaded_by: str | None
    created_at: str | None
    processed_at: str | None


class Uploaded(Document):
    duplicate: bool


class Page(Reply):
    number: int
    width: float | None
    height: float | None
    ocr: bool | None
    rotation: int | None
    text: str | None
    words: list[Any] | None


class PageImageQuery(Query):
    width: int = Field(1240, ge=100, le=4000)


# -- customers ----------------------------------------------------------------------------------------------
class CustomerQuery(Query):
    q: str = Field(min_length=1, max_length=200, description="a name, e-mail, phone, reference or policy number")
    limit: int = Field(20, ge=1, le=50)


class CustomerTask(Reply):
    title: str
    queue: str
    due_at: str | None


class CustomerCase(Reply):
    reference: str
    case_type: str
    status: str
    status_text: str | None
    stage: str | None
    outcome: str | None
    sla_due_at: str | None
    created_at: str | None
    updated_at: str | None
    channel: str | None
    waiting_for: list[str]
    open_tasks: list[CustomerTask]


class FoundCustomer(Reply):
    id: int
    name: str
    email: str | None
    phone: str | None
    open_cases: int
    matched_by: str
    cases: list[CustomerCase]


class FoundCustomers(Reply):
    query: str
    items: list[FoundCustomer]


class Identifier(Reply):
    kind: str
    value: str


class PartyRef(Reply):
    id: int
    name: str


class Customer(Reply):
    id: int
    name: str
    email: str | None
    phone: str | None
    identifiers: list[Identifier]
    cases: list[CustomerCase]
    merged_into: int | None
    merged_from: list[PartyRef]


class Unmerged(Reply):
    from_: int = Field(alias="from")
    into: int
    moved: Obj
    reason: NonBlank


# -- processes ----------------------------------------------------------------------------------------------
class VersionQuery(Query):
    case_type: str | None = None


class ProcessVersion(Reply):
    id: int
    case_type: str
    name: str
    version: str
    created_at: str
    deployed_by: str | None
    current: bool
    running_cases: int
    total_cases: int


class BrokenProcess(Reply):
    case_type: str
    problems: list[str]


class ProcessVersions(Reply):
    items: list[ProcessVersion]
    broken: list[BrokenProcess]


class Migration(Request):
    case_type: str
    from_version: int | str
    to_version: int | str
    dry_run: bool = True


class MigrationRow(Reply):
    reference: str
    result: str
    steps: dict[str, str]
    reasons: list[str] | None = None


class MigrationReport(Reply):
    case_type: str
    from_version_id: int
    to_version_id: int
    dry_run: bool
    total: int
    movable: int
    moved: int
    cannot_move: list[MigrationRow]
    cases: list[MigrationRow]


# -- channels -----------------------------------------------------------------------------------------------
class Subscription(Request):
    url: str = Field(description="http:// or https:// address of the receiver")
    events: list[str] = Field(min_length=1)


class Webhook(Reply):
    id: int
    url: str
    events: list[str]
    active: bool
    created_by: str | None
    created_at: str | None
    secret: str | None = Field(None, description="signing secret; only in the answer to the subscription")


class Webhooks(Reply):
    items: list[Webhook]
    event_types: list[str]


class DeliveryQuery(Query):
    status: DeliveryState | None = None
    limit: int = Field(100, ge=1, le=1000)


class Delivery(Reply):
    n: int
    event_id: str
    type: str
    status: DeliveryState
    attempts: int
    next_attempt_at: str | None
    delivered_at: str | None
    last_status: int | None
    last_error: str | None
    log: list[Obj] | None
    created_at: str | None


class Deliveries(Reply):
    items: list[Delivery]


class SelfServiceLink(Reply):
    url: str
    expires_at: str | None


class Health(Reply):
    status: Literal["ok"]
    processes: list[str]
