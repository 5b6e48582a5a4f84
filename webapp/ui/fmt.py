"""How the UI words things: SLA badges ("due in 2 h", "overdue by 1 d"), dates, and timeline entries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SOON = timedelta(hours=24)


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str  # "overdue" | "soon" | "ok" | "none"


def span(delta: timedelta) -> str:
    """A rough, readable length of time: 45 min, 2 h, 3 d."""
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 24 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} d"


def sla_badge(due_at: datetime | str | None, now: datetime) -> Badge:
    due = parse(due_at)
    if due is None:
        return Badge("no due date", "none")
    left = due - now
    if left.total_seconds() < 0:
        return Badge(f"overdue by {span(left)}", "overdue")
    return Badge(f"due in {span(left)}", "soon" if left <= SOON else "ok")


def parse(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def when(value: datetime | str | None) -> str:
    """``2 Nov 2026, 09:00 UTC``."""
    moment = parse(value)
    if moment is None:
        return ""
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def day(value: datetime | str | None) -> str:
    moment = parse(value)
    return "" if moment is None else f"{moment.day} {moment:%b %Y}"


def ago(value: datetime | str | None, now: datetime) -> str:
    moment = parse(value)
    if moment is None:
        return ""
    delta = now - moment
    return "just now" if abs(delta.total_seconds()) < 60 else (
        f"{span(delta)} ago" if delta.total_seconds() > 0 else f"in {span(delta)}")


def humanize(name: str | None) -> str:
    """``claims_triage`` -> ``Claims triage``."""
    text = (name or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


KIND_TITLES = {
    "case_opened": "Case opened",
    "step_completed": "Step done",
    "work_item_claimed": "Task claimed",
    "work_item_released": "Task released",
    "work_item_reassigned": "Task reassigned",
    "note": "Internal note",
    "work_item_completed": "Task completed",
    "interaction": "Interaction",
    "customer_notified": "Customer notified",
    "message_received": "Message received",
    "message_thrown": "Message sent",
    "document_received": "Document received",
    "document_indexed": "Document read",
    "document_linked": "Document linked",
    "document_classified": "Document classified",
    "document_failed": "Document could not be read",
    "document_needs_attention": "Document needs attention",
    "data_mismatch": "Data does not match",
    "incident": "Incident",
    "retry_requested": "Retry requested",
    "case_closed": "Case closed",
    "payment_scheduled": "Payment scheduled",
}


def timeline_title(entry: dict[str, Any]) -> str:
    kind = entry.get("kind", "")
    if kind == "interaction":
        return f"{humanize(entry.get('channel'))} ({entry.get('direction')})"
    return KIND_TITLES.get(kind, humanize(kind))


def timeline_detail(entry: dict[str, Any]) -> str:
    """One line saying what happened, from the event's payload."""
    p = entry.get("payload") or {}
    kind = entry.get("kind")
    if kind == "interaction":
        return str(entry.get("summary") or "")
    if kind == "step_completed":
        return str(p.get("name") or p.get("task") or "")
    if kind == "work_item_completed":
        decision = (p.get("data") or {}).get("decision")
        return f"{p.get('title', '')}" + (f": {decision}" if decision else "")
    if kind == "work_item_reassigned":
        return f"{p.get('title', '')}: {p.get('from') or 'nobody'} → {p.get('to')}"
    if kind == "case_opened":
        return f"via {p.get('channel', '?')}"
    if kind == "payment_scheduled":
        return f"{p.get('amount')} {p.get('currency', '')} ({p.get('instruction_id', '')})"
    if kind == "case_closed":
        return f"outcome: {p.get('outcome')}"
    for key in ("title", "summary", "message", "subject", "name", "filename", "reason", "text"):
        if p.get(key):
            return str(p[key])
    return ""


def shown(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timeline entries worth a person's attention: a passed gateway is routing, not news."""
    return [e for e in entries if not (e.get("kind") == "step_completed"
                                       and "Gateway" in str((e.get("payload") or {}).get("type", "")))]
