"""The case's own data on its page: every start-form field and what the process gathered since, each under the
title its form schema gives it and in a format people read (2,450.00; 1 November 2026; Yes), so an agent
filling in "Amount to pay" sees what was claimed."""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from engine.bpmn.loader import ProcessDefinition
from webapp.ui.fmt import humanize, label

HIDDEN = {"documents_message"}  # plumbing of a process, not the customer's data
MAX_SHOWN = 400  # characters of one value on the page (the API has all of it)
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")  # a snake_case code (claim_form), never shown as such


def _titles(definition: ProcessDefinition) -> dict[str, dict[str, Any]]:
    """Field name -> its schema, from every form of the process (the start form wins)."""
    props: dict[str, dict[str, Any]] = {}
    for name, raw in sorted(definition.files.items()):
        if name.endswith(".schema.json"):
            try:
                schema = json.loads(raw)
            except ValueError:
                continue
            for key, prop in (schema.get("properties") or {}).items():
                if isinstance(prop, dict):
                    props.setdefault(key, prop)
    for key, prop in ((definition.start_schema or {}).get("properties") or {}).items():
        props[key] = prop
    return props


def formatted(value: Any, prop: dict[str, Any] | None = None) -> str:
    prop = prop or {}
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if prop.get("type") == "number" or abs(value) >= 1 else f"{value:g}"
    if isinstance(value, list):
        codes = prop.get("ui:widget") == "document_types" or "enum" in (prop.get("items") or {})
        return ", ".join(label(v) if isinstance(v, str) and (codes or CODE.match(v)) else formatted(v)
                         for v in value) if value else "—"
    if isinstance(value, dict):
        return ", ".join(f"{humanize(k)}: {formatted(v)}" for k, v in value.items())[:MAX_SHOWN]
    text = str(value)
    if prop.get("format") == "date" or (len(text) == 10 and text[4:5] == "-" and text[7:8] == "-"):
        try:
            return date.fromisoformat(text).strftime("%-d %B %Y")
        except ValueError:
            pass
    if "enum" in prop or CODE.match(text):
        return humanize(text)
    return text[:MAX_SHOWN] + ("…" if len(text) > MAX_SHOWN else "")


def rows(definition: ProcessDefinition, data: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """{"start": [...], "gathered": [...]}, each row {name, title, value}; start rows in the form's order."""
    start = definition.start_schema or {}
    order = list(start.get("ui:order") or []) + [k for k in (start.get("properties") or {})
                                                 if k not in (start.get("ui:order") or [])]
    props = _titles(definition)

    def row(key: str) -> dict[str, str]:
        prop = props.get(key) or {}
        return {"name": key, "title": str(prop.get("title") or humanize(key)), "value": formatted(data[key], prop)}

    first = [row(k) for k in order if k in data]
    rest = [row(k) for k in data if k not in order and k not in HIDDEN and not k.startswith("_")
            and data[k] not in (None, "", [], {})]  # a variable the process has not filled says nothing yet
    return {"start": first, "gathered": rest}
