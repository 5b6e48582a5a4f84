"""The required-documents checklist of a case: what its process asks for against what arrived.

A requirement may ask for N documents of a type (``required_documents`` lists a type once per document: two
payslips). Each document counts once: the same bytes linked twice, or one document read again, are one; and a
document the process already recorded as provided (``documents_provided``: declared with the request, or
delivered by capture's ``documents_received`` message) is the same document as its captured file, so per type
the larger of the two counts, never their sum.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

TITLES = {"id_document": "ID document", "proof_of_address": "Proof of address", "bank_statement": "Bank statement",
          "payslip": "Payslip", "tax_return": "Tax return", "claim_form": "Claim form",
          "repair_estimate": "Repair estimate", "medical_invoice": "Medical invoice"}


def title(doc_type: str) -> str:
    return TITLES.get(doc_type, doc_type.replace("_", " ").capitalize())


def checklist_of(data: dict[str, Any], captured: Iterable[tuple[str, str] | str]) -> dict[str, Any]:
    """Required documents against those provided at the start (``documents_provided``) and those captured.

    ``captured`` holds (document identity, type) pairs (the identity is the content hash), or bare types
    for callers that have no identity; ``items`` says per type how many are required, in and missing."""
    required = Counter(str(t) for t in data.get("required_documents") or [])
    provided = Counter(str(t) for t in data.get("documents_provided") or [])
    files: Counter[str] = Counter()
    seen: set[str] = set()
    for entry in captured:
        identity, doc_type = entry if isinstance(entry, tuple) else (None, entry)
        if identity is not None:
            if identity in seen:
                continue
            seen.add(identity)
        files[doc_type] += 1
    have = provided | files  # per type the larger count
    missing = required - have
    items = [{"doc_type": t, "title": title(t), "required": n, "received": min(n, have[t]), "missing": missing[t]}
             for t, n in required.items()]
    return {"required": sorted(required.elements()), "received": sorted((required & have).elements()),
            "missing": sorted(missing.elements()), "items": items, "complete": bool(required) and not missing}
