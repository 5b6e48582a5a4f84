"""The designer: every process and stored version, how many instances run on each, its diagram and what
``caseworks processes validate`` says about it; broken processes; deploying a zipped process folder."""
from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import flash, redirect, request, url_for

from engine.bpmn.package import PackageRefused
from engine.services import deployments, worklist
from engine.services.deployments import DeploymentRefused
from webapp.ui import assets
from webapp.ui.base import bp, render
from webapp.ui.security import ctx, page, user


def _designer_page(status: int = 200, problems: list[str] | None = None, refused: str | None = None) -> Any:
    versions = deployments.list_versions(ctx())
    processes = [(key, list(rows)) for key, rows in groupby(versions, key=lambda r: r["case_type"])]
    return render("ui/designer.html", status, processes=processes, broken=deployments.broken_processes(ctx()),
                  problems=problems or [], refused=refused, can_deploy=user().can("process.deploy"))


@bp.get("/designer", endpoint="designer")
@page("process.read", screen="designer")
def designer() -> Any:
    return _designer_page()


@bp.post("/designer/deploy", endpoint="designer_deploy")
@page("process.deploy")
def designer_deploy() -> Any:
    """Deploy an uploaded zip; refused packages come back with every problem listed (nothing deployed)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _designer_page(422, refused="Choose a zipped process folder to deploy.")
    stem = upload.filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    folder = stem if deployments.CASE_TYPE.fullmatch(stem) else ""
    try:
        version = deployments.deploy_package(ctx(), upload.read(), user().username, folder_name=folder)
    except DeploymentRefused as err:
        return _designer_page(422, problems=err.details["problems"], refused=err.message)
    except PackageRefused as err:
        return _designer_page(413 if err.code == "package_too_large" else 422, refused=err.message)
    flash(f"Deployed {version['name']} version {version['version'][:12]}: new cases start on it now.", "success")
    return redirect(url_for("ui.designer_version", version_id=version["id"]), code=303)


@bp.get("/designer/versions/<int:version_id>", endpoint="designer_version")
@page("process.read", screen="designer")
def designer_version(version_id: int) -> Any:
    definition = worklist.version_definition(ctx(), version_id)
    row = deployments.get_version(ctx(), version_id)
    return render("ui/designer_version.html", definition=definition, version=row,
                  problems=worklist.validation_problems(definition, ctx().services),
                  running=worklist.running_cases(ctx(), version_id), files=sorted(definition.files),
                  diagram_ready=assets.available("bpmn-js", ctx().settings))
