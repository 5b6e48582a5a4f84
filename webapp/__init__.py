"""The web layer: REST API v1 (and later the UIs) over the engine's public service verbs."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify

from engine.bootstrap import build
from engine.context import Context
from engine.settings import Settings
from webapp import errors, hardening, ui
from webapp import selfservice as selfservice_pages
from webapp.api import cases, customers, documents, processes, repair, work_items
from webapp.api import selfservice_links, webhooks as webhooks_api
from webapp.api import schemas
from webapp.apispec import checked, document

MAX_BODY = 2 * 1024 * 1024
PROCESS_REFRESH_SECONDS = 1.0


def create_app(settings: Settings | None = None, *, context: Context | None = None, **build_args: Any) -> Flask:
    """Build the Flask app around an engine context (built from settings unless one is given)."""
    ctx = context or build(settings, **build_args)
    app = Flask(__name__)
    # Uploads may be as large as capture allows (plus the multipart envelope); JSON bodies stay small.
    app.config["MAX_CONTENT_LENGTH"] = max(MAX_BODY, ctx.settings.max_upload_bytes + 64 * 1024)
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["caseworks"] = ctx
    hardening.install(app, ctx)
    errors.install(app)
    app.register_blueprint(cases.bp)
    app.register_blueprint(work_items.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(customers.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(repair.bp)
    app.register_blueprint(webhooks_api.bp)
    app.register_blueprint(selfservice_links.bp)
    selfservice_pages.register(app)
    ui.register(app, ctx)

    @app.before_request
    def _processes_fresh() -> None:
        """Deployments made by other processes show in lists (new-case forms, /healthz) within a second."""
        ctx.processes.refresh_every(PROCESS_REFRESH_SECONDS, ctx.read)

    @app.get("/healthz")
    @checked({200: schemas.Health}, public=True)
    def healthz() -> Response:
        """Liveness, and the case types that can be opened"""
        return jsonify({"status": "ok", "processes": ctx.processes.case_types()})

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        """This document: generated from the API's models and the deployed processes"""
        return jsonify(document(app, ctx))

    return app
