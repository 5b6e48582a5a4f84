"""Request helpers shared by the API modules: auth, JSON bodies, query parameters."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import current_app, g, request

from engine.context import Context
from engine.errors import AuthenticationRequired, ValidationFailed
from engine.services import auth
from webapp.errors import BadRequest

F = TypeVar("F", bound=Callable[..., Any])


def ctx() -> Context:
    return current_app.extensions["caseworks"]  # type: ignore[no-any-return]


def principal() -> auth.Principal:
    return g.principal  # type: ignore[no-any-return]


def requires(permission: str) -> Callable[[F], F]:
    """Bearer-token authentication (401) and role check (403) for an API view.

    The token is looked up on every request (one indexed query), never cached: a revoked token or a
    deactivated user is refused on the very next request, by every process."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationRequired("send an API token as 'Authorization: Bearer <token>'")
            who = auth.authenticate_token(ctx(), token.strip())
            who.require(permission)
            g.principal = who
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def json_body(required: bool = True) -> dict[str, Any]:
    if not request.data:
        if required:
            raise BadRequest("a JSON object body is required")
        return {}
    if not request.is_json:
        raise BadRequest("send the body as JSON with 'Content-Type: application/json'")
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("the body is not valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], errors: dict[str, str], *,
          required: bool = True, default: Any = None) -> Any:
    value = body.get(name, default)
    if value is None:
        if required:
            errors[name] = "is required"
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        errors[name] = f"must be a {_json_type(names)}"
        return default
    return value


def _json_type(py: str) -> str:
    return {"str": "string", "dict": "object", "int": "integer", "list": "array", "bool": "boolean",
            "int/float": "number"}.get(py, py)


def int_arg(name: str, default: int, lo: int = 1, hi: int = 500) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as err:
        raise ValidationFailed(f"invalid query parameter '{name}'", details={name: "must be an integer"}) from err
    if not lo <= value <= hi:
        raise ValidationFailed(f"invalid query parameter '{name}'", details={name: f"must be {lo}..{hi}"})
    return value


def bool_arg(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ValidationFailed(f"invalid query parameter '{name}'", details={name: "must be true or false"})
