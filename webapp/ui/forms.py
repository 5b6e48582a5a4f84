"""A work item's JSON-schema form as HTML controls, and the submitted form back into JSON data.

Only the shape is decided here (which control, label, help, options, order); whether the data is valid is
decided by the engine (``work.complete`` validates against the same schema and answers with field errors), so
the browser form and the API can never disagree.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from webapp.ui import choices
from webapp.ui.fmt import humanize

LONG_TEXT = 200  # a string field allowed longer than this is a text area
MAX_COUNT = 20  # at most this many of one document type in a "how many of each" picker
# A date picker shows the browser's own format: help that spells out another one only confuses.
DATE_FORMAT_HINT = re.compile(r"\s*\(?\b(?:YYYY-MM-DD|yyyy-mm-dd|ISO 8601)\b\)?")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    control: str  # text | textarea | number | integer | date | select | checkbox | checkboxes | counts | lines
    help: str = ""
    required: bool = False
    options: tuple[str, ...] = ()
    enum: tuple[Any, ...] = ()  # the schema's own values behind the options (a number stays a number)
    labels: tuple[str, ...] = ()  # what each option reads as, when not its value in words
    hints: tuple[str, ...] = ()  # a longer description of each option ("" when none)
    value: Any = None
    error: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def dom_id(self) -> str:
        return f"f-{self.name}"


def ordered_names(schema: dict[str, Any]) -> list[str]:
    """``ui:order`` first (names it lists that exist), then the remaining properties as written."""
    props = list((schema.get("properties") or {}).keys())
    first = [n for n in schema.get("ui:order", []) if n in props]
    return first + [n for n in props if n not in first]


def _control(prop: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    kind = prop.get("type")
    if "enum" in prop:
        return "select", tuple(str(v) for v in prop["enum"])
    if kind == "boolean":
        return "checkbox", ()
    if kind == "integer":
        return "integer", ()
    if kind == "number":
        return "number", ()
    if kind == "array":
        items = prop.get("items") or {}
        return ("checkboxes", tuple(str(v) for v in items["enum"])) if "enum" in items else ("lines", ())
    if prop.get("format") == "date":
        return "date", ()
    if (prop.get("maxLength") or 0) > LONG_TEXT:
        return "textarea", ()
    return "text", ()


def _attrs(prop: dict[str, Any], control: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if control in ("number", "integer"):
        attrs["step"] = "1" if control == "integer" else "any"
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in prop:
                attrs[attr] = prop[key]
    if control in ("text", "textarea") and "maxLength" in prop:
        attrs["maxlength"] = prop["maxLength"]
    return attrs


def fields(schema: dict[str, Any] | None, values: dict[str, Any] | None = None,
           errors: dict[str, str] | None = None) -> list[Field]:
    if not schema:
        return []
    values, errors = values or {}, errors or {}
    required = set(schema.get("required") or [])
    found = []
    for name in ordered_names(schema):
        prop = schema["properties"][name] or {}
        control, options = _control(prop)
        labels: tuple[str, ...] = ()
        hints: tuple[str, ...] = ()
        widget = choices.widget_of(name, prop)
        if widget is not None:
            picked = choices.options(widget)
            options, labels, hints = (tuple(c[i] for c in picked) for i in range(3))
            control = _picker(control, prop)
        help_text = str(prop.get("ui:help", prop.get("description", "")))  # ui:help: the wording for a person
        if control == "date":
            help_text = DATE_FORMAT_HINT.sub("", help_text).replace(" .", ".").strip()
        found.append(Field(name=name, label=prop.get("title") or humanize(name), control=control,
                           help=help_text, required=name in required, options=options,
                           enum=tuple(prop.get("enum") or (prop.get("items") or {}).get("enum") or ()),
                           labels=labels, hints=hints,
                           value=_value(control, _given(name, control, options, values, prop)),
                           error=_error_for(name, errors),
                           attrs=_attrs(prop, control)))
    return found


def _given(name: str, control: str, options: tuple[str, ...], values: dict[str, Any], prop: dict[str, Any]) -> Any:
    """The field's value; a "how many of each" picker sent back with errors has one entry per option."""
    if control == "counts" and name not in values:
        return [opt for opt in options for _ in range(_count(str(values.get(f"{name}.{opt}") or "")))]
    return values.get(name, prop.get("default"))


def _picker(control: str, prop: dict[str, Any]) -> str:
    """A code field becomes a select; a list of codes becomes checkboxes, or "how many of each" when the
    same code may repeat (two payslips)."""
    if prop.get("type") != "array":
        return "select"
    return "checkboxes" if prop.get("uniqueItems") else "counts"


def _value(control: str, value: Any) -> Any:
    """Checkboxes and lines hold lists; a single submitted value comes back as a plain string."""
    if control in ("checkboxes", "lines", "counts") and isinstance(value, str):
        return [value]
    if control == "counts":
        return Counter(value or [])
    return value


def _error_for(name: str, errors: dict[str, str]) -> str:
    """The message for a field, or for something inside it (``documents.0``)."""
    if name in errors:
        return errors[name]
    inner = [msg for key, msg in errors.items() if key.startswith(name + ".")]
    return inner[0] if inner else ""


def form_errors(schema: dict[str, Any] | None, errors: dict[str, str] | None) -> list[str]:
    """Messages that belong to no field of the form (shown above it)."""
    names = set((schema or {}).get("properties") or {})
    return [f"{k}: {v}" if k else v for k, v in (errors or {}).items() if k.split(".")[0] not in names]


def _number(raw: str, integer: bool) -> Any:
    text = raw.strip().replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return raw  # left as typed: the engine's validation says what is wrong with it
    if not math.isfinite(value):
        return raw  # "nan" and "inf" are no amounts: left as text, the validation says it must be a number
    if integer or value.is_integer():
        return int(value) if value.is_integer() else value
    return value


def _count(raw: str) -> int:
    try:
        return min(MAX_COUNT, max(0, int(raw.strip() or 0)))
    except ValueError:
        return 0


def parse(schema: dict[str, Any] | None, form: MultiDict[str, str]) -> dict[str, Any]:
    """The submitted fields as JSON data: empty fields left out, numbers and booleans converted."""
    data: dict[str, Any] = {}
    for f in fields(schema):
        if f.control == "checkbox":
            data[f.name] = form.get(f.name) in ("on", "true", "1")
            continue
        choices = dict(zip(f.options, f.enum, strict=False))
        if f.control == "checkboxes":
            chosen = [choices.get(v, v) for v in form.getlist(f.name) if v]
            if chosen:
                data[f.name] = chosen
            continue
        if f.control == "counts":
            counted = [opt for opt in f.options for _ in range(_count(form.get(f"{f.name}.{opt}", "")))]
            if counted:
                data[f.name] = counted
            continue
        raw = form.get(f.name, "")
        if f.control == "lines":
            items = [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]
            if items:
                data[f.name] = items
            continue
        if raw.strip() == "":
            continue
        if f.control == "select":
            data[f.name] = choices.get(raw, raw)
        elif f.control in ("number", "integer"):
            data[f.name] = _number(raw, f.control == "integer")
        else:
            data[f.name] = raw.strip()
    return data
