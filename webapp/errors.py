"""The one place domain errors become HTTP: status codes and the JSON error body."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from engine import errors as e
from engine.bpmn.package import PackageTooLarge

STATUS: list[tuple[type[e.CaseworksError], int]] = [
    (e.DocumentTooLarge, 413),
    (PackageTooLarge, 413),
    (e.NotFound, 404),
    (e.ValidationFailed, 422),
    (e.Conflict, 409),
    (e.PermissionDenied, 403),
    (e.AuthenticationRequired, 401),
    (e.DatabaseNotMigrated, 503),
    (e.ProcessError, 422),
    (e.TooManyAttempts, 429),
    (e.ServiceBusy, 503),
]


class BadRequest(e.CaseworksError):
    code = "bad_request"


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="caseworks"'
    return response


def status_for(err: e.CaseworksError) -> int:
    if isinstance(err, BadRequest):
        return 400
    for cls, status in STATUS:
        if isinstance(err, cls):
            return status
    return 500


class BoundedInt(IntegerConverter):
    """``<int:...>`` in a path matches only ids a database column can hold: a larger one is a 404, not a 500."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def _has_nul() -> str | None:
    """Where a NUL character came in (no database stores one in text), or None."""
    if "\x00" in request.path:
        return "path"
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            return name
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if "\x00" in (name or "") or "\x00" in (value or ""):
                return name
    return None


def install(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt

    @app.before_request
    def _refuse_nul() -> Response | None:
        where = _has_nul()
        if where is None:
            return None
        return error_response(422, e.ValidationFailed.code, "the request contains a NUL character",
                              {where: "must not contain a NUL character"})

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(err: RequestEntityTooLarge) -> Response:
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return error_response(413, "request_too_large",
                              f"the request is larger than the limit of {limit / (1024 * 1024):.0f} MB; "
                              f"send a smaller file", {"limit_bytes": limit})

    @app.errorhandler(e.CaseworksError)
    def _domain(err: e.CaseworksError) -> Response:
        response = error_response(status_for(err), err.code, err.message, err.details)
        retry_after = getattr(err, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        code = (err.name or "error").lower().replace(" ", "_")
        return error_response(err.code or 500, code, err.description or err.name)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")
