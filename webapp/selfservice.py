"""The customer's page behind a self-service link: no account, mobile-first, CSRF-safe and rate-limited.

There is no session: the signed link is the credential. Forms carry a token signed for this link and a few
hours (so a form on another site cannot post here without the link, and an old form expires), and requests
from another origin are refused. Each client address and each link get a bounded number of requests.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engine.errors import CaseworksError, Conflict, DocumentTooLarge, ValidationFailed
from engine.services import selfservice
from webapp.api.common import ctx
from webapp.ui import fmt

bp = Blueprint("selfservice", __name__)
FORM_SALT, FORM_MAX_AGE = "caseworks.self-service.form", 6 * 3600
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


class RateLimiter:
    """A sliding window per key, in this process: enough to stop a script guessing or flooding one page."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, limit: int, window: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 50_000:
                self._hits.clear()
            hits = self._hits[key]
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True


LIMITER = "caseworks.self_service_limiter"
LIMITS = {"GET": (120, 60.0), "POST": (20, 600.0)}  # per client address; per link the same again




@bp.before_request
def _guard() -> Any:
    limit, window = LIMITS["POST" if request.method == "POST" else "GET"]
    token = (request.view_args or {}).get("token", "")
    for key in (f"ip:{request.method}:{request.remote_addr}", f"link:{request.method}:{token[-24:]}"):
        if not current_app.extensions[LIMITER].allow(key, limit, window):
            return _plain_page("Please wait a moment", "There were too many requests from here. Try again in a "
                               "few minutes.", 429)
    if request.method == "POST":
        origin = request.headers.get("Origin") or request.headers.get("Referer")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            abort(403)
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # the link is the credential: never sent to other sites
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _plain_page(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("selfservice/message.html", title=title, message=message), status


@bp.errorhandler(selfservice.LinkNotValid)
def _invalid(err: selfservice.LinkNotValid) -> tuple[str, int]:
    return _plain_page("This link no longer works",
                       "The link has expired or was withdrawn. Please contact us and we will send you a new one.", 410)


@bp.errorhandler(403)
def _forbidden(err: Any) -> tuple[str, int]:
    return _plain_page("This form has expired", "Go back, reload the page and try again.", 403)


def _form_token(token: str) -> str:
    return URLSafeTimedSerializer(selfservice.signing_key(ctx()), salt=FORM_SALT).dumps(token[-32:])


def _check_form(token: str) -> None:
    """The link first (an invalid one gets its clear page), then the form's own token."""
    selfservice.case_of(ctx(), token)
    try:
        bound = URLSafeTimedSerializer(selfservice.signing_key(ctx()), salt=FORM_SALT).loads(
            request.form.get("form_token", ""), max_age=FORM_MAX_AGE)
    except BadSignature:
        abort(403)
    if bound != token[-32:]:
        abort(403)


def _show(token: str, message: str = "", error: str = "", status: int = 200) -> tuple[str, int]:
    view = selfservice.page(ctx(), token)
    return render_template("selfservice/page.html", case=view, token=token, form_token=_form_token(token),
                           message=message, error=error, fmt=fmt), status


MESSAGES = {"sent": "Thank you, we received your document. It is being read now.",
            "again": "We already have this document.", "thanks": "Thank you for your answers."}


@bp.get("/s/<token>")
def page(token: str) -> Any:
    return _show(token, MESSAGES.get(request.args.get("done", ""), ""))


@bp.post("/s/<token>/documents")
def send_document(token: str) -> Any:
    _check_form(token)
    file = next((f for f in request.files.getlist("file") if f.filename), None)  # the camera or a chosen file
    if file is None:
        return _show(token, error="Choose a photo or file to send.", status=422)
    try:
        sent = selfservice.upload(ctx(), token, selfservice.Upload(file.filename, file.read()))
    except (ValidationFailed, DocumentTooLarge) as err:
        return _show(token, error=f"We could not accept this file: {err.message}.", status=422)
    return redirect(url_for("selfservice.page", token=token, done="sent" if sent["new"] else "again"), code=303)


@bp.post("/s/<token>/feedback")
def feedback(token: str) -> Any:
    _check_form(token)
    try:
        selfservice.give_feedback(ctx(), token, request.form.get("satisfaction"), request.form.get("ease"))
    except (ValidationFailed, Conflict) as err:
        return _show(token, error=err.message[:1].upper() + err.message[1:] + ".", status=422)
    return redirect(url_for("selfservice.page", token=token, done="thanks"), code=303)


@bp.errorhandler(CaseworksError)
def _other(err: CaseworksError) -> tuple[str, int]:
    return _plain_page("Something went wrong", "Please try again later, or contact us.", 500)


def register(app: Flask) -> None:
    app.extensions[LIMITER] = RateLimiter()
    app.register_blueprint(bp)
