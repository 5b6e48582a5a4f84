"""Plain-language templates for status texts and due dates: ``{name}`` and ``{name:%d %B}`` only.

Templates come from BPMN properties (designer-written); the values come from task data and are only ever
substituted, never evaluated. No attribute access, no indexing, no expressions.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")


def render(template: str, data: Mapping[str, Any]) -> str:
    """Substitute ``{name}`` from data; dates (or ISO date strings) accept a strftime spec after a colon."""

    def substitute(match: re.Match[str]) -> str:
        name, spec = match.group(1), match.group(2)
        if name not in data:
            return match.group(0)
        value = data[name]
        if spec:
            when = _as_date(value)
            if when is not None:
                return _strftime(when, spec)
            try:
                return format(value, spec)
            except (ValueError, TypeError):
                return str(value)
        return str(value)

    return _FIELD.sub(substitute, template)


def fields(template: str) -> list[str]:
    return [m.group(1) for m in _FIELD.finditer(template)]


def malformed(template: str) -> bool:
    """True when braces remain once the valid placeholders are removed: a typo such as ``{name`` or
    ``{ name }`` would otherwise be shown to customers as-is (validation reports it instead)."""
    rest = _FIELD.sub("", template)
    return "{" in rest or "}" in rest


def _as_date(value: Any) -> date | None:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", value):
        try:
            return datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _strftime(value: date, spec: str) -> str:
    # %-d is not portable; offer {x:%e} style day without padding through a tiny post-process.
    return value.strftime(spec.replace("%-d", str(value.day)))


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration ('P2D', 'PT4H') as a timedelta (months count as their calendar length)."""
    parsed = TimerEventDefinition.parse_iso_duration(text.strip())
    duration: timedelta = TimerEventDefinition.get_timedelta_from_start(parsed)
    return duration
