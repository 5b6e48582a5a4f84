"""Documents: accept an upload durably, capture it in the background, and show what was read.

An upload answers only after the bytes are in the blob store and the document row and its capture job are
committed together, so nothing accepted is ever lost. The job runs capture in a bounded child process
(``capture.sandbox``); a killed worker leaves the job to be taken again, and a document already indexed is
never indexed twice.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from capture import CaptureError, CaptureResult, LimitExceeded, PageNotFound, precheck, render_page_isolated
from capture.sandbox import run_isolated
from engine import search
from engine.context import Context
from engine.errors import DocumentTooLarge, InvalidDocument, NotFound, ValidationFailed
from engine.models import Case, Document, DocumentPage, DocumentStatus, Job
from engine.services import intake
from engine.services.cases import iso
from engine.services.instances import add_event, load_case

CAPTURE_JOB = "capture_document"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    channel: str = "api"
    reference: str | None = None  # None: the inbox


def upload(ctx: Context, up: Upload, actor: str) -> tuple[dict[str, Any], bool]:
    """Store and queue a document; returns its view and whether it is new (False: a duplicate upload)."""
    try:
        media_type = precheck(up.data, ctx.capture_limits)
    except LimitExceeded as err:
        raise DocumentTooLarge(str(err), details={"file": err.code}) from err
    except CaptureError as err:
        raise InvalidDocument(str(err), details={"file": getattr(err, "code", "invalid")}) from err
    key = ctx.blobs.put(up.data)  # content-addressed: storing first is safe, a retry stores nothing new
    with ctx.write() as session:
        case = load_case(session, up.reference) if up.reference else None
        case_id = case.id if case else None
        dedupe_key = f"{case_id if case_id is not None else 'inbox'}:{key}"
        duplicate = session.scalar(select(Document).where(Document.dedupe_key == dedupe_key))
        if duplicate is not None:
            return document_view(session, duplicate), False
        now = ctx.clock.now()
        doc = Document(sha256=key, case_id=case_id, filename=_safe_name(up.filename), media_type=media_type,
                       size=len(up.data), channel=up.channel, uploaded_by=actor, status=DocumentStatus.QUEUED.value,
                       fields=[], flags=[], created_at=now, updated_at=now, dedupe_key=dedupe_key)
        try:
            with session.begin_nested():  # the unique key decides between concurrent uploads of the same bytes
                session.add(doc)
                session.flush()
        except IntegrityError:
            return document_view(session, session.scalars(select(Document).where(
                Document.dedupe_key == dedupe_key)).one()), False
        job = Job(kind=CAPTURE_JOB, payload={"document_id": doc.id}, run_at=now, created_at=now)
        session.add(job)
        add_event(session, case_id, "document_received", actor,
                  {"document_id": doc.id, "filename": doc.filename, "channel": up.channel}, now)
        session.flush()
        view, job_id = document_view(session, doc), job.id
    ctx.jobs.dispatch([job_id])  # after the commit: a worker never sees a job before its document
    return view, True


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "document"
    return "".join(c for c in base if c.isprintable() and c not in '"<>')[:200]  # safe in a header and a page


def document_view(session: Session, doc: Document, reference: str | None = None) -> dict[str, Any]:
    if reference is None and doc.case_id:
        reference = session.scalar(select(Case.reference).where(Case.id == doc.case_id))
    return {
        "id": doc.id, "status": doc.status, "filename": doc.filename, "media_type": doc.media_type,
        "size": doc.size, "sha256": doc.sha256, "doc_type": doc.doc_type, "confidence": doc.confidence,
        "confident": doc.confident, "pages": doc.page_count, "ocr_pages": doc.ocr_pages, "fields": doc.fields,
        "flags": doc.flags, "case_reference": reference, "error": doc.error, "channel": doc.channel,
        "uploaded_by": doc.uploaded_by, "created_at": iso(doc.created_at), "processed_at": iso(doc.processed_at),
    }


def _load(session: Session, document_id: int) -> Document:
    doc = session.get(Document, document_id) if 0 < document_id < 2**63 else None
    if doc is None:
        raise NotFound(f"no document {document_id}")
    return doc


def get_document(ctx: Context, document_id: int) -> dict[str, Any]:
    with ctx.read() as session:
        return document_view(session, _load(session, document_id))


def case_documents(ctx: Context, reference: str) -> list[dict[str, Any]]:
    """Every document of a case, as ``get_document`` shows each, in one read."""
    with ctx.read() as session:
        case = load_case(session, reference)
        docs = session.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id))
        return [document_view(session, doc, case.reference) for doc in docs]


def get_content(ctx: Context, document_id: int) -> tuple[bytes, str, str]:
    """The original bytes, its media type and file name."""
    with ctx.read() as session:
        doc = _load(session, document_id)
        key, media_type, filename = doc.sha256, doc.media_type, doc.filename
    return ctx.blobs.get(key), media_type, filename


PAGE_LIMITS_WALL_SECONDS = 30.0
_png_cache: "OrderedDict[tuple[str, int, int], bytes]" = OrderedDict()
_png_lock = threading.Lock()


def page_png(ctx: Context, document_id: int, number: int, width: int = 1240) -> bytes:
    """The page as a PNG ``width`` pixels wide, drawn in a bounded child process (untrusted bytes).

    Field and word boxes scale onto it by ``width / page.width``. Pages are cached per process (a viewer
    asks for the same page again and again; a render costs a child process)."""
    if not 100 <= width <= 4000:
        raise ValidationFailed("invalid width", details={"width": "must be 100..4000 pixels"})
    with ctx.read() as session:
        key = _load(session, document_id).sha256
    cache_key = (key, number, width)
    with _png_lock:
        if cache_key in _png_cache:
            _png_cache.move_to_end(cache_key)
            return _png_cache[cache_key]
    limits = replace(ctx.capture_limits, max_wall_seconds=PAGE_LIMITS_WALL_SECONDS)
    try:
        png = render_page_isolated(ctx.blobs.get(key), number, limits, width=width)
    except PageNotFound as err:
        raise NotFound(str(err)) from err
    except LimitExceeded as err:
        raise DocumentTooLarge(str(err)) from err
    except CaptureError as err:
        raise InvalidDocument(str(err)) from err
    with _png_lock:
        _png_cache[cache_key] = png
        while len(_png_cache) > 64:
            _png_cache.popitem(last=False)
    return png


def page_words(ctx: Context, document_id: int, number: int) -> dict[str, Any]:
    with ctx.read() as session:
        page = session.scalar(select(DocumentPage).where(DocumentPage.document_id == document_id,
                                                         DocumentPage.number == number))
        if page is None:
            raise NotFound(f"document {document_id} has no page {number}")
        return {"number": page.number, "width": page.width, "height": page.height, "ocr": page.ocr,
                "rotation": page.rotation, "text": page.text, "words": page.words}


# -- the capture job ---------------------------------------------------------------------------------------
def capture_job(ctx: Context, payload: dict[str, Any]) -> None:
    """Read the document (in a bounded child process), then store what was read together with everything that
    follows from it (link, checklist, flags, routing items) in one transaction, then send the process message.

    A retried job whose document is already indexed reads nothing again but settles it again (idempotent), so
    a crash after the commit and before the message loses nothing."""
    document_id = int(payload["document_id"])
    with ctx.write() as session:
        doc = _load(session, document_id)
        indexed = doc.status in (DocumentStatus.INDEXED.value, DocumentStatus.DISCARDED.value)
        if not indexed:
            doc.status, doc.updated_at = DocumentStatus.PROCESSING.value, ctx.clock.now()
        key = doc.sha256
    if indexed:
        intake.after_capture(ctx, document_id)
        return
    result = run_isolated(ctx.blobs.get(key), ctx.capture_limits, ctx.capture_rules)
    store_result(ctx, document_id, result)


def store_result(ctx: Context, document_id: int, result: CaptureResult) -> None:
    """Store a capture result and settle the document in one transaction; then the process message."""
    pending = None
    with ctx.write() as session:
        doc = _load(session, document_id)
        if doc.status == DocumentStatus.INDEXED.value:
            return  # another worker finished it while this one was reading
        if result.ok:
            _store(ctx, session, doc, result)
            pending = intake.settle(ctx, session, doc)
        else:
            _fail(ctx, session, doc, result)
    intake.deliver(ctx, pending)


def _store(ctx: Context, session: Session, doc: Document, result: CaptureResult) -> None:
    now = ctx.clock.now()
    session.execute(delete(DocumentPage).where(DocumentPage.document_id == doc.id))
    session.add_all(DocumentPage(document_id=doc.id, number=p.number, text=p.text, ocr=p.source == "ocr",
                                 rotation=p.orientation, width=p.width, height=p.height,
                                 words=[[w.text, *w.box, round(w.conf, 1)] for w in p.words]) for p in result.pages)
    c = result.classification
    doc.doc_type, doc.confidence, doc.confident = c.doc_type, round(c.confidence, 3), c.confident
    doc.fields = [{"name": f.name, "value": f.value, "raw": f.raw, "page": f.page, "box": list(f.box),
                   "confidence": round(f.confidence, 3)} for f in result.fields]
    doc.page_count, doc.ocr_pages = len(result.pages), result.ocr_page_count
    doc.text, doc.error = result.text, None
    doc.status, doc.updated_at, doc.processed_at = DocumentStatus.INDEXED.value, now, now
    search.index(session, "document", str(doc.id), doc.case_id, f"{doc.filename} {c.doc_type}", result.text)
    add_event(session, doc.case_id, "document_indexed", "capture",
              {"document_id": doc.id, "doc_type": c.doc_type, "confidence": doc.confidence, "pages": doc.page_count,
               "ocr_pages": doc.ocr_pages}, now)


def _fail(ctx: Context, session: Session, doc: Document, result: CaptureResult) -> None:
    now = ctx.clock.now()
    doc.status, doc.error, doc.updated_at, doc.processed_at = DocumentStatus.FAILED.value, result.error, now, now
    add_event(session, doc.case_id, "document_failed", "capture",
              {"document_id": doc.id, "reason": result.error, "code": result.error_code}, now)


def capture_abandoned(ctx: Context, payload: dict[str, Any], reason: str) -> None:
    """The capture job was stopped (its document kept killing the worker): the document is failed with the
    reason, so a person sees it instead of a document that stays "processing" for ever."""
    with ctx.write() as session:
        doc = _load(session, int(payload["document_id"]))
        if doc.status != DocumentStatus.INDEXED.value:
            _fail(ctx, session, doc, CaptureResult.failed("worker_lost", reason, doc.media_type))
