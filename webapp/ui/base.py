"""The UI blueprint: page rendering with the navigation a role may use, security headers, CSRF on every
state-changing request, and HTML error pages (the REST API keeps its JSON errors)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from engine.errors import AuthenticationRequired, CaseworksError
from webapp import errors as api_errors
from webapp.ui import fmt, roles
from webapp.ui.security import check_csrf, csrf_token, ctx, current_user

bp = Blueprint("ui", __name__)

NAV = (("Worklist", "ui.worklist", "worklist"), ("Desk", "ui.desk", "desk"), ("Designer", "ui.designer", "designer"))
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def nav_items() -> list[tuple[str, str]]:
    who = current_user()
    if who is None:
        return []
    return [(label, url_for(endpoint)) for label, endpoint, screen in NAV if roles.may_open(who, screen)]


def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


@bp.before_request
def _csrf() -> None:
    check_csrf()


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.record_once
def _template_globals(state: Any) -> None:
    """Globals (not a context processor), so imported macros see them too."""
    state.app.jinja_env.globals.update(me=current_user, nav_items=nav_items, csrf_token=csrf_token, fmt=fmt,
                                       works_items=roles.works_items)


@bp.app_template_filter("sla")
def _sla(due_at: Any) -> fmt.Badge:
    return fmt.sla_badge(due_at, ctx().clock.now())


@bp.app_template_filter("when")
def _when(value: Any) -> str:
    return fmt.when(value)


@bp.app_template_filter("ago")
def _ago(value: Any) -> str:
    return fmt.ago(value, ctx().clock.now())


@bp.app_template_filter("human")
def _human(value: Any) -> str:
    return fmt.humanize(value)


@bp.app_template_filter("sentence")
def _sentence(value: Any) -> str:
    return fmt.sentence(value)


NEXT_STEPS = {
    400: "Go back, reload the page and try again.",
    403: "Go back to your own screens from the menu above, or ask an administrator for the role this needs.",
    404: "Check the reference or the link; on the desk you can search by name, e-mail, phone or reference.",
    409: "Reload the page to see what changed, then try again.",
    413: "Choose a smaller file, or scan fewer pages at a time.",
    422: "Correct what is marked and send it again.",
}


def error_page(status: int, title: str, message: str, details: Any = None) -> Any:
    """Every error a person reads: what went wrong as a sentence, then what to do next."""
    next_step = NEXT_STEPS.get(status, "Try again in a moment; if it keeps happening, tell your administrator.")
    if is_htmx():
        return Response(fmt.said(message, next_step), status=status, mimetype="text/plain")
    return render("ui/error.html", status, title=title, message=message, details=details, next_step=next_step)


@bp.errorhandler(CaseworksError)
def _domain_error(err: CaseworksError) -> Any:
    if isinstance(err, AuthenticationRequired):
        flash(err.message, "error")
        return redirect(url_for("ui.login"), code=303)
    status = api_errors.status_for(err)
    titles = {403: "Not allowed", 404: "Not found", 409: "Someone got there first", 422: "Not valid"}
    return error_page(status, titles.get(status, "Something went wrong"), err.message, err.details)


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Any:
    return error_page(err.code or 500, err.name, err.description or err.name)


@bp.errorhandler(Exception)
def _unexpected(err: Exception) -> Any:
    current_app.logger.exception("unhandled error in the UI")
    return error_page(500, "Something went wrong", "An unexpected error occurred and it has been logged")
