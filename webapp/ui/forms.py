"""A work item's JSON-schema form as HTML controls, and the submitted form back into JSON data.

Only the shape is decided here (which control, label, help, options, order); whether the data is valid is
decided by the engine (``work.complete`` validates against the same schema and answers with field errors), so
the browser form and the API can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from webapp.ui.fmt import humanize

LONG_TEXT = 200  # a string field allowed longer than this is a text area


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    control: str  # text | textarea | number | integer | date | select | checkbox | checkboxes | lines
    help: str = ""
    required: bool = False
    options: tuple[str, ...] = ()
    enum: tuple[Any, ...] = ()  # the schema's own values behind the options (a number stays a number)
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
        found.append(Field(name=name, label=prop.get("title") or humanize(name), control=control,
                           help=prop.get("description", ""), required=name in required, options=options,
                           enum=tuple(prop.get("enum") or (prop.get("items") or {}).get("enum") or ()),
                           value=_value(control, values.get(name, prop.get("default"))),
                           error=_error_for(name, errors),
                           attrs=_attrs(prop, control)))
    return found


def _value(control: str, value: Any) -> Any:
    """Checkboxes and lines hold lists; a single submitted value comes back as a plain string."""
    if control in ("checkboxes", "lines") and isinstance(value, str):
        return [value]
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
    if integer or value.is_integer():
        return int(value) if value.is_integer() else value
    return value


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
