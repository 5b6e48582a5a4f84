"""The browser UI: worklist, case page, front-office desk and designer views (server-rendered Jinja, a little
htmx, bpmn-js for diagrams), over the same engine service verbs as the REST API."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from engine.context import Context
from webapp.ui import assets, auth_views, case_views, designer_views, desk_views, work_views  # noqa: F401 - routes
from webapp.ui import modeler_views, repair_views  # noqa: F401 - routes
from webapp.ui import selfservice_views  # noqa: F401 - routes
from webapp.ui.base import bp
from webapp.ui.security import secret_key

SESSION_HOURS = 12


def register(app: Flask, ctx: Context) -> None:
    """Add the UI's routes; sessions are signed with the configured secret (or one kept in the home folder)."""
    app.secret_key = secret_key(ctx)
    app.config.update(SESSION_COOKIE_NAME="caseworks_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.register_blueprint(bp)
