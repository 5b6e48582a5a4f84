"""Documents API: upload to a case or to the inbox (202 once stored and queued), read status and content."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.services import documents
from webapp.api.common import ctx, int_arg, principal, requires

bp = Blueprint("documents", __name__)


def _upload(reference: str | None) -> tuple[Response, int]:
    file = request.files.get("file")
    if file is None:
        raise ValidationFailed("send the document as multipart/form-data in the field 'file'",
                               details={"file": "is required"})
    channel = request.form.get("channel", "api")
    up = documents.Upload(filename=file.filename or "document", data=file.read(), channel=channel,
                          reference=reference)
    view, created = documents.upload(ctx(), up, principal().username)
    return jsonify({**view, "duplicate": not created}), 202 if created else 200


@bp.post("/api/v1/cases/<reference>/documents")
@requires("document.upload")
def upload_to_case(reference: str) -> tuple[Response, int]:
    return _upload(reference)


@bp.post("/api/v1/documents")
@requires("document.upload")
def upload_to_inbox() -> tuple[Response, int]:
    return _upload(None)


@bp.get("/api/v1/documents/<int:document_id>")
@requires("case.read")
def get_document(document_id: int) -> Response:
    return jsonify(documents.get_document(ctx(), document_id))


@bp.get("/api/v1/documents/<int:document_id>/content")
@requires("case.read")
def get_content(document_id: int) -> Response:
    data, media_type, filename = documents.get_content(ctx(), document_id)
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/api/v1/documents/<int:document_id>/pages/<int:number>")
@requires("case.read")
def get_page(document_id: int, number: int) -> Response:
    return jsonify(documents.page_words(ctx(), document_id, number))


@bp.get("/api/v1/documents/<int:document_id>/pages/<int:number>.png")
@requires("case.read")
def get_page_image(document_id: int, number: int) -> Response:
    width = int_arg("width", 1240, 100, 4000)
    response = Response(documents.page_png(ctx(), document_id, number, width), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
