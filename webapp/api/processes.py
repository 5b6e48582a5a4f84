"""Process designers' API: deploy and list process versions, migrate running cases, and messages addressed
by correlation value."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.services import deployments, migrations
from engine.services.correlation import send_correlated
from webapp.api import schemas as s
from webapp.api.common import ctx, principal, requires
from webapp.apispec import body, checked, query

bp = Blueprint("processes", __name__)


def uploaded_package() -> tuple[bytes, str]:
    """The zip in multipart field ``file`` and the name of the folder it came from (its file name)."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("upload the zipped process folder in the multipart field 'file'",
                               details={"file": "is required"})
    raw = upload.read()
    stem = (upload.filename or "").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return raw, stem if deployments.CASE_TYPE.fullmatch(stem) else ""


@bp.post("/api/v1/process-versions")
@requires("process.deploy")
@checked({201: s.ProcessVersion}, 413, form=s.Upload)
def deploy() -> tuple[Response, int, dict[str, str]]:
    """Deploy a zipped process folder (multipart field 'file'); validated first, current at once"""
    raw, folder = uploaded_package()
    version = deployments.deploy_package(ctx(), raw, principal().username, folder_name=folder)
    return jsonify(version), 201, {"Location": f"/api/v1/process-versions/{version['id']}"}


@bp.get("/api/v1/process-versions")
@requires("process.read")
@checked({200: s.ProcessVersions}, query=s.VersionQuery)
def list_versions() -> Response:
    """Every stored version, and the processes that are broken"""
    return jsonify({"items": deployments.list_versions(ctx(), query(s.VersionQuery).case_type or None),
                    "broken": deployments.broken_processes(ctx())})


@bp.get("/api/v1/process-versions/<int:id>")
@requires("process.read")
@checked({200: s.ProcessVersion}, 404)
def get_version(id: int) -> Response:
    """One version"""
    return jsonify(deployments.get_version(ctx(), id))


@bp.post("/api/v1/migrations")
@requires("process.deploy")
@checked({200: s.MigrationReport}, json=s.Migration)
def migrate() -> Response:
    """Move the running cases of one version to another (dry run first: per case where each step maps)"""
    m = body(s.Migration)
    req = migrations.MigrationRequest(m.case_type, m.from_version, m.to_version, m.dry_run)
    return jsonify(migrations.migrate_cases(ctx(), req, principal().username))


@bp.post("/api/v1/messages/<name>")
@requires("message.send")
@checked({202: s.Case}, 409, json=s.CorrelatedMessage)
def send_message(name: str) -> tuple[Response, int]:
    """Deliver a message to the one running case waiting for it with these correlation values"""
    m = body(s.CorrelatedMessage)
    return jsonify(send_correlated(ctx(), name, m.data, m.correlations, principal().username)), 202
