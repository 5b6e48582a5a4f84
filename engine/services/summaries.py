"""Case data for many cases in one read: what a list of work items shows about each case beside it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.context import Context
from engine.models import Case

MAX_REFERENCES = 1000


def case_data(ctx: Context, references: list[str]) -> dict[str, dict[str, Any]]:
    """reference -> the case's data, for up to ``MAX_REFERENCES`` cases, in one query (the worklist joins its
    rows to their facts after its limit, never per row)."""
    wanted = sorted(set(references))[:MAX_REFERENCES]
    if not wanted:
        return {}
    with ctx.read() as session:
        rows = session.execute(select(Case.reference, Case.data).where(Case.reference.in_(wanted)))
        return {reference: dict(data or {}) for reference, data in rows}
