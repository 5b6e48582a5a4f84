"""Webhooks: subscriptions per event type, signed deliveries in order per case, retries for a day, replay.

A delivery's body is fixed when the relay fans the event out, so every retry and replay sends the same bytes
(receivers deduplicate by the event ``id``). The signature follows the scheme the large payment and
code-hosting platforms use: ``Caseworks-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``,
so a receiver can check both who sent it and that it is fresh.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session, aliased

from engine.context import Context
from engine.errors import NotFound, ValidationFailed
from engine.models import Webhook, WebhookDelivery
from engine.services.cases import iso
from engine.services.outbox import OutboxEvent

# internal event kind -> public event type
EVENT_TYPES = {
    "case_opened": "case.opened",
    "status_changed": "case.status_changed",
    "work_item_created": "work_item.created",
    "document_needs_attention": "work_item.created",  # document intake items (route, classify)
    "work_item_completed": "work_item.completed",
    "document_indexed": "document.indexed",
    "data_mismatch": "flag.raised",
    "case_closed": "case.closed",
}
PUBLIC_TYPES = tuple(dict.fromkeys(EVENT_TYPES.values()))
CONNECT_TIMEOUT, READ_TIMEOUT = 3.0, 5.0  # a slow receiver holds one worker thread this long, never a request
GIVE_UP_AFTER = timedelta(hours=25)
FIRST_RETRY, MAX_RETRY = timedelta(seconds=10), timedelta(hours=1)
LOG_KEEP = 20
PASS_SECONDS = 20.0  # then the channels thread sends mail and reads the mailbox before delivering more
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def _validate(url: Any, events: Any) -> tuple[str, list[str]]:
    errors: dict[str, str] = {}
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        errors["url"] = "must be an http:// or https:// address with a host name (at most 2000 characters)"
    elif parts.username or parts.password:
        errors["url"] = "must not carry a user name or password; the signature proves who sends"
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        errors["events"] = f"must be a non-empty list of event types: {', '.join(PUBLIC_TYPES)}"
    elif unknown := sorted(set(events) - set(PUBLIC_TYPES)):
        errors["events"] = f"unknown event type(s) {', '.join(unknown)}; use: {', '.join(PUBLIC_TYPES)}"
    if errors:
        raise ValidationFailed("the webhook subscription is not valid", details=errors)
    return url, sorted(set(events))


def _view(hook: Webhook, secret: bool = False) -> dict[str, Any]:
    view = {"id": hook.id, "url": hook.url, "events": hook.events, "active": hook.active,
            "created_by": hook.created_by, "created_at": iso(hook.created_at)}
    if secret:
        view["secret"] = hook.secret
    return view


def subscribe(ctx: Context, url: Any, events: Any, actor: str) -> dict[str, Any]:
    """A new subscription; the signing secret is shown in this answer only."""
    url, events = _validate(url, events)
    with ctx.write() as session:
        hook = Webhook(url=url, events=events, secret="whsec_" + secrets.token_urlsafe(32), active=True,
                       created_by=actor, created_at=ctx.clock.now())
        session.add(hook)
        session.flush()
        return _view(hook, secret=True)


def _load(session: Session, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound(f"no webhook {webhook_id}")
    return hook


def list_webhooks(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as session:
        return [_view(h) for h in session.scalars(select(Webhook).order_by(Webhook.id))]


def get_webhook(ctx: Context, webhook_id: int) -> dict[str, Any]:
    with ctx.read() as session:
        return _view(_load(session, webhook_id))


def unsubscribe(ctx: Context, webhook_id: int) -> None:
    """Stop and forget a subscription and its delivery log."""
    with ctx.write() as session:
        hook = _load(session, webhook_id)
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
        session.delete(hook)


def _delivery_view(d: WebhookDelivery) -> dict[str, Any]:
    return {"n": d.id, "event_id": f"evt_{d.event_id}", "type": d.event_type, "status": d.status,
            "attempts": d.attempts, "next_attempt_at": iso(d.next_attempt_at) if d.status == PENDING else None,
            "delivered_at": iso(d.delivered_at), "last_status": d.last_status, "last_error": d.last_error,
            "log": d.log, "created_at": iso(d.created_at)}


def deliveries(ctx: Context, webhook_id: int, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The delivery log, newest first."""
    if status is not None and status not in (PENDING, DELIVERED, FAILED):
        raise ValidationFailed("invalid status filter", details={"status": "must be pending, delivered or failed"})
    with ctx.read() as session:
        _load(session, webhook_id)
        query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
        if status:
            query = query.where(WebhookDelivery.status == status)
        return [_delivery_view(d) for d in session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit))]


def replay(ctx: Context, webhook_id: int, n: int, actor: str) -> dict[str, Any]:
    """Send a delivery again now (same body and event id), with a new day of retries."""
    with ctx.write() as session:
        d = session.get(WebhookDelivery, n)
        if d is None or d.webhook_id != webhook_id:
            raise NotFound(f"webhook {webhook_id} has no delivery {n}")
        now = ctx.clock.now()
        d.status, d.next_attempt_at, d.first_attempt_at = PENDING, now, None
        d.log = [*d.log, {"at": iso(now), "replay_by": actor}][-LOG_KEEP:]
        session.flush()
        return _delivery_view(d)


# -- fan-out (called by the relay inside its transaction) -----------------------------------------------------
def envelope(event: OutboxEvent, event_type: str) -> dict[str, Any]:
    return {"id": f"evt_{event.id}", "type": event_type, "occurred_at": iso(event.created_at),
            "case_reference": event.case_reference, "data": event.payload}


def fan_out(ctx: Context, session: Session, events: list[OutboxEvent]) -> None:
    """One delivery per subscribed webhook and event (events from before a subscription are not sent)."""
    hooks = list(session.scalars(select(Webhook).where(Webhook.active.is_(True))))
    if not hooks:
        return
    now = ctx.clock.now()
    rows: list[dict[str, Any]] = []
    for event in events:
        event_type = EVENT_TYPES.get(event.kind)
        if event_type is None:
            continue
        body = json.dumps(envelope(event, event_type), separators=(",", ":"), default=str)
        rows += [dict(webhook_id=h.id, event_id=event.id, event_type=event_type, case_id=event.case_id, body=body,
                      status=PENDING, attempts=0, next_attempt_at=now, log=[], created_at=now)
                 for h in hooks if event_type in h.events and event.created_at >= h.created_at]
    if rows:
        session.execute(WebhookDelivery.__table__.insert(), rows)


# -- delivery (the worker) -------------------------------------------------------------------------------------
def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, tolerance: float = 300.0, now: float | None = None) -> bool:
    """What a receiver does (and the tests): recompute the HMAC and check the time stamp is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    fresh = abs((now if now is not None else time.time()) - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class Due:
    id: int
    webhook_id: int
    url: str
    secret: str
    event_type: str
    body: str
    attempts: int
    first_attempt_at: datetime | None


def _due(ctx: Context, limit: int) -> list[Due]:
    """Due deliveries that are first in line for their case (an earlier one still pending holds them back)."""
    earlier = aliased(WebhookDelivery)
    d = WebhookDelivery
    blocked = exists().where(and_(earlier.webhook_id == d.webhook_id, earlier.case_id == d.case_id,
                                  earlier.status == PENDING, earlier.id < d.id))
    query = (select(d.id, d.webhook_id, Webhook.url, Webhook.secret, d.event_type, d.body, d.attempts,
                    d.first_attempt_at).join(Webhook, Webhook.id == d.webhook_id)
             .where(d.status == PENDING, d.next_attempt_at <= ctx.clock.now(), Webhook.active.is_(True), ~blocked)
             .order_by(d.id).limit(limit))
    with ctx.read() as session:
        return [Due(*row) for row in session.execute(query)]


def _post(http: requests.Session, due: Due, now: datetime) -> tuple[int | None, str | None]:
    body = due.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Caseworks-Webhooks/1",
               "Caseworks-Event": due.event_type, "Caseworks-Delivery": str(due.id),
               "Caseworks-Signature": signature(due.secret, body, int(now.timestamp()))}
    try:
        response = http.post(due.url, data=body, headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                             allow_redirects=False)
    except requests.RequestException as err:
        return None, f"{type(err).__name__}: {str(err)[:300]}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"the receiver answered HTTP {response.status_code}"


def backoff(attempts: int) -> timedelta:
    doubling: int = 2 ** max(0, attempts - 1)
    return min(FIRST_RETRY * doubling, MAX_RETRY)


def _record(ctx: Context, due: Due, status: int | None, error: str | None, started: datetime, ms: int) -> None:
    with ctx.write() as session:
        d = session.get(WebhookDelivery, due.id)
        if d is None or d.status != PENDING:
            return  # unsubscribed meanwhile
        now = ctx.clock.now()
        d.attempts += 1
        d.first_attempt_at = d.first_attempt_at or started
        d.last_status, d.last_error = status, error
        d.log = [*d.log, {"at": iso(started), "status": status, "error": error, "ms": ms}][-LOG_KEEP:]
        if error is None:
            d.status, d.delivered_at = DELIVERED, now
        elif now - d.first_attempt_at >= GIVE_UP_AFTER:
            d.status = FAILED
        else:
            d.next_attempt_at = now + backoff(d.attempts)


def deliver_due(ctx: Context, limit: int = 200, http: requests.Session | None = None) -> int:
    """Send what is due, first in line per case; a webhook that does not answer is skipped for the rest of the
    pass (its other deliveries wait without spending attempts). Returns how many were delivered."""
    http = http or requests.Session()
    delivered, begin = 0, time.monotonic()
    down: set[int] = set()
    while time.monotonic() - begin < PASS_SECONDS:
        batch = [d for d in _due(ctx, limit) if d.webhook_id not in down]
        progress = 0
        for due in batch:
            if due.webhook_id in down:
                continue
            started = ctx.clock.now()
            clock = time.monotonic()
            status, error = _post(http, due, started)
            _record(ctx, due, status, error, started, int((time.monotonic() - clock) * 1000))
            if error is None:
                delivered += 1
                progress += 1
            else:
                down.add(due.webhook_id)
        if not progress:
            break
    return delivered
