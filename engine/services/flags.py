"""Cross-checks between what a case's documents say and what the case says, and their life as flags.

A flag is raised by one document and lives in that document's ``flags`` list with a status:

- ``open``: a person has not looked at it yet. While any flag of a case is open, the engine holds back the
  automatic step that would consume the evidence (the ``documents_received`` message, after which processes
  decide, price and offer on their own) and a "Review flagged document" work item asks a person.
- ``resolved``: newer evidence answered it (a later payslip of the declared income, an ID in the customer's
  name), so nobody needs to look at it any more; its review item is cancelled.
- ``cleared`` / ``confirmed``: a person decided, with a reason that is on the timeline. A confirmed flag is
  passed to the process with the message (``flags``), so a process can send the case to a person.

The checks read only fields whose meaning fits: the period's ``net_pay`` of a payslip (never a year-to-date
figure), the ``holder_name`` of an ID document or the addressee of a proof of address.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from engine.models import Case, Document
from engine.services.parties import same_name

INCOME_TOLERANCE = 0.10  # a month's net pay differs from the declared net income by more than this share
OPEN, RESOLVED, CLEARED, CONFIRMED = "open", "resolved", "cleared", "confirmed"
DECIDED = (CLEARED, CONFIRMED)


def field_value(doc: Document, *names: str) -> str | None:
    """The first of ``names`` that capture read on the document (older captures call the holder ``name``)."""
    values = {f["name"]: f["value"] for f in doc.fields or []}
    return next((values[n] for n in names if values.get(n)), None)


def amount(value: str | None) -> float | None:
    """"4200.00 EUR" -> 4200.0; None for anything that is not a finite amount."""
    try:
        number = float(str(value).split()[0]) if value else None
    except ValueError:
        return None
    return number if number is not None and number == number and abs(number) != float("inf") else None


def _income(doc: Document, case: Case) -> str | None:
    net, declared = amount(field_value(doc, "net_pay")), amount((case.data or {}).get("monthly_income"))
    if not declared:
        return None  # nothing declared to check against
    if net is None:  # unsure is not the same as agreeing: a person reads it
        return (f"The net pay on the payslip could not be read, so the declared monthly income ({declared:,.2f}) "
                f"is not confirmed by it.")
    if abs(net - declared) / declared <= INCOME_TOLERANCE:
        return ""
    return (f"Net pay on the payslip ({net:,.2f}) differs from the declared monthly income ({declared:,.2f}) "
            f"by more than {INCOME_TOLERANCE:.0%}.")


def _holder(label: str) -> Callable[[Document, Case], str | None]:
    def check(doc: Document, case: Case) -> str | None:
        name = field_value(doc, "holder_name", "name")
        if not name:  # unsure is not the same as agreeing: a person reads it
            return f"The holder's name on the {label} could not be read, so it is not confirmed to be the customer."
        if same_name(name, case.party.name):
            return ""
        return f"The name on the {label} ({name}) is not the customer's name ({case.party.name})."
    return check


# doc type -> (flag kind, check). A check answers None (nothing to compare), "" (agrees) or what a person must look
# at: a contradiction, or a value that could not be read (never taken as agreement).
CHECKS: dict[str, tuple[str, Callable[[Document, Case], str | None]]] = {
    "payslip": ("income_mismatch", _income),
    "id_document": ("name_mismatch", _holder("identity document")),
    "proof_of_address": ("address_name_mismatch", _holder("proof of address")),
}


def evaluate(case: Case, docs: Iterable[Document]) -> list[tuple[Document, dict[str, Any], str]]:
    """Recompute every document's flags in arrival order; returns (document, flag, change) for each flag that
    was raised ("raised") or answered by newer evidence ("resolved"). A person's decision is kept."""
    changes: list[tuple[Document, dict[str, Any], str]] = []
    raised_by_kind: dict[str, list[tuple[Document, dict[str, Any]]]] = {}
    for doc in sorted(docs, key=lambda d: d.id):
        kept = [dict(f) for f in doc.flags or []]
        check = CHECKS.get(doc.doc_type or "")
        if check is None:
            continue
        kind, rule = check
        verdict = rule(doc, case)
        if verdict is None:
            continue
        if verdict == "":  # newer evidence agrees: answers the open flags of this kind raised before it
            for earlier_doc, earlier in raised_by_kind.pop(kind, []):
                if earlier["status"] == OPEN:
                    earlier["status"] = RESOLVED
                    earlier["resolved_by"] = doc.id
                    changes.append((earlier_doc, earlier, "resolved"))
            continue
        flag = next((f for f in kept if f.get("kind") == kind), None)
        if flag is None:
            flag = {"kind": kind, "document_id": doc.id, "message": verdict, "status": OPEN}
            kept.append(flag)
            changes.append((doc, flag, "raised"))
        elif flag.get("status") == RESOLVED:  # it was answered, but this document still says otherwise
            flag.pop("resolved_by", None)
        raised_by_kind.setdefault(kind, []).append((doc, flag))
        doc.flags = kept
    for doc, flag, _change in changes:  # write the changed lists back (JSON columns change by assignment)
        doc.flags = [flag if f.get("kind") == flag["kind"] else f for f in doc.flags]
    return changes


def open_flags(docs: Iterable[Document]) -> list[dict[str, Any]]:
    return [f for d in docs for f in d.flags or [] if f.get("status", OPEN) == OPEN]


def confirmed_flags(docs: Iterable[Document]) -> list[dict[str, Any]]:
    return [{"kind": f["kind"], "message": f["message"]} for d in docs for f in d.flags or []
            if f.get("status") == CONFIRMED]


__all__ = ["evaluate", "open_flags", "confirmed_flags", "field_value", "amount", "CHECKS"]
