"""E-mail out: the customer notifications a process names, written from designer-edited templates into an
outbox and sent over SMTP by the worker: retried while nothing was sent, never sent twice.

A process step ``customer.notify`` (channel ``email``) emits ``customer_notified``; the relay turns it into a
``Notification`` row in one transaction with its cursor (exactly one per event). The text comes from
``processes/<case type>/notifications/<language>/<step id>.txt`` (first line ``Subject: ...``, a blank line,
then the body), with ``{name}`` placeholders from the case data plus ``reference``, ``customer_name``,
``status_text``, ``message`` (the text the BPMN step gave) and ``self_service_url``. No template: the step's
own text is sent. The language is the case data's ``language`` (else ``en``).

Never twice: a notification is marked ``sending`` and committed before the SMTP conversation. If the server
refuses it (4xx) or cannot be reached, nothing was sent and it is retried with backoff; if the conversation
breaks after the message was handed over (a crash, a dropped connection), it is not retried: it becomes
``failed`` with a note for a person to check, because a second copy cannot be taken back.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.bpmn.templates import render
from engine.context import Context
from engine.db import changed_rows
from engine.models import Case, Notification
from engine.services import selfservice
from engine.services.instances import add_event
from engine.services.outbox import OutboxEvent

log = logging.getLogger("caseworks.notify")
DEFAULT_LANGUAGE = "en"
SMTP_TIMEOUT = 10.0
RETRY_FIRST, RETRY_MAX, GIVE_UP_AFTER = timedelta(seconds=30), timedelta(hours=1), timedelta(hours=24)
STUCK_AFTER = timedelta(minutes=10)  # a notification 'sending' this long was interrupted mid-conversation
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class Unsent(Exception):
    """The server did not take the message: safe to try again later."""


class Refused(Exception):
    """The server refused it for good (5xx): trying again will not help."""


def template_dir(ctx: Context, case_type: str) -> Path:
    try:
        source = ctx.processes.current(case_type).source_dir
    except Exception:  # noqa: BLE001 - a case type no longer deployed still gets the step's own text
        source = ""
    return Path(source) if source else ctx.settings.processes_dir / case_type


def load_template(ctx: Context, case_type: str, language: str, step: str) -> str | None:
    base = template_dir(ctx, case_type) / "notifications"
    for lang in dict.fromkeys((language, DEFAULT_LANGUAGE)):
        path = base / lang / f"{step}.txt"
        if step and lang.isalnum() and path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def compose(template: str | None, values: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) from a template, or from the step's own text."""
    if template is None:
        return f"About your {values['case_type']} {values['reference']}", \
            f"{values['message']}\n\nSee where it stands and send documents: {values['self_service_url']}\n"
    head, _, body = template.partition("\n")
    if head.lower().startswith("subject:"):
        subject = head.split(":", 1)[1].strip()
        body = body.lstrip("\n")
    else:
        subject, body = f"About your {values['case_type']} {values['reference']}", template
    return render(subject, values).replace("\n", " ")[:300], render(body, values)


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "caseworks.localhost"


def write_notifications(ctx: Context, session: Session, events: list[OutboxEvent]) -> None:
    """The relay's consumer: one outbox row per e-mail notification event (with the customer's link)."""
    for event in events:
        if event.kind != "customer_notified" or event.case_id is None or event.payload.get("channel") != "email":
            continue
        case = session.get_one(Case, event.case_id)
        link = selfservice.ensure_link(ctx, session, case, "system")
        data = {k: v for k, v in (case.data or {}).items() if isinstance(v, (str, int, float))}
        values = {**data, "reference": case.reference, "case_type": case.case_type.replace("_", " "),
                  "customer_name": case.party.name, "status_text": case.status_text or "",
                  "message": event.payload.get("text", ""), "self_service_url": selfservice.url_of(ctx, link)}
        step = str(event.payload.get("step") or "")
        language = str((case.data or {}).get("language") or DEFAULT_LANGUAGE)
        subject, body = compose(load_template(ctx, case.case_type, language, step), values)
        now = ctx.clock.now()
        session.add(Notification(
            event_id=event.id, case_id=case.id, step=step or "notify", to_address=case.party.email, subject=subject,
            body=body, message_id=make_msgid(domain=_domain(ctx.settings.mail_from)).strip("<>"),
            status=PENDING if case.party.email else FAILED, attempts=0, next_attempt_at=now, created_at=now,
            last_error=None if case.party.email else "the customer has no e-mail address"))
        if not case.party.email:
            add_event(session, case.id, "notification_not_sent", "system",
                      {"step": step, "reason": "the customer has no e-mail address"}, now)


# -- sending (the worker) -------------------------------------------------------------------------------------
def _message(ctx: Context, n: Notification) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = ctx.settings.mail_from
    msg["To"] = n.to_address or ""
    msg["Subject"] = n.subject
    msg["Message-ID"] = f"<{n.message_id}>"
    msg["Date"] = format_datetime(ctx.clock.now())
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(n.body)
    return msg


def _connect(ctx: Context) -> smtplib.SMTP:
    s = ctx.settings
    try:
        if s.smtp_security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT)
            if s.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
        if s.smtp_user:
            server.login(s.smtp_user, s.smtp_password)
    except (OSError, smtplib.SMTPException) as err:
        raise Unsent(f"could not reach the mail server {s.smtp_host}:{s.smtp_port}: {err}") from err
    return server


def _send(server: smtplib.SMTP, msg: EmailMessage) -> None:
    """Hand one message over; say whether a failure left it unsent (retry) or refused for good."""
    try:
        server.send_message(msg)
    except smtplib.SMTPRecipientsRefused as err:
        codes = [code for code, _ in err.recipients.values()]
        if all(400 <= c < 500 for c in codes):
            raise Unsent(f"the mail server deferred the recipient: {err.recipients}") from err
        raise Refused(f"the mail server refused the recipient: {err.recipients}") from err
    except smtplib.SMTPResponseException as err:
        if 400 <= err.smtp_code < 500:
            raise Unsent(f"the mail server answered {err.smtp_code} {err.smtp_error!r}") from err
        raise Refused(f"the mail server answered {err.smtp_code} {err.smtp_error!r}") from err


def _take(ctx: Context, notification_id: int) -> bool:
    with ctx.write() as session:
        taken = session.execute(update(Notification).where(Notification.id == notification_id,
                                                           Notification.status == PENDING)
                                .values(status=SENDING, attempts=Notification.attempts + 1,
                                        next_attempt_at=ctx.clock.now())  # when it was taken (see the sweep)
                                .execution_options(synchronize_session=False))
        return changed_rows(taken) == 1


def _finish(ctx: Context, notification_id: int, error: str | None, retry: bool) -> None:
    with ctx.write() as session:
        n = session.get_one(Notification, notification_id)
        now = ctx.clock.now()
        n.last_error = error
        if error is None:
            n.status, n.sent_at = SENT, now
            _log_sent(session, n, now)
        elif retry and now - n.created_at < GIVE_UP_AFTER:
            n.status = PENDING
            n.next_attempt_at = now + min(RETRY_FIRST * (2 ** max(0, n.attempts - 1)), RETRY_MAX)
        else:
            n.status = FAILED
            add_event(session, n.case_id, "notification_failed", "system", {"step": n.step, "subject": n.subject,
                                                                           "reason": error}, now)


def _log_sent(session: Session, n: Notification, now: datetime) -> None:
    """The sent mail as an outbound ``email`` interaction on the timeline (the customer sees it too)."""
    selfservice.record_interaction(session, session.get_one(Case, n.case_id), "email", "outbound", n.subject, now,
                                   notification_id=n.id, step=n.step, to=n.to_address)


def _sweep_interrupted(ctx: Context) -> None:
    with ctx.write() as session:
        stuck = session.scalars(select(Notification).where(
            Notification.status == SENDING, Notification.next_attempt_at < ctx.clock.now() - STUCK_AFTER))
        for n in stuck:
            n.status = FAILED
            n.last_error = ("sending was interrupted; the customer may or may not have received it. "
                            "Check the mail server's log before sending it again")
            add_event(session, n.case_id, "notification_failed", "system",
                      {"step": n.step, "subject": n.subject, "reason": n.last_error}, ctx.clock.now())


def send_due(ctx: Context, limit: int = 50) -> int:
    """Send the due notifications over one SMTP connection; returns how many were sent."""
    if not ctx.settings.smtp_host:
        return 0  # no mail server configured: they wait in the outbox
    _sweep_interrupted(ctx)
    with ctx.read() as session:
        due = list(session.scalars(select(Notification.id).where(
            Notification.status == PENDING, Notification.next_attempt_at <= ctx.clock.now())
            .order_by(Notification.id).limit(limit)))
    if not due:
        return 0
    sent = 0
    try:
        server = _connect(ctx)
    except Unsent as err:
        log.warning("%s", err)
        for notification_id in due:
            if _take(ctx, notification_id):
                _finish(ctx, notification_id, str(err), retry=True)
        return 0
    with server:
        for notification_id in due:
            if not _take(ctx, notification_id):
                continue
            with ctx.read() as session:
                msg = _message(ctx, session.get_one(Notification, notification_id))
            try:
                _send(server, msg)
            except Unsent as err:
                _finish(ctx, notification_id, str(err), retry=True)
                continue
            except Refused as err:
                _finish(ctx, notification_id, str(err), retry=False)
                continue
            except (OSError, smtplib.SMTPException) as err:  # broke mid-conversation: maybe delivered
                _finish(ctx, notification_id, f"the connection broke while sending ({err}); the customer may "
                        "have received it: check the mail server's log before sending again", retry=False)
                break
            _finish(ctx, notification_id, None, retry=False)
            sent += 1
    return sent
