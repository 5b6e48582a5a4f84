"""JSON-schema validation of forms and start data, with field-level messages a person can act on."""
from __future__ import annotations

import json
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
        errors.setdefault(path, error.message)
    return errors


def check_schema(schema: dict[str, Any]) -> str | None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return err.message
    return None
