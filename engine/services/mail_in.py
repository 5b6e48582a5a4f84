"""E-mail in: each mail becomes an inbound ``email`` interaction on its case, its attachments go through capture.

Which case: a reply stays on the case of the mail or notification it answers (In-Reply-To / References); else
exactly one existing case named by reference in the subject (then the body); else the sender's address known
for exactly one customer with exactly one open case. Anything else is a "Route inbound e-mail" work item:
a person decides, nothing is guessed. A mail is recorded once per Message-ID, in one transaction with its
interaction (or routing item) and the job that captures its attachments, so a fetch that crashes and runs
again neither loses nor doubles anything.
"""
from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import search
from engine.context import Context
from engine.errors import CaseworksError, ValidationFailed
from engine.models import Case, CaseStatus, InboundMail, Interaction, Job, Notification, PartyIdentifier, WorkItem
from engine.services import documents
from engine.services.instances import add_event, add_events, item_created_events, load_case
from engine.services.intake import INTAKE_QUEUE, REFERENCE
from engine.services.parties import normalize

ROUTE_EMAIL = "route_email"
ATTACHMENTS_JOB = "capture_mail_attachments"
FORMS: dict[str, dict[str, Any]] = {
    ROUTE_EMAIL: {"type": "object", "required": ["case_reference"], "title": "Route inbound e-mail",
                  "description": "Which case does this e-mail belong to? Its attachments follow it there.",
                  "properties": {"case_reference": {"type": "string", "title": "Case reference",
                                                    "pattern": r"^[A-Z]{3}-\d{4}-\d{6}$"}}},
}
MAX_SUMMARY = 2000


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    replies_to: tuple[str, ...]
    attachments: tuple[Attachment, ...] = field(default=())


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", value or "")


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError):
        content = body.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    if body.get_content_subtype() == "html":
        content = re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", content))
    return str(content)


def _attachments(msg: EmailMessage) -> tuple[Attachment, ...]:
    """Files sent with the mail; pictures embedded in the text (a logo in a signature, with a Content-ID)
    are part of the message's look, not documents."""
    found = []
    for part in msg.iter_attachments():
        disposition = part.get_content_disposition()
        if disposition != "attachment" and (part.get("Content-ID") or not part.get_filename()):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            found.append(Attachment(part.get_filename() or "attachment", data))
    return tuple(found)


def parse(raw: bytes) -> Mail:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    ids = _ids(str(msg.get("Message-ID", "")))
    # no Message-ID (rare, but seen): the bytes themselves identify it, so a second fetch still finds it
    message_id = ids[0] if ids else "sha256:" + hashlib.sha256(raw).hexdigest()
    name, address = parseaddr(str(msg.get("From", "")))
    replies = _ids(str(msg.get("In-Reply-To", ""))) + _ids(str(msg.get("References", "")))
    return Mail(message_id=message_id[:500], sender=address.strip().lower(), sender_name=name,
                subject=str(msg.get("Subject", "")).strip(), text=_text(msg), replies_to=tuple(dict.fromkeys(replies)),
                attachments=_attachments(msg))


# -- matching ------------------------------------------------------------------------------------------------
def _by_thread(session: Session, mail: Mail) -> set[int]:
    if not mail.replies_to:
        return set()
    ids = list(mail.replies_to)
    found = set(session.scalars(select(InboundMail.case_id).where(InboundMail.message_id.in_(ids),
                                                                  InboundMail.case_id.is_not(None))))
    found |= set(session.scalars(select(Notification.case_id).where(Notification.message_id.in_(ids))))
    return {c for c in found if c is not None}


def _by_reference(session: Session, text: str) -> set[int]:
    refs = set(REFERENCE.findall(text))
    return set(session.scalars(select(Case.id).where(Case.reference.in_(refs)))) if refs else set()


def _by_sender(session: Session, sender: str) -> set[int]:
    if not sender:
        return set()
    parties = set(session.scalars(select(PartyIdentifier.party_id).where(
        PartyIdentifier.kind == "email", PartyIdentifier.value == normalize("email", sender))))
    if len(parties) != 1:
        return set()
    return set(session.scalars(select(Case.id).where(Case.party_id == parties.pop(),
                                                     Case.status != CaseStatus.CLOSED.value)))


def match(session: Session, mail: Mail) -> tuple[int | None, str]:
    """(case id, how it was found) or (None, why a person must decide)."""
    finders: tuple[tuple[str, Callable[[], set[int]]], ...] = (
        ("thread", lambda: _by_thread(session, mail)),
        ("reference in subject", lambda: _by_reference(session, mail.subject)),
        ("reference in text", lambda: _by_reference(session, mail.text)),
        ("sender's only open case", lambda: _by_sender(session, mail.sender)))
    for how, found in finders:  # in order of strength; the later ones are only asked when the earlier find nothing
        cases = found()
        if len(cases) == 1:
            return cases.pop(), how
        if len(cases) > 1:
            return None, f"{how} points at {len(cases)} cases"
    return None, "no case reference, thread or known sender with one open case"


# -- taking a mail in ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    message_id: str
    new: bool
    case_reference: str | None
    matched_by: str


def take_in(ctx: Context, raw: bytes) -> Outcome:
    """Record one mail (once per Message-ID): interaction on its case or a routing item, and the job that
    captures its attachments, in one transaction. Blobs are stored first (content-addressed, so harmless)."""
    mail = parse(raw)
    blob = ctx.blobs.put(raw)
    stored = [{"filename": a.filename[:255], "sha256": ctx.blobs.put(a.data), "size": len(a.data)}
              for a in mail.attachments]
    try:
        return _record(ctx, mail, blob, stored)
    except IntegrityError:  # another fetcher (the worker, the command) recorded the same mail a moment ago
        return _recorded(ctx, mail)


def _recorded(ctx: Context, mail: Mail) -> Outcome:
    with ctx.read() as session:
        existing = session.scalar(select(InboundMail).where(InboundMail.message_id == mail.message_id))
        assert existing is not None
        reference = session.scalar(select(Case.reference).where(Case.id == existing.case_id)) \
            if existing.case_id else None
        return Outcome(mail.message_id, False, reference, existing.matched_by or "")


def _record(ctx: Context, mail: Mail, blob: str, stored: list[dict[str, Any]]) -> Outcome:
    job_id = None
    with ctx.write() as session:
        if session.scalar(select(InboundMail.id).where(InboundMail.message_id == mail.message_id)) is not None:
            return _recorded(ctx, mail)
        case_id, how = match(session, mail)
        now = ctx.clock.now()
        row = InboundMail(message_id=mail.message_id, case_id=case_id, sender=mail.sender[:320],
                          subject=mail.subject, blob_key=blob, matched_by=how[:40], attachments=stored, received_at=now)
        session.add(row)
        session.flush()
        if case_id is None:
            _route(ctx, session, row, mail, how)
            return Outcome(mail.message_id, True, None, how)
        case = session.get_one(Case, case_id)
        job_id = _land(ctx, session, row, case, mail)
        reference = case.reference
    if job_id is not None:
        ctx.jobs.dispatch([job_id])
    return Outcome(mail.message_id, True, reference, how)


def _summary(mail: Mail) -> str:
    files = f" ({len(mail.attachments)} attachment{'s' if len(mail.attachments) != 1 else ''})" \
        if mail.attachments else ""
    return f"{mail.subject or '(no subject)'}{files}"[:MAX_SUMMARY]


def _land(ctx: Context, session: Session, row: InboundMail, case: Case, mail: Mail) -> int | None:
    """The interaction on the case's timeline, and the capture job for its attachments."""
    now = ctx.clock.now()
    item = Interaction(case_id=case.id, party_id=case.party_id, channel="email", direction="inbound",
                       summary=_summary(mail), agent=None, occurred_at=now)
    session.add(item)
    session.flush()
    # Words from someone other than the customer never reach the customer's page (anyone can write a reference).
    own = session.scalar(select(PartyIdentifier.id).where(
        PartyIdentifier.party_id == case.party_id, PartyIdentifier.kind == "email",
        PartyIdentifier.value == normalize("email", row.sender))) is not None
    add_event(session, case.id, "interaction", f"email:{row.sender}"[:120],
              {"interaction_id": item.id, "channel": "email", "direction": "inbound", "summary": item.summary,
               "from": row.sender, "mail_id": row.id, "matched_by": row.matched_by, "customer_visible": own,
               "attachments": [{"filename": f["filename"], "sha256": f["sha256"]} for f in row.attachments]}, now)
    search.index(session, "interaction", str(item.id), case.id, f"{case.reference} email inbound {mail.subject}",
                 mail.text[:20000])
    if not row.attachments:
        return None
    job = Job(kind=ATTACHMENTS_JOB, payload={"mail_id": row.id}, run_at=now, created_at=now)
    session.add(job)
    session.flush()
    return job.id


def _route(ctx: Context, session: Session, row: InboundMail, mail: Mail, why: str) -> None:
    now = ctx.clock.now()
    item = WorkItem(kind=ROUTE_EMAIL, case_id=None, name=ROUTE_EMAIL, title=FORMS[ROUTE_EMAIL]["title"],
                    queue=INTAKE_QUEUE, state="ready", priority=0, due_at=now + timedelta(days=1), created_at=now)
    session.add(item)
    session.flush()
    row.route_item_id = item.id
    add_events(session, item_created_events(None, [{"id": item.id, "name": item.name, "title": item.title,  # type: ignore[arg-type]
                                                    "queue": item.queue, "due_at": item.due_at}], now))
    add_event(session, None, "email_needs_routing", "email", {"mail_id": row.id, "from": row.sender,
                                                              "subject": mail.subject, "why": why,
                                                              "work_item": item.id}, now)


def complete_route(ctx: Context, session: Session, item: WorkItem, data: dict[str, Any], actor: str) -> None:
    """A person said which case the mail belongs to: it lands there as if it had been matched."""
    row = session.scalar(select(InboundMail).where(InboundMail.route_item_id == item.id))
    if row is None:
        raise ValidationFailed("this work item has no e-mail to route")
    case = session.scalar(select(Case).where(Case.reference == data["case_reference"]))
    if case is None:
        raise ValidationFailed("no such case", details={"case_reference": "no case has this reference"})
    row.case_id, row.matched_by = case.id, f"routed by {actor}"[:40]
    item.case_id = case.id
    session.execute(WorkItem.__table__.update().where(WorkItem.id == item.id).values(case_id=case.id))
    mail = parse(ctx.blobs.get(row.blob_key))
    _land(ctx, session, row, case, mail)  # its attachment job is found by the workers' sweep


def capture_attachments(ctx: Context, payload: dict[str, Any]) -> None:
    """The job: each attachment through the same upload path as any document (deduplicated per case, so a
    retried job adds nothing twice); a file capture cannot take is noted on the timeline, not retried."""
    with ctx.read() as session:
        row = session.get_one(InboundMail, int(payload["mail_id"]))
        reference = load_case_reference(session, row.case_id)
        attachments, sender = list(row.attachments), row.sender
    for att in attachments:
        try:
            documents.upload(ctx, documents.Upload(att["filename"], ctx.blobs.get(att["sha256"]), "email", reference),
                             f"email:{sender}"[:120])
        except CaseworksError as err:
            with ctx.write() as session:
                case = load_case(session, reference)
                add_event(session, case.id, "email_attachment_refused", "email",
                          {"filename": att["filename"], "reason": err.message}, ctx.clock.now())


def load_case_reference(session: Session, case_id: int | None) -> str:
    reference = session.scalar(select(Case.reference).where(Case.id == case_id)) if case_id else None
    if reference is None:
        raise ValidationFailed("the e-mail is not on a case yet")
    return reference


__all__ = ["take_in", "parse", "match", "complete_route", "capture_attachments", "FORMS", "ROUTE_EMAIL"]


def mail_for_item(ctx: Context, item_id: int) -> dict[str, Any] | None:
    """What a person routing an e-mail needs to see: sender, subject, the text and the attachments' names."""
    with ctx.read() as session:
        row = session.scalar(select(InboundMail).where(InboundMail.route_item_id == item_id))
        if row is None:
            return None
        sender, subject, key, files, why = row.sender, row.subject, row.blob_key, row.attachments, row.matched_by
    mail = parse(ctx.blobs.get(key))
    return {"from": sender, "subject": subject, "text": mail.text[:5000], "why": why,
            "attachments": [f["filename"] for f in files]}
