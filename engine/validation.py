"""JSON-schema validation of forms and start data, with field-level messages a person can act on."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Draft202012Validator:
    schema = json.loads(schema_json)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    return _validator(json.dumps(schema, sort_keys=True))


def schema_errors(schema: dict[str, Any], data: Any) -> dict[str, str]:
    """Field path -> message for every violation ('' for the object itself)."""
    errors: dict[str, str] = {}
    for error in sorted(validator_for(schema).iter_errors(data), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in error.path)
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [f for f in error.validator_value if f not in error.instance]
            for name in missing:
                errors[f"{path}.{name}" if path else name] = "is required"
            continue
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set((error.schema or {}).get("properties", {}))
            for name in error.instance:
                if name not in allowed:
                    errors[f"{path}.{name}" if path else name] = "is not a field of this form"
            continue
        errors.setdefault(path, plain_message(error.validator, error.validator_value, error.schema, path))
    return errors


_TYPES = {"number": "a number", "integer": "a whole number", "string": "text", "object": "an object",
          "array": "a list", "boolean": "yes or no (true or false)", "null": "empty"}
_FORMATS = {"date": "a date like 2026-01-31", "date-time": "a date and time like 2026-01-31T09:30:00Z",
            "email": "an e-mail address", "uri": "a web address", "time": "a time like 09:30:00"}
_EXAMPLE = re.compile(r"e\.g\.\s*([^\s,;]+?)[.)]?(?:[\s,;]|$)")


def plain_message(validator: Any, expected: Any, schema: Any, path: str) -> str:
    """A message a desk agent can act on, named by the field's title, that never repeats the value sent (it may
    be large, or private): "Policy number must look like POL-1234567", not a regular expression."""
    schema = schema if isinstance(schema, dict) else {}
    title = "The data" if not path else str(schema.get("title") or path.rsplit(".", 1)[-1].replace("_", " ")
                                             .capitalize())
    if validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"{title} must be {' or '.join(_TYPES.get(str(k), str(k)) for k in kinds)}"
    if validator == "pattern":
        example = _EXAMPLE.search(str(schema.get("description") or ""))
        return f"{title} must look like {example.group(1)}" if example else f"{title} is not in the expected format"
    if validator == "enum":
        options = [str(v) for v in expected][:12]
        return f"{title} must be one of: {', '.join(options)}"
    if validator == "minLength":
        return f"{title} must not be empty" if expected == 1 else \
            f"{title} is too short: at least {expected} characters"
    if validator == "maxLength":
        return f"{title} is too long: at most {expected} characters"
    if validator in _BOUNDS:
        return f"{title} must be {_BOUNDS[validator]} {expected:,}"
    if validator == "format":
        return f"{title} must be {_FORMATS.get(expected, f'a valid {expected}')}"
    if validator in ("minItems", "maxItems"):
        return f"{title} must list {'at least' if validator == 'minItems' else 'at most'} {expected}"
    if validator == "uniqueItems":
        return f"{title} must not list anything twice"
    return f"{title} is not valid"


_BOUNDS = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
           "exclusiveMaximum": "less than"}


def check_schema(schema: dict[str, Any]) -> str | None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return str(err.message)
    return None
