"""The required-documents checklist of a case: what its process asks for against what arrived."""
from __future__ import annotations

from collections import Counter
from typing import Any


def checklist_of(data: dict[str, Any], captured: list[str]) -> dict[str, Any]:
    """Required documents of a case (``required_documents`` in its process data, repeats count: two
    payslips) against those provided at the start or later (``documents_provided``) and those captured."""
    required = Counter(data.get("required_documents") or [])
    have = Counter(data.get("documents_provided") or [])
    have.update(captured)
    missing = required - have
    return {"required": sorted(required.elements()), "received": sorted((required & have).elements()),
            "missing": sorted(missing.elements()), "complete": bool(required) and not missing}
