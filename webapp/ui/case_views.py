"""The case page, a document's original, a process version's diagram, and logging an interaction on a case."""
from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, redirect, request, url_for

from engine.errors import NotFound, ValidationFailed
from engine.services import cases, changes, documents, notes, work, worklist
from webapp.ui import fmt
from webapp.ui.base import bp, render
from webapp.ui.case_page import VIEW_WIDTH, documents_state, render_case, viewer
from webapp.ui.security import ctx, page, safe_next, user

INTERACTION_DEFAULTS = {"channel": "phone", "direction": "inbound"}
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@bp.get("/cases/<reference>", endpoint="case_page")
@page("case.read")
def case_page(reference: str) -> Any:
    """``?doc=<id>&page=<n>`` opens that document's viewer at page n (the page links without JavaScript)."""
    pages = {}
    doc_id, number = request.args.get("doc", type=int), request.args.get("page", type=int)
    if doc_id and number:
        pages[doc_id] = number
    return render_case(reference, pages=pages, done=_just_done(request.args.get("done", type=int)))


def _just_done(item_id: int | None) -> dict[str, Any] | None:
    """The item the user has just completed (``?done=<id>`` after completing): the page then offers "Get next"."""
    if not item_id:
        return None
    try:
        item = work.get_work_item(ctx(), item_id)
    except NotFound:
        return None
    return item if item["state"] == "completed" and item["assignee"] == user().username else None


@bp.get("/cases/<reference>/version", endpoint="case_version")
@page("case.read")
def case_version(reference: str) -> Any:
    """The case's change marker (a number that grows with every change): an open case page asks for it every
    few seconds and fetches itself again only when it moved."""
    return jsonify(version=changes.case_version(ctx(), reference))


@bp.get("/cases/<reference>/documents", endpoint="case_documents")
@page("case.read")
def case_documents(reference: str) -> Any:
    """The documents block alone: the case page polls it while a document is queued or being read."""
    return render("ui/_documents_fragment.html", docs=documents_state(reference))


@bp.get("/documents/<int:document_id>/viewer", endpoint="document_viewer")
@page("case.read")
def document_viewer(document_id: int) -> Any:
    """One page of a document's viewer (htmx swaps it in place), optionally with one field highlighted."""
    doc = documents.get_document(ctx(), document_id)
    shown = viewer(doc, request.args.get("page", 1, type=int), request.args.get("field", type=int))
    if shown is None:
        raise NotFound(f"document {document_id} has not been read yet")
    return render("ui/_doc_viewer_fragment.html", v=shown, reference=doc["case_reference"])


@bp.get("/documents/<int:document_id>/pages/<int:number>.png", endpoint="page_image")
@page("case.read")
def page_image(document_id: int, number: int) -> Response:
    width = request.args.get("width", VIEW_WIDTH, type=int)
    png = documents.page_png(ctx(), document_id, number, width)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/documents/<int:document_id>/content")
@page("case.read")
def document_content(document_id: int) -> Response:
    data, media_type, filename = documents.get_content(ctx(), document_id)
    response = Response(data, mimetype=media_type)
    safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "")
    response.headers["Content-Disposition"] = f'inline; filename="{safe_name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    if media_type != "application/pdf":  # Chromium will not show a PDF in a sandboxed document
        response.headers["Content-Security-Policy"] = SANDBOX
    return response


@bp.get("/processes/versions/<int:version_id>/diagram.bpmn")
@page("case.read", "process.read")
def diagram(version_id: int) -> Response:
    definition = worklist.version_definition(ctx(), version_id)
    return Response(worklist.diagram_xml(definition), mimetype="application/xml",
                    headers={"Cache-Control": "private, max-age=3600"})


@bp.post("/cases/<reference>/interactions")
@page("interaction.log")
def log_interaction(reference: str) -> Any:
    back = safe_next(request.form.get("back")) or url_for("ui.case_page", reference=reference)
    return log_and_return(reference, back)


@bp.post("/cases/<reference>/notes")
@page("interaction.log")
def add_note(reference: str) -> Any:
    back = url_for("ui.case_page", reference=reference) + "#notes-title"
    try:
        notes.add_note(ctx(), user(), reference, request.form.get("text", ""))
    except ValidationFailed as err:
        flash(fmt.said(f"The note was not added: {'; '.join((err.details or {}).values()) or err.message}",
                       "Write it again and press “Add note”"), "error")
        return redirect(back, code=303)
    flash("Note added to the timeline.", "success")
    return redirect(back, code=303)


def log_and_return(reference: str, back: str) -> Any:
    """Log a call, e-mail or visit on the case, then go back to where the form was (desk or case page)."""
    cmd = cases.LogInteraction(reference=reference,
                               channel=request.form.get("channel", INTERACTION_DEFAULTS["channel"]),
                               direction=request.form.get("direction", INTERACTION_DEFAULTS["direction"]),
                               summary=request.form.get("summary", ""))
    try:
        logged = cases.log_interaction(ctx(), cmd, user().username)
    except ValidationFailed as err:
        problems = "; ".join(f"{k} {v}" for k, v in (err.details or {}).items())
        flash(fmt.said(f"The interaction was not logged: {problems or err.message}",
                       "Correct it and press “Log interaction” again"), "error")
        return redirect(back, code=303)
    flash(f"{logged['channel'].capitalize()} logged on {reference}.", "success")
    return redirect(back, code=303)
