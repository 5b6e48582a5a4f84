"""The designer: every process and stored version, how many instances run on each, its diagram and what
``caseworks processes validate`` says about it."""
from __future__ import annotations

from itertools import groupby
from typing import Any

from engine.services import worklist
from webapp.ui import assets
from webapp.ui.base import bp, render
from webapp.ui.security import ctx, page


@bp.get("/designer", endpoint="designer")
@page("process.read", screen="designer")
def designer() -> Any:
    versions = worklist.process_versions(ctx())
    processes = [(key, list(rows)) for key, rows in groupby(versions, key=lambda r: r["process_key"])]
    return render("ui/designer.html", processes=processes)


@bp.get("/designer/versions/<int:version_id>", endpoint="designer_version")
@page("process.read", screen="designer")
def designer_version(version_id: int) -> Any:
    definition = worklist.version_definition(ctx(), version_id)
    row = next((v for v in worklist.process_versions(ctx()) if v["id"] == version_id), None)
    return render("ui/designer_version.html", definition=definition, version=row,
                  problems=worklist.validation_problems(definition, ctx().services),
                  running=worklist.running_cases(ctx(), version_id), files=sorted(definition.files),
                  diagram_ready=assets.available("bpmn-js", ctx().settings))
