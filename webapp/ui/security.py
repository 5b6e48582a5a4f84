"""Browser sessions for the UI: the signing key, who is signed in, role checks per page, and CSRF tokens.

The session is Flask's signed cookie (user id and name, the user's session generation, a CSRF token); the user
is looked up again on every request, so a role change applies at once, and a cookie whose generation is not
the user's current one is refused: signing out, a new password or deactivation ends every session of the
user at once, in every process, including copies of the cookie taken before. Every state-changing request
carries the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) and is refused without it.
"""
from __future__ import annotations

import hmac
import secrets
from functools import wraps
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for
from werkzeug.exceptions import BadRequest

from engine.context import Context
from engine.keys import kept_secret
from webapp.api.common import ctx
from engine.errors import AuthenticationRequired
from engine.services import auth
from webapp.ui import roles

F = TypeVar("F", bound=Callable[..., Any])
SECRET_FILE = "ui-secret-key"
CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(BadRequest):
    description = "This form has expired or did not come from Caseworks. Go back, reload the page and try again."


def secret_key(ctx: Context) -> str:
    """``CASEWORKS_SECRET_KEY`` when set; otherwise a random key kept in the home folder, so restarts (and the
    other ``serve`` processes) keep the same sessions. Created once, atomically: the first process wins."""
    return kept_secret(ctx.settings.secret_key, Path(ctx.settings.home), SECRET_FILE)


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return str(token)


def check_csrf() -> None:
    """Refuse a state-changing request without the session's token (400)."""
    if request.method in SAFE_METHODS:
        return
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), given):
        raise CsrfRejected()


def sign_in(principal: auth.Principal) -> None:
    """A fresh session for the user (nothing carried over from before the sign-in, a new CSRF token)."""
    session.clear()
    session.permanent = True
    session["user"] = principal.username
    session["uid"] = principal.user_id
    session["gen"] = principal.session_generation
    csrf_token()


def sign_out() -> None:
    """End this user's sessions everywhere (a copied cookie too), then clear this browser's."""
    who = current_user()
    if who is not None:
        auth.end_sessions(ctx(), who.user_id)
    session.clear()


def current_user() -> auth.Principal | None:
    """The signed-in user, looked up once per request (None when nobody is signed in or the user is gone)."""
    if "principal" not in g:
        username = session.get("user")
        who = None
        if username:
            try:
                who = auth.principal_for(ctx(), username)
            except AuthenticationRequired:
                session.clear()
            if who is not None and (who.user_id != session.get("uid") or
                                    who.session_generation != session.get("gen")):
                session.clear()  # signed out / new password since, or the name now belongs to someone else
                who = None
        g.principal = who
    return g.principal  # type: ignore[no-any-return]


def user() -> auth.Principal:
    who = current_user()
    if who is None:
        raise AuthenticationRequired("sign in first")
    return who


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after signing in (never another site)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def page(*permissions: str, screen: str | None = None) -> Callable[[F], F]:
    """Sign-in (redirect to the login page) and role check (403) for a UI view; with several permissions,
    any one of them will do. ``screen`` names the screen (``roles.SCREENS``) the view belongs to."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = current_user()
            if who is None:
                if request.method in SAFE_METHODS:
                    return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
                raise AuthenticationRequired("your session has ended; sign in again")
            if permissions and not any(who.can(p) for p in permissions):
                who.require(permissions[0])
            if screen is not None:
                roles.require_screen(who, screen)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
