"""Signing in and out, and the home page that sends each role to where it works."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for

from engine.errors import AuthenticationRequired, ServiceBusy, TooManyAttempts
from engine.services import auth
from webapp.hardening import THROTTLE
from webapp.ui.base import bp, render
from webapp.ui.security import ctx, current_user, safe_next, sign_in, sign_out

HOMES = (("work.read", "ui.worklist"), ("case.read", "ui.desk"), ("process.read", "ui.designer"))


def home_for(who: auth.Principal) -> str:
    """Front office to the desk, designers to the designer, everyone who works items to the worklist."""
    if "frontoffice" in who.roles and not who.can("work.claim"):
        return url_for("ui.desk")
    if "designer" in who.roles and not who.can("work.claim"):
        return url_for("ui.designer")
    return next((url_for(endpoint) for permission, endpoint in HOMES if who.can(permission)), url_for("ui.login"))


@bp.get("/")
def home() -> Any:
    who = current_user()
    return redirect(home_for(who) if who else url_for("ui.login"))


@bp.get("/login")
def login() -> Any:
    who = current_user()
    if who is not None:
        return redirect(safe_next(request.args.get("next")) or home_for(who))
    return render("ui/login.html", next=safe_next(request.args.get("next")) or "")


@bp.post("/login")
def login_submit() -> Any:
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    again = safe_next(request.form.get("next")) or ""
    try:
        who = auth.authenticate_password(ctx(), username, password, address=request.remote_addr,
                                         throttle=current_app.extensions[THROTTLE])
    except AuthenticationRequired:
        return render("ui/login.html", 401, error="Unknown user or wrong password.", username=username, next=again)
    except (TooManyAttempts, ServiceBusy) as err:
        page, status = render("ui/login.html", 429 if isinstance(err, TooManyAttempts) else 503,
                              error=err.message[:1].upper() + err.message[1:] + ".", username=username, next=again)
        return page, status, {"Retry-After": str(err.retry_after)}
    sign_in(who)
    return redirect(safe_next(request.form.get("next")) or home_for(who), code=303)


@bp.post("/logout")
def logout() -> Any:
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("ui.login"), code=303)
