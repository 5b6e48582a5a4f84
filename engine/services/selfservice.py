"""The customer's self-service link: a signed, expiring, revocable URL per case, and what the customer sees there.

The URL carries the link's id and a random nonce, signed with the server key (itsdangerous): the database holds
the nonce, which is useless without the key, so the same URL can be written into every notification while a
database dump alone lets nobody in. Revoking or expiry ends it at once. What the page shows is built here and
only here, from a short list of customer-safe facts: never internal notes, staff names or other customers.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.context import Context
from engine.keys import kept_secret
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import Case, CustomerFeedback, Interaction, SelfServiceLink
from engine.services import customer_view, documents
from engine.services.cases import iso
from engine.services.instances import add_event, load_case

SALT = "caseworks.self-service"
KEY_FILE = "self-service-key"
CUSTOMER = "customer"
SATISFACTION, EASE = (1, 5), (1, 7)


class LinkNotValid(NotFound):
    """Unknown, tampered, expired or revoked: the customer sees one clear page and nothing of the case."""

    code = "link_not_valid"


def signing_key(ctx: Context) -> str:
    """``CASEWORKS_SECRET_KEY`` when set; otherwise a random key kept in the home folder (created once,
    atomically, so the web processes and the worker sign alike)."""
    return kept_secret(ctx.settings.secret_key, Path(ctx.settings.home), KEY_FILE)


def _serializer(ctx: Context) -> URLSafeSerializer:
    return URLSafeSerializer(signing_key(ctx), salt=SALT)


def url_of(ctx: Context, link: SelfServiceLink, base_url: str | None = None) -> str:
    token = _serializer(ctx).dumps([link.id, link.nonce])
    return f"{(base_url or ctx.settings.public_url).rstrip('/')}/s/{token}"


def _active(session: Session, case_id: int, now: datetime) -> SelfServiceLink | None:
    return session.scalar(select(SelfServiceLink).where(
        SelfServiceLink.case_id == case_id, SelfServiceLink.revoked_at.is_(None), SelfServiceLink.expires_at > now)
        .order_by(SelfServiceLink.id.desc()).limit(1))


def ensure_link(ctx: Context, session: Session, case: Case, actor: str) -> SelfServiceLink:
    """The case's active link, or a new one (in the caller's transaction)."""
    now = ctx.clock.now()
    link = _active(session, case.id, now)
    if link is None:
        link = SelfServiceLink(case_id=case.id, nonce=secrets.token_urlsafe(24), created_by=actor, created_at=now,
                               expires_at=now + timedelta(days=ctx.settings.self_service_days))
        session.add(link)
        session.flush()
        add_event(session, case.id, "self_service_link_created", actor, {"expires_at": iso(link.expires_at)}, now)
    return link


def create_link(ctx: Context, reference: str, actor: str, base_url: str | None = None) -> dict[str, Any]:
    with ctx.write() as session:
        link = ensure_link(ctx, session, load_case(session, reference), actor)
        return {"url": url_of(ctx, link, base_url), "expires_at": iso(link.expires_at)}


def current_link(ctx: Context, reference: str, base_url: str | None = None) -> dict[str, Any] | None:
    """The active link of a case for the desk to show (None when there is none)."""
    with ctx.read() as session:
        case = load_case(session, reference)
        link = _active(session, case.id, ctx.clock.now())
        return {"url": url_of(ctx, link, base_url), "expires_at": iso(link.expires_at)} if link else None


def revoke(ctx: Context, reference: str, actor: str) -> int:
    """End every active link of the case now; returns how many were ended (0: there was none)."""
    with ctx.write() as session:
        case = load_case(session, reference)
        now = ctx.clock.now()
        links = list(session.scalars(select(SelfServiceLink).where(
            SelfServiceLink.case_id == case.id, SelfServiceLink.revoked_at.is_(None))))
        for link in links:
            link.revoked_at = now
        if links:
            add_event(session, case.id, "self_service_link_revoked", actor, {"links": len(links)}, now)
        return len(links)


def _resolve(ctx: Context, session: Session, token: str) -> tuple[SelfServiceLink, Case]:
    try:
        link_id, nonce = _serializer(ctx).loads(token)
    except (BadSignature, ValueError, TypeError) as err:
        raise LinkNotValid("this link is not valid") from err
    link = session.get(SelfServiceLink, link_id) if isinstance(link_id, int) else None
    if link is None or not secrets.compare_digest(str(link.nonce), str(nonce)):
        raise LinkNotValid("this link is not valid")
    if link.revoked_at is not None or link.expires_at <= ctx.clock.now():
        raise LinkNotValid("this link has expired or was withdrawn")
    return link, session.get_one(Case, link.case_id)


def case_of(ctx: Context, token: str) -> str:
    """The reference of the case a valid link opens (LinkNotValid otherwise)."""
    with ctx.read() as session:
        return _resolve(ctx, session, token)[1].reference


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def upload(ctx: Context, token: str, up: Upload) -> dict[str, Any]:
    """A document the customer sends from the page: the same path as every upload (capture, checklist,
    the process moves on), plus an inbound ``web`` interaction on the timeline."""
    reference = case_of(ctx, token)
    view, created = documents.upload(ctx, documents.Upload(up.filename, up.data, "web", reference), CUSTOMER)
    if created:
        log_customer_interaction(ctx, reference, "web", "inbound", f"Sent {view['filename']} from the customer page")
    return {"filename": view["filename"], "new": created}


def log_customer_interaction(ctx: Context, reference: str, channel: str, direction: str, summary: str) -> None:
    """An interaction the customer may see on their own page (it is about what they sent or were sent)."""
    with ctx.write() as session:
        record_interaction(session, load_case(session, reference), channel, direction, summary, ctx.clock.now())


def record_interaction(session: Session, case: Case, channel: str, direction: str, summary: str, now: datetime,
                       **details: Any) -> Interaction:
    """The interaction and its timeline event, marked as one the customer's page may show word for word."""
    item = Interaction(case_id=case.id, party_id=case.party_id, channel=channel, direction=direction,
                       summary=summary, agent=None, occurred_at=now)
    session.add(item)
    session.flush()
    add_event(session, case.id, "interaction", CUSTOMER if direction == "inbound" else "system",
              {"interaction_id": item.id, "channel": channel, "direction": direction, "summary": summary,
               "customer_visible": True, **details}, now)
    return item


def give_feedback(ctx: Context, token: str, satisfaction: Any, ease: Any) -> None:
    """The two questions at closure, answered once and kept on the case."""
    errors = {}
    if not _in(satisfaction, SATISFACTION):
        errors["satisfaction"] = "choose 1 to 5"
    if not _in(ease, EASE):
        errors["ease"] = "choose 1 to 7"
    if errors:
        raise ValidationFailed("please answer both questions", details=errors)
    with ctx.write() as session:
        _link, case = _resolve(ctx, session, token)
        if case.closed_at is None:
            raise Conflict("we ask for your opinion once your case is closed")
        if session.scalar(select(CustomerFeedback.id).where(CustomerFeedback.case_id == case.id)) is not None:
            raise Conflict("thank you, we already have your answers")
        now = ctx.clock.now()
        session.add(CustomerFeedback(case_id=case.id, satisfaction=int(satisfaction), ease=int(ease), created_at=now))
        add_event(session, case.id, "customer_feedback", CUSTOMER, {"satisfaction": int(satisfaction),
                                                                    "ease": int(ease)}, now)


def _in(value: Any, bounds: tuple[int, int]) -> bool:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return False
    return bounds[0] <= number <= bounds[1] and str(number) == str(value).strip()


def feedback_of(ctx: Context, reference: str) -> dict[str, Any] | None:
    with ctx.read() as session:
        case = load_case(session, reference)
        row = session.scalar(select(CustomerFeedback).where(CustomerFeedback.case_id == case.id))
        return {"satisfaction": row.satisfaction, "ease": row.ease, "at": iso(row.created_at)} if row else None


def page(ctx: Context, token: str) -> dict[str, Any]:
    """Everything the customer's page shows, and nothing else."""
    with ctx.read() as session:
        link, case = _resolve(ctx, session, token)
        return customer_view.customer_page(session, case, link.expires_at, ctx.clock.now())
