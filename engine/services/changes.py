"""A case's change marker: what an open case page asks every few seconds to learn whether anything moved."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.context import Context
from engine.errors import CaseNotFound
from engine.models import Case, Event


def case_version(ctx: Context, reference: str) -> int:
    """The id of the case's newest event. Everything that changes what the case page shows (a step, a claim, a
    document received, read or linked, a note, a call) writes an event in the same transaction, so a new id
    means "fetch the page again" and the same id means nothing to do. One lookup on ``ix_events_case``
    (case_id, id), so an idle page costs next to nothing."""
    with ctx.read() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        if case_id is None:
            raise CaseNotFound(f"no case with reference '{reference}'")
        return int(session.scalar(select(func.max(Event.id)).where(Event.case_id == case_id)) or 0)
