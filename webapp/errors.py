"""The one place domain errors become HTTP: status codes and the JSON error body."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

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


def install(app: Flask) -> None:
    @app.errorhandler(e.CaseworksError)
    def _domain(err: e.CaseworksError) -> Response:
        return error_response(status_for(err), err.code, err.message, err.details)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        code = (err.name or "error").lower().replace(" ", "_")
        return error_response(err.code or 500, code, err.description or err.name)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")
