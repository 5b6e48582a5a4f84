"""Front-end libraries served from node_modules (installed by ``make setup`` from package-lock.json): htmx and
the bpmn-js viewer. Nothing is loaded from the internet at run time."""
from __future__ import annotations

from pathlib import Path

from flask import Response, send_from_directory
from werkzeug.exceptions import NotFound

from engine.settings import PROJECT_ROOT, Settings
from webapp.ui.base import bp
from webapp.ui.security import ctx

LIBRARIES = {"htmx": ("htmx.org", "dist"), "bpmn-js": ("bpmn-js", "dist"), "dmn-js": ("dmn-js", "dist")}
SUFFIXES = (".js", ".css", ".woff", ".woff2", ".ttf", ".eot", ".svg")


def library_dir(name: str, settings: Settings) -> Path:
    """``CASEWORKS_NODE_MODULES`` when set (an installed package), else the repository's node_modules."""
    package, sub = LIBRARIES[name]
    return (settings.node_modules or PROJECT_ROOT / "node_modules") / package / sub


def available(name: str, settings: Settings) -> bool:
    return library_dir(name, settings).is_dir()


@bp.get("/ui/vendor/<library>/<path:filename>")
def vendor(library: str, filename: str) -> Response:
    if library not in LIBRARIES or not filename.endswith(SUFFIXES):
        raise NotFound("no such front-end asset")
    response = send_from_directory(library_dir(library, ctx().settings), filename, max_age=3600)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
