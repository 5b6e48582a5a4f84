"""What a worklist row says besides the task's title: what the task needs from the agent (its form's description)
and the case's key facts (the process's ``ui:summary`` over the case data), instead of the customer-facing status.

``ui:summary`` in a start schema is a format string over the case data written by the process designer, e.g.
``"{incident_type} · {claimed_amount:,.0f} {currency}"``; only plain field names are allowed (no attribute or
index access), and a missing or mistyped value leaves the facts out rather than failing the page.
"""
from __future__ import annotations

import re
import string
from typing import Any

from engine.errors import CaseworksError
from engine.services import intake, summaries
from webapp.ui.fmt import humanize
from webapp.ui.security import ctx

MAX_NEEDS = 140  # characters of the task's description shown in a row
CODE = re.compile(r"[a-z][a-z0-9_]*")


def first_sentence(text: str, limit: int = MAX_NEEDS) -> str:
    text = " ".join((text or "").split())
    cut = text.find(". ")
    text = text[: cut + 1] if cut >= 0 else text
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def summary(template: str, data: dict[str, Any]) -> str:
    """The designer's summary format filled from the case data; "" when it names something unusable."""
    formatter = string.Formatter()
    out = []
    try:
        for literal, field, spec, conversion in formatter.parse(template):
            out.append(literal)
            if field is None:
                continue
            if not field.isidentifier() or conversion or field not in data:
                return ""
            value = data[field]
            out.append(format(value, spec) if spec else _word(value))
    except (ValueError, TypeError):
        return ""
    return "".join(out).strip(" ·")


def _word(value: Any) -> str:
    """A code such as ``home_improvement`` as words (``Home improvement``); anything else (EUR, NL) as it is."""
    text = str(value)
    return humanize(text) if CODE.fullmatch(text) else text


def describe(items: list[dict[str, Any]]) -> dict[int, dict[str, str]]:
    """item id -> {"needs", "facts"} for a page of worklist rows: one read of the cases' data for the page, and
    each process's forms looked up once."""
    processes = ctx().processes
    data = summaries.case_data(ctx(), [i["reference"] for i in items if i.get("reference")])
    needs: dict[tuple[str, str], str] = {}
    templates: dict[str, str] = {}
    out = {}
    for item in items:
        key = (item.get("case_type") or "", item["name"])
        if key not in needs:
            needs[key] = _needs(processes, item)
        facts = ""
        if item.get("reference") and item.get("case_type"):
            if item["case_type"] not in templates:
                templates[item["case_type"]] = _template(processes, item["case_type"])
            facts = summary(templates[item["case_type"]], data.get(item["reference"], {}))
        out[item["id"]] = {"needs": needs[key], "facts": facts}
    return out


def _needs(processes: Any, item: dict[str, Any]) -> str:
    if item.get("kind") and item["kind"] != "task":
        return first_sentence(str((intake.FORMS.get(item["kind"]) or {}).get("description", "")))
    try:
        form = processes.current(item["case_type"]).form(item["name"]) if item.get("case_type") else None
    except CaseworksError:
        return ""
    return first_sentence(str((form or {}).get("description", "")))


def _template(processes: Any, case_type: str) -> str:
    try:
        schema = processes.current(case_type).start_schema or {}
    except CaseworksError:
        return ""
    template = schema.get("ui:summary")
    return template if isinstance(template, str) else ""
