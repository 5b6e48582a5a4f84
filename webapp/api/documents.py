"""Documents API: upload to a case or to the inbox (202 once stored and queued), read status and content."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.services import documents
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import checked, query

bp = Blueprint("documents", __name__)
UPLOADED = {202: s.Uploaded, 200: s.Uploaded}


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
@checked(UPLOADED, 404, 413, form=s.Upload)
def upload_to_case(reference: str) -> tuple[Response, int]:
    """Upload to a case (multipart field 'file'); 202 once stored and queued, 200 for a duplicate"""
    return _upload(reference)


@bp.post("/api/v1/documents")
@requires("document.upload")
@checked(UPLOADED, 413, form=s.Upload)
def upload_to_inbox() -> tuple[Response, int]:
    """Upload to the inbox (multipart field 'file'); 202 once stored and queued, 200 for a duplicate"""
    return _upload(None)


@bp.get("/api/v1/documents/<int:id>")
@requires("case.read")
@checked({200: s.Document}, 404)
def get_document(id: int) -> Response:
    """A document: status, type, confidence, pages, fields, case"""
    return jsonify(documents.get_document(ctx(), id))


@bp.get("/api/v1/documents/<int:id>/content")
@requires("case.read")
@checked({200: None}, 404)
def get_content(id: int) -> Response:
    """The original bytes"""
    data, media_type, filename = documents.get_content(ctx(), id)
    response = Response(data, mimetype=media_type)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/api/v1/documents/<int:id>/pages/<int:n>")
@requires("case.read")
@checked({200: s.Page}, 404)
def get_page(id: int, n: int) -> Response:
    """A page's text and words with their boxes (in page pixels)"""
    return jsonify(documents.page_words(ctx(), id, n))


@bp.get("/api/v1/documents/<int:id>/pages/<int:n>.png")
@requires("case.read")
@checked({200: None}, 404, query=s.PageImageQuery)
def get_page_image(id: int, n: int) -> Response:
    """A page image (boxes scale by width / page width)"""
    width = query(s.PageImageQuery).width
    response = Response(documents.page_png(ctx(), id, n, width), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
