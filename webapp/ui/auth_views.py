"""Signing in and out, and the home page that sends each role to where it works."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for

from engine.errors import AuthenticationRequired, ServiceBusy, TooManyAttempts
from engine.services import auth
from webapp.hardening import THROTTLE
from webapp.ui import roles
from webapp.ui.base import bp, render
from webapp.ui.security import ctx, current_user, safe_next, sign_in, sign_out

HOMES = {"worklist": "ui.worklist", "desk": "ui.desk", "designer": "ui.designer"}


def home_for(who: auth.Principal) -> str:
    """Front office to the desk, designers to the designer, back office to the worklist (the first screen of
    the role's work, in ``roles.SCREENS`` order); an account with no screen (integration) to the start page,
    which says how it works instead."""
    screens = roles.screens(who)
    if "worklist" in screens and not roles.works_items(who):
        screens.remove("worklist")
    return url_for(HOMES[screens[0]]) if screens else url_for("ui.home")


@bp.get("/")
def home() -> Any:
    who = current_user()
    if who is None:
        return redirect(url_for("ui.login"))
    if not roles.screens(who):
        return render("ui/no_screens.html")
    return redirect(home_for(who))


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
