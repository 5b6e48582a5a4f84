"""The API contract in one place: request validation and the generated OpenAPI 3.1 document (spectree over the
pydantic models of ``webapp.api.schemas``), with the case types' start schemas and the tasks' forms taken from
the deployed processes.

``checked(...)`` decorates a view (under ``@requires``, so 401 and 403 come before 422): it validates the JSON
body and query against their models, turns pydantic's errors into the product's error body (422, field path ->
a message a desk agent understands), and declares every answer the view can give, errors included.
"""
from __future__ import annotations

import copy
import json as jsonlib
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, Request, current_app, request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from spectree import Response, SpecTree
from spectree.models import SecurityScheme, SecuritySchemeData
from spectree.plugins.flask_plugin import FlaskPlugin

from engine.context import Context
from engine.errors import ValidationFailed
from webapp.api import schemas
from webapp.api.common import json_body

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)
DOC_KEY = "caseworks.openapi"
OPTIONAL_BODY: set[str] = set()  # operation ids whose JSON body may be left out
ERROR_TEXT = {400: "Malformed body: not JSON, not an object, or not sent as application/json",
              401: "Missing or invalid token", 403: "Your role may not do this", 404: "Unknown resource",
              409: "Conflict with the current state (the details say what to do)",
              413: "Too large (the details give the limit)",
              422: "Validation failed: details map each field path to a message",
              429: "Too many requests; see Retry-After", 503: "The database is not ready (migrations) or busy"}
BINARY = {"/api/v1/documents/{id}/content": ("*/*", "The original bytes, as uploaded"),
          "/api/v1/documents/{id}/pages/{n}.png": ("image/png", "The page as a PNG image")}


VALIDATE_RESPONSES = "CASEWORKS_VALIDATE_RESPONSES"  # app.config flag: the tests turn it on


class Plugin(FlaskPlugin):
    """spectree's Flask plugin, validating responses only when the app's config says so (the tests do): in
    production a second pass over each response body would cost every request, and a mismatch would turn a
    good answer into a 500. The fuzzing tests check every answer against the document as well."""

    def validate_response(self, resp: Any, resp_model: Any, skip_validation: bool,
                          force_resp_serialize: bool) -> Any:
        skip = skip_validation or not current_app.config.get(VALIDATE_RESPONSES)
        return super().validate_response(resp, resp_model, skip, force_resp_serialize)


api = SpecTree(
    "flask", backend=Plugin, mode="strict", title="Caseworks API", version="1", openapi_version="3.1.0",
    description="Cases, work items, documents, customers, timeline, messages and webhooks. Every error is "
                "{\"error\": {\"code\", \"message\", \"details\"}}; a 422 maps each field path to a message.",
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer"))],  # type: ignore[arg-type]
    security={"bearer": []}, annotations=False)


# -- validation ---------------------------------------------------------------------------------------------
def checked(ok: dict[int, type[BaseModel] | None], *errors: int, json: type[BaseModel] | None = None,
            query: type[BaseModel] | None = None, form: type[BaseModel] | None = None,
            body_required: bool = True, public: bool = False,
            more_errors: Callable[[Any], dict[str, str]] | None = None) -> Callable[[F], F]:
    """Validate the request against ``json``/``query``; document ``ok`` answers and the ``errors`` it can give.

    Every operation can answer 422 (a NUL character anywhere in the request) and 503 (database not ready);
    one behind a token also 401 and 403; one with a body also 400 and 413. ``more_errors(body)`` adds what
    only the engine can check (a case's start data) to a refusal, so one answer lists every problem."""
    codes = set(errors) | {422, 503}
    if not public:
        codes |= {401, 403}
    if json is not None:
        codes |= {400, 413}
    models: dict[str, Any] = {f"HTTP_{c}": (m, _ok_text(c)) for c, m in ok.items()}
    models.update({f"HTTP_{c}": (schemas.Error, ERROR_TEXT[c]) for c in sorted(codes)})

    def before(req: Request, _resp: Any, err: PydanticError | None, _instance: Any, _adapter: Any) -> None:
        raw = json_body(required=body_required) if json is not None else {}  # 400 not an object; 422 NUL, NaN
        if err is not None:
            details = plain_errors(err)
            for name, message in (more_errors(raw) if more_errors else {}).items():
                details.setdefault(name, message)
            raise ValidationFailed(_summary(err), details=details)

    def decorate(view: F) -> F:
        operation_id = f"{view.__module__.rsplit('.', 1)[-1]}.{view.__name__}"
        if json is not None and not body_required:
            OPTIONAL_BODY.add(operation_id)
        validate = api.validate(json=json, query=query, form=form, resp=Response(**models), before=before,
                                security={} if public else None, operation_id=operation_id)
        return validate(view)  # type: ignore[no-any-return]

    return decorate


def _ok_text(code: int) -> str:
    return {200: "OK", 201: "Created", 202: "Accepted", 204: "Done (no body)"}.get(code, "OK")


def body(model: type[M]) -> M:
    """The validated JSON body (an empty optional body reads as ``{}``)."""
    value = getattr(getattr(request, "context", None), "json", None)
    return value if isinstance(value, model) else model.model_validate({})


def query(model: type[M]) -> M:
    value = getattr(getattr(request, "context", None), "query", None)
    return value if isinstance(value, model) else model.model_validate({})


def _summary(err: PydanticError) -> str:
    where = "query" if any(e.get("loc") and e["loc"][0] in request.args for e in err.errors()) else "request"
    return f"the {where} is not valid; see details for each field"


_TYPE_TAGS = re.compile(r"^(int|str|bool|float|dict\[.*\]|list\[.*\]|none|literal\[.*\]|function-.*|"
                        r"constrained-.*|json-or-python\[.*\])$")


def plain_errors(err: PydanticError) -> dict[str, str]:
    """{field path: message} from pydantic's errors; for a union, what each member would accept."""
    out: dict[str, str] = {}
    for item in err.errors(include_url=False, include_input=False):
        path = ".".join(str(p) for p in item["loc"] if not _TYPE_TAGS.match(str(p))) or "body"
        message = plain_message(item["type"], item.get("ctx") or {}, item.get("msg", ""))
        if path not in out:
            out[path] = message
        elif out[path].startswith("must be ") and message.startswith("must be ") and message != out[path]:
            out[path] += f" or {message.removeprefix('must be ')}"  # a union: "must be a whole number or text"
    return out


_MESSAGES = {
    "missing": "is required", "string_type": "must be text", "int_type": "must be a whole number",
    "int_parsing": "must be a whole number", "int_from_float": "must be a whole number",
    "float_type": "must be a number", "float_parsing": "must be a number", "bool_type": "must be true or false",
    "bool_parsing": "must be true or false", "dict_type": "must be an object", "model_type": "must be an object",
    "model_attributes_type": "must be an object", "list_type": "must be a list", "bytes_type": "must be a file",
    "string_unicode": "must be text", "int_parsing_size": "is too large a number",
}


def plain_message(kind: str, ctx: dict[str, Any], msg: str) -> str:
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"must be one of: {expected}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else \
            f"is too short: at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must list at least {ctx.get('min_length')}"
    if kind == "string_pattern_mismatch":
        return "is required" if ctx.get("pattern") == r"\S" else "is not in the expected format"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return "is not valid"


# -- the document -------------------------------------------------------------------------------------------
def document(app: Flask, ctx: Context) -> dict[str, Any]:
    """The OpenAPI document of this app: the routes' part is built once, the processes' part (start schemas and
    forms of the deployed versions) whenever a deployment changed them."""
    cache = app.extensions.setdefault(DOC_KEY, {})
    if "static" not in cache:
        with app.app_context():
            cache["static"] = _tidy(copy.deepcopy(api._generate_spec()))
    definitions = ctx.processes.definitions()
    key = tuple((d.key, d.version) for d in definitions)
    if cache.get("key") != key:
        cache["doc"], cache["key"] = _with_processes(cache["static"], definitions), key
    return cache["doc"]  # type: ignore[no-any-return]


def _tidy(spec: dict[str, Any]) -> dict[str, Any]:
    spec.pop("tags", None)
    for path, operations in spec["paths"].items():
        for op in operations.values():
            op.pop("tags", None)
            if op["operationId"] in OPTIONAL_BODY:
                op["requestBody"]["required"] = False
            for param in op.get("parameters", []):
                _not_null(param)
            if not op.get("description"):
                op.pop("description", None)
            if path in BINARY:
                media, text = BINARY[path]
                op["responses"]["200"] = {"description": text, "content": {media: {"schema": {
                    "type": "string", "format": "binary"}}}}
    _drop_unused_components(spec)
    new_case = spec["paths"]["/api/v1/cases"]["post"]
    new_case.setdefault("parameters", []).append({
        "name": "Idempotency-Key", "in": "header", "required": False,
        "description": "the same key with the same body answers the first result again (at most 200 characters)",
        "schema": {"type": "string", "maxLength": 200}})
    return spec


def _drop_unused_components(spec: dict[str, Any]) -> None:
    """Query models become parameters, not schemas: components nothing refers to are left out."""
    components = spec["components"]["schemas"]
    while True:
        text = jsonlib.dumps({"paths": spec["paths"], "components": components})
        unused = [name for name in components if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del components[name]


def _not_null(param: dict[str, Any]) -> None:
    """A query parameter is either sent or not: ``null`` (pydantic's ``X | None``) is no value it can take."""
    schema = param["schema"]
    kinds = [k for k in schema.pop("anyOf", []) if k.get("type") != "null"]
    if len(kinds) == 1:
        schema.update(kinds[0])
    elif kinds:
        schema["anyOf"] = kinds
    if schema.get("default", 0) is None:
        del schema["default"]
    schema.pop("title", None)
    if not param.get("description"):
        param.pop("description", None)


def _with_processes(static: dict[str, Any], definitions: Iterable[Any]) -> dict[str, Any]:
    spec = copy.deepcopy(static)
    components = spec["components"]["schemas"]
    variants, forms = [], []
    for definition in sorted(definitions, key=lambda d: d.key):
        name = _component(f"StartData_{definition.key}")
        components[name] = _local(definition.start_schema or {"type": "object"}, name)
        variants.append({"type": "object", "properties": {"case_type": {"const": definition.key},
                                                          "data": {"$ref": f"#/components/schemas/{name}"}}})
        for form_name, form in _forms(definition):
            name = _component(f"Form_{definition.key}_{form_name}")
            components[name] = _local(form, name)
            forms.append({"$ref": f"#/components/schemas/{name}"})
    if variants:
        new_case = spec["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]
        new_case["schema"] = {"allOf": [new_case["schema"], {"oneOf": variants}]}
    if forms:
        components["Completion"]["properties"]["data"]["anyOf"] = forms
    return spec


def _component(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _local(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """A process file's schema as a component: its own ``$defs`` references point into the component."""
    schema = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    if "$defs" not in schema and "definitions" not in schema:
        return schema
    text = jsonlib.dumps(schema)
    text = text.replace('"#/$defs/', f'"#/components/schemas/{name}/$defs/')
    text = text.replace('"#/definitions/', f'"#/components/schemas/{name}/definitions/')
    return jsonlib.loads(text)  # type: ignore[no-any-return]


def _forms(definition: Any) -> list[tuple[str, dict[str, Any]]]:
    start = str(definition.manifest.get("start_schema", "forms/start.schema.json"))
    found = []
    for path in sorted(definition.files):
        if path.startswith("forms/") and path.endswith(".schema.json") and path != start:
            form = definition.form(path.removeprefix("forms/").removesuffix(".schema.json"))
            if isinstance(form, dict):
                found.append((path.removeprefix("forms/").removesuffix(".schema.json"), form))
    return found


def undocumented_routes(app: Flask) -> list[str]:
    """Every ``METHOD /api/...`` route of the app that the document does not describe."""
    with app.app_context():
        spec = document(app, current_app.extensions["caseworks"])
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule == "/api/openapi.json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    return missing
