"""Front-end libraries served from node_modules (installed by ``make setup`` from package-lock.json): htmx and
the bpmn-js viewer. Nothing is loaded from the internet at run time."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Response, send_from_directory
from werkzeug.exceptions import NotFound

from engine.settings import PROJECT_ROOT
from webapp.ui.base import bp

NODE_MODULES = Path(os.environ.get("CASEWORKS_NODE_MODULES", str(PROJECT_ROOT / "node_modules")))
LIBRARIES = {"htmx": ("htmx.org", "dist"), "bpmn-js": ("bpmn-js", "dist")}
SUFFIXES = (".js", ".css", ".woff", ".woff2", ".ttf", ".eot", ".svg")


def library_dir(name: str) -> Path:
    package, sub = LIBRARIES[name]
    return NODE_MODULES / package / sub


def available(name: str) -> bool:
    return library_dir(name).is_dir()


@bp.get("/ui/vendor/<library>/<path:filename>")
def vendor(library: str, filename: str) -> Response:
    if library not in LIBRARIES or not filename.endswith(SUFFIXES):
        raise NotFound("no such front-end asset")
    response = send_from_directory(library_dir(library), filename, max_age=3600)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
