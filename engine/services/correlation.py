"""Messages addressed by correlation value instead of case reference (``POST /api/v1/messages/{name}``).

An upstream system often knows its own key (an order number, a payment id), not our case reference. The
candidates are the running instances that wait for the message (``waiting_messages``); among them the one
whose correlation keys, or whose data read by the correlation's retrieval expression, equal the values
sent. Exactly one must match: none is a 409 saying so, several is a 409 listing them (never a guess).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, select

from engine.context import Context
from engine.errors import NoSuchMessage, ValidationFailed
from engine.models import Case, ProcessInstance
from engine.services.cases import send_message
from engine.services.instances import Loaded

MAX_CANDIDATES = 10_000


def send_correlated(ctx: Context, name: str, payload: dict[str, Any], correlations: dict[str, Any],
                    actor: str) -> dict[str, Any]:
    if not correlations:
        raise ValidationFailed("a message without a case reference needs correlation values",
                               details={"correlations": "is required (e.g. {\"order_id\": 42})"})
    matches = _matching(ctx, name, payload, correlations)
    if not matches:
        raise NoSuchMessage(f"no running case waits for the message '{name}' with these correlation values",
                            details={"correlations": correlations})
    if len(matches) > 1:
        raise NoSuchMessage(f"{len(matches)} cases wait for '{name}' with these correlation values; "
                            "address one by its reference", details={"cases": matches[:20]})
    return send_message(ctx, matches[0], name, payload, actor, correlations)


def _matching(ctx: Context, name: str, payload: dict[str, Any], correlations: dict[str, Any]) -> list[str]:
    pattern = '%"' + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
    query = (select(Case, ProcessInstance).join(ProcessInstance, ProcessInstance.case_id == Case.id)
             .where(ProcessInstance.completed.is_(False),
                    cast(ProcessInstance.waiting_messages, String).like(pattern, escape="\\"))
             .order_by(Case.id).limit(MAX_CANDIDATES))
    found = []
    with ctx.read() as session:
        for case, instance in session.execute(query):
            if name not in (instance.waiting_messages or []):
                continue
            definition = ctx.processes.by_version_id(session, instance.process_version_id)
            loaded = Loaded(case, instance, definition, ctx.processes.parsed(definition))
            if ctx.runtime.matches(loaded.parsed, instance.state, name, payload, correlations, loaded.case_context()):
                found.append(case.reference)
    return found
