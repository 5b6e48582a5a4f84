"""Process designers' API: deploy and list process versions, migrate running cases, and messages addressed
by correlation value."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from engine.errors import ValidationFailed
from engine.services import deployments, migrations
from engine.services.correlation import send_correlated
from webapp.api.common import ctx, field, json_body, principal, requires

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
def deploy() -> tuple[Response, int, dict[str, str]]:
    raw, folder = uploaded_package()
    version = deployments.deploy_package(ctx(), raw, principal().username, folder_name=folder)
    return jsonify(version), 201, {"Location": f"/api/v1/process-versions/{version['id']}"}


@bp.get("/api/v1/process-versions")
@requires("process.read")
def list_versions() -> Response:
    return jsonify({"items": deployments.list_versions(ctx(), request.args.get("case_type") or None),
                    "broken": deployments.broken_processes(ctx())})


@bp.get("/api/v1/process-versions/<int:version_id>")
@requires("process.read")
def get_version(version_id: int) -> Response:
    return jsonify(deployments.get_version(ctx(), version_id))


@bp.post("/api/v1/migrations")
@requires("process.deploy")
def migrate() -> Response:
    body = json_body()
    errors: dict[str, str] = {}
    case_type = field(body, "case_type", str, errors)
    from_version = field(body, "from_version", (int, str), errors)
    to_version = field(body, "to_version", (int, str), errors)
    dry_run = field(body, "dry_run", bool, errors, required=False, default=True)
    if errors:
        raise ValidationFailed("the migration request is not valid", details=errors)
    req = migrations.MigrationRequest(case_type, from_version, to_version, dry_run)
    return jsonify(migrations.migrate_cases(ctx(), req, principal().username))


@bp.post("/api/v1/messages/<name>")
@requires("message.send")
def send_message(name: str) -> tuple[Response, int]:
    body = json_body()
    errors: dict[str, str] = {}
    data = field(body, "data", dict, errors, required=False, default={})
    correlations = field(body, "correlations", dict, errors)
    if errors:
        raise ValidationFailed("the message is not valid", details=errors)
    return jsonify(send_correlated(ctx(), name, data, correlations, principal().username)), 202
