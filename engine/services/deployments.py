"""Deploying a process version without a restart, and listing versions for designers and the API.

A deployment is validated exactly as ``caseworks processes validate`` would validate the folder; with any
problem nothing is stored. Otherwise the version is stored (once per content hash), made current, and the
deployment counter bumped, so every other web and worker process picks it up on its next request or tick.
"""
from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from engine.bpmn.loader import ProcessDefinition, content_hash
from engine.bpmn.package import read_package
from engine.bpmn.validate import validate_files
from engine.context import Context
from engine.errors import NotFound, ValidationFailed
from engine.models import ProcessInstance, ProcessVersion
from engine.services.instances import add_event

CASE_TYPE = re.compile(r"[a-z][a-z0-9_]{0,39}")


class DeploymentRefused(ValidationFailed):
    """The process has problems; ``details.problems`` lists them as ``file:line: message``."""

    code = "deployment_refused"


def deploy_package(ctx: Context, raw: bytes, actor: str, folder_name: str = "") -> dict[str, Any]:
    """Deploy a zip of one process folder (the API and the designer upload)."""
    files, inner = read_package(raw)
    return deploy_files(ctx, files, actor, folder_name=inner or folder_name)


def deploy_files(ctx: Context, files: dict[str, bytes], actor: str, folder_name: str = "",
                 where: str | None = None) -> dict[str, Any]:
    """Validate, store and activate one process folder's files; DeploymentRefused lists every problem
    (named ``where/<file>``: the folder the designer knows, by default the package's folder name)."""
    where = folder_name if where is None else where
    problems = [str(p) for p in validate_files(files, ctx.services, where=where)]
    manifest = _manifest(files)
    key = str(manifest.get("case_type") or folder_name)
    if not CASE_TYPE.fullmatch(key):
        problems.insert(0, f"{_in(where, 'process.json')}:1: the manifest must name its case_type "
                           "(lower-case letters, digits and _, at most 40)")
    if problems:
        raise DeploymentRefused(f"the process has {len(problems)} problem(s); nothing was deployed",
                                details={"problems": problems})
    definition = ProcessDefinition(key=key, files=files, manifest=manifest, version=content_hash(files),
                                   source_dir=where)
    ctx.processes.parsed(definition)  # parse once before anything is stored
    with ctx.write() as session:
        now = ctx.clock.now()
        row = ctx.processes.record(session, definition, now, actor=actor, deploy=True)
        add_event(session, None, "process_deployed", actor,
                  {"case_type": key, "version": definition.version, "version_id": row.id}, now)
        ctx.processes.sync(session)
        version_id = row.id
    return get_version(ctx, version_id)


def _in(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _manifest(files: dict[str, bytes]) -> dict[str, Any]:
    try:
        manifest = json.loads(files.get("process.json", b"{}"))
    except ValueError:
        return {}
    return manifest if isinstance(manifest, dict) else {}


def list_versions(ctx: Context, case_type: str | None = None) -> list[dict[str, Any]]:
    """Every stored version, newest deployment first per process, with its instance counts."""
    with ctx.read() as session:
        ctx.processes.refresh(session)
    running = func.sum(sql_case((ProcessInstance.completed.is_(False), 1), else_=0))
    query = (select(ProcessVersion.id, ProcessVersion.process_key, ProcessVersion.name, ProcessVersion.version,
                    ProcessVersion.created_at, ProcessVersion.deployed_seq, ProcessVersion.deployed_by,
                    func.count(ProcessInstance.id).label("total"), func.coalesce(running, 0).label("running"))
             .outerjoin(ProcessInstance, ProcessInstance.process_version_id == ProcessVersion.id)
             .group_by(ProcessVersion.id)
             .order_by(ProcessVersion.process_key, ProcessVersion.deployed_seq.desc().nulls_last(),
                       ProcessVersion.id.desc()))
    if case_type:
        query = query.where(ProcessVersion.process_key == case_type)
    with ctx.read() as session:
        rows = session.execute(query).all()
    current = {ctx.processes.version_id(d) for d in ctx.processes.definitions()}
    return [_view(row, row.id in current) for row in rows]


def get_version(ctx: Context, version_id: int) -> dict[str, Any]:
    found = [v for v in list_versions(ctx) if v["id"] == version_id]
    if not found:
        raise NotFound(f"process version {version_id} does not exist")
    return found[0]


def _view(row: Any, current: bool) -> dict[str, Any]:
    return {"id": row.id, "case_type": row.process_key, "name": row.name, "version": row.version,
            "created_at": row.created_at.isoformat(), "deployed_by": row.deployed_by, "current": current,
            "running_cases": int(row.running), "total_cases": int(row.total)}


def broken_processes(ctx: Context) -> list[dict[str, Any]]:
    return [{"case_type": b.key, "problems": b.problems} for b in ctx.processes.broken()]


def resolve_version(ctx: Context, case_type: str, ref: Any) -> int:
    """A version of ``case_type`` named by its id or its content hash (or a prefix of 8+ characters)."""
    query = select(ProcessVersion.id, ProcessVersion.version).where(ProcessVersion.process_key == case_type)
    with ctx.read() as session:
        rows = session.execute(query).all()
    if isinstance(ref, int) and not isinstance(ref, bool):
        found = [version_id for version_id, _hash in rows if version_id == ref]
    elif isinstance(ref, str) and len(ref) >= 8:
        found = [version_id for version_id, content_hash in rows if content_hash.startswith(ref.lower())]
    else:
        raise ValidationFailed("a version is its id or its hash (8 characters or more)",
                               details={"version": "must be an id or a hash prefix"})
    if len(found) != 1:
        raise ValidationFailed(f"'{case_type}' has {'no' if not found else 'more than one'} version '{ref}'",
                               details={"version": "see GET /api/v1/process-versions"})
    return found[0]
