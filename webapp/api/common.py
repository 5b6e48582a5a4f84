"""Request helpers shared by the API modules: auth and reading JSON bodies (their fields are checked against
the models in ``webapp.api.schemas``)."""
from __future__ import annotations

import json
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
    try:
        body = json.loads(request.get_data(), parse_constant=_no_constant)
    except NotJson as err:
        raise ValidationFailed("the body contains a number JSON cannot hold",
                               details={"body": f"{err} is not a number; send a finite number or null"}) from err
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    check_clean(body)
    return body


class NotJson(ValueError):
    pass


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: Python reads them, and the database would store what it cannot serve."""
    raise NotJson(name)


MAX_INT = 2**63 - 1  # the widest integer column; JSON integers past it cannot be stored or compared


def check_clean(value: Any, path: str = "") -> None:
    """Refuse (422) a NUL character in any text or key, and an integer no database column can hold."""
    problem = None
    if isinstance(value, str) and "\x00" in value:
        problem = "must not contain a NUL character"
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        problem = "is too large a number"
    elif isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        problem = "must be a finite number"
    if problem:
        raise ValidationFailed("the request contains a value that cannot be stored", details={path or "body": problem})
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                raise ValidationFailed("the request contains a value that cannot be stored",
                                       details={path or "body": "a field name contains a NUL character"})
            check_clean(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_clean(item, f"{path}[{index}]")
