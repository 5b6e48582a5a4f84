"""How the UI words things: SLA badges ("due in 2 h", "overdue by 1 d"), dates, and timeline entries."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers

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


def phone(value: str | None) -> str:
    """Every phone number in one format, the international one (``+31 6 55550101``), whether it was typed with
    spaces or stored normalised; a number without a country code is shown as given (guessing one would be
    wrong as often as right)."""
    text = (value or "").strip()
    if not text.startswith("+"):
        return text
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def identifier_rows(customer: dict[str, Any]) -> list[tuple[str, str]]:
    """The customer's identifiers as (label, value) for the facts list: what the header shows already (e-mail,
    the main phone) is left out, and a second number is "Other phone", so no two lines read "Phone"."""
    shown_phone = phone(customer.get("phone"))
    rows, phones = [], 0
    for kind, value in customer.get("identifiers") or []:
        if kind == "email" and value == (customer.get("email") or "").strip().lower():
            continue
        if kind == "phone":
            if phone(value) == shown_phone or _digits(value) == _digits(customer.get("phone")):
                continue
            phones += 1
            rows.append(("Other phone" if phones == 1 else f"Other phone {phones}", phone(value)))
            continue
        rows.append((title_label(kind), value))
    return rows


def _digits(value: str | None) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())


def sentence(value: Any) -> str:
    """A message as a sentence: a capital first letter and one full stop (never ".." when the message
    already ended with one)."""
    text = " ".join(str(value or "").split()).rstrip(" .")
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in "?!" else text + "."


def said(*parts: Any) -> str:
    """Several sentences as one message (what happened, then what to do next), each ended once."""
    return " ".join(sentence(p) for p in parts if p and str(p).strip())


def humanize(name: str | None) -> str:
    """``claims_triage`` -> ``Claims triage``."""
    text = (name or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


ACRONYMS = {"id": "ID", "pep": "PEP", "kyc": "KYC", "vat": "VAT", "iban": "IBAN", "sla": "SLA"}


def label(name: str | None) -> str:
    """A code as words for a sentence: ``id_document`` -> ``ID document``, ``proof_of_address`` -> ``proof of
    address`` (acronyms kept in capitals, everything else lower case)."""
    return " ".join(ACRONYMS.get(w, w) for w in (name or "").lower().split("_") if w)


def title_label(name: str | None) -> str:
    """``id_document`` -> ``ID document``, ``payslip`` -> ``Payslip``: a label on its own."""
    text = label(name)
    return text[:1].upper() + text[1:]


def counted(name: str, count: int) -> str:
    """``2 payslips``, ``2 proofs of address``, ``ID document``."""
    text = label(name)
    if count == 1:
        return text
    head, sep, tail = text.partition(" of ")
    words = head.split(" ")
    words[-1] = words[-1] + ("es" if words[-1].endswith(("s", "x", "ch", "sh")) else "s")
    return f"{count} {' '.join(words)}{sep}{tail}"


def documents_phrase(names: list[str]) -> str:
    """``ID document, 2 payslips``: each missing document once, with how many are still needed."""
    counts = Counter(names)
    return ", ".join(counted(name, n) for name, n in counts.items())


def waiting_text(waiting_for: list[str], missing: list[str], documents_message: str) -> str:
    """What a waiting case waits for, in words: the customer’s documents named from the checklist when the
    awaited message is the one a complete checklist sends, otherwise the message the process waits for."""
    parts = []
    for message in waiting_for:
        if message == documents_message:
            parts.append(f"the customer’s documents: {documents_phrase(missing)}" if missing
                         else "the customer’s documents")
        else:
            parts.append(f"the message “{label(message)}”")
    return ("Waiting for " + "; ".join(parts) + ".") if parts else ""


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
    if kind in ("message_received", "message_thrown") and p.get("name"):
        return sentence(label(str(p["name"]))).rstrip(".")
    if kind == "work_item_completed":
        decision = (p.get("data") or {}).get("decision")
        return f"{p.get('title', '')}" + (f": {humanize(str(decision)).lower()}" if decision else "")
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


SYSTEM_ACTORS = frozenset({"system", "timer", "capture", "scheduler", "worker"})
ROUTINE_KINDS = frozenset({"step_completed", "message_thrown", "document_indexed", "status_changed",
                           "work_item_created"})


def is_system(entry: dict[str, Any]) -> bool:
    """Done by the engine (a step, a timer, capture reading a document), not by a person; steps recorded before
    they were attributed to the system count too."""
    return entry.get("actor") in SYSTEM_ACTORS or entry.get("kind") == "step_completed"


def actor_label(entry: dict[str, Any]) -> str:
    return "System" if is_system(entry) else str(entry.get("actor") or "")


def shown(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timeline entries worth a person's attention: a passed gateway is routing, not news."""
    return [e for e in entries if not (e.get("kind") == "step_completed"
                                       and "Gateway" in str((e.get("payload") or {}).get("type", "")))]


def timeline_groups(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Newest first, people before the system within one moment (a decision and the steps it set going share a
    time), and each run of routine system steps folded into one group. Notable system events (an incident, a
    closed case, a customer notified, a flag) stay on their own line."""
    ordered = sorted(shown(entries), key=lambda e: (str(e.get("at") or ""), not is_system(e)), reverse=True)
    groups: list[dict[str, Any]] = []
    for entry in ordered:
        routine = is_system(entry) and entry.get("kind") in ROUTINE_KINDS
        if routine and groups and groups[-1]["folded"]:
            groups[-1]["entries"].append(entry)
        else:
            groups.append({"folded": routine, "entries": [entry]})
    return groups


def folded_summary(entries: list[dict[str, Any]]) -> str:
    """``Check documents, Triage claim and 2 more``: the steps a folded group holds."""
    names = [timeline_detail(e) or timeline_title(e) for e in entries]
    names = list(dict.fromkeys(n for n in names if n))
    head = ", ".join(names[:3])
    return head + (f" and {len(names) - 3} more" if len(names) > 3 else "")
