"""Instance migration: move the running cases of one process version onto another, with a dry run first.

The dry run reads every case and says, per case, where each step it stands in maps in the new version, or
why it cannot move. The real run moves cases in batches, each case in its own transaction (a case that
cannot move, or that someone changed meanwhile, is reported and left where it was; the others move on).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.bpmn import repair as surgery
from engine.context import Context
from engine.errors import CaseworksError, ValidationFailed
from engine.models import Case, ProcessInstance
from engine.services.deployments import resolve_version
from engine.services.instances import load_instance
from engine.services.repair import migrate_loaded

BATCH = 100


@dataclass(frozen=True)
class MigrationRequest:
    case_type: str
    from_version: Any
    to_version: Any
    dry_run: bool = True


def migrate_cases(ctx: Context, req: MigrationRequest, actor: str) -> dict[str, Any]:
    if not isinstance(req.case_type, str) or not req.case_type:
        raise ValidationFailed("name the case type", details={"case_type": "is required"})
    source = resolve_version(ctx, req.case_type, req.from_version)
    target = resolve_version(ctx, req.case_type, req.to_version)
    if source == target:
        raise ValidationFailed("from_version and to_version are the same version", details={"to_version": "differs"})
    case_ids = _running(ctx, source)
    results: list[dict[str, Any]] = []
    for start in range(0, len(case_ids), BATCH):
        batch = case_ids[start:start + BATCH]
        results += [_plan(ctx, cid, target) if req.dry_run else _move(ctx, cid, source, target, actor)
                    for cid in batch]
    moved = sum(1 for r in results if r["result"] == "moved")
    movable = sum(1 for r in results if r["result"] in ("movable", "moved"))
    return {"case_type": req.case_type, "from_version_id": source, "to_version_id": target, "dry_run": req.dry_run,
            "total": len(results), "movable": movable, "moved": moved,
            "cannot_move": [r for r in results if r["result"] == "cannot_move"], "cases": results}


def _running(ctx: Context, version_id: int) -> list[int]:
    with ctx.read() as session:
        return list(session.scalars(select(ProcessInstance.case_id).where(
            ProcessInstance.process_version_id == version_id, ProcessInstance.completed.is_(False))
            .order_by(ProcessInstance.case_id)))


def _plan(ctx: Context, case_id: int, target: int) -> dict[str, Any]:
    with ctx.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        loaded = load_instance(ctx, session, case)
        new = ctx.processes.parsed(ctx.processes.by_version_id(session, target))
        workflow = ctx.runtime.load(loaded.parsed, loaded.instance.state, loaded.case_context())
        mapping, problems, _ = surgery.plan_migration(workflow, surgery.version_diff(loaded.parsed, new))
        if not problems:
            try:
                surgery.migrate(workflow, surgery.version_diff(loaded.parsed, new))  # on a copy: nothing is saved
            except surgery.CannotMigrate as err:
                problems = [err.message]
    return _row(case.reference, mapping, problems, "movable")


def _move(ctx: Context, case_id: int, source: int, target: int, actor: str) -> dict[str, Any]:
    reference = "?"
    try:
        with ctx.write() as session:
            case = session.get(Case, case_id)
            assert case is not None
            reference = case.reference
            loaded = load_instance(ctx, session, case)
            if loaded.instance.process_version_id != source or loaded.instance.completed:
                return _row(reference, {}, ["the case moved on or closed meanwhile"], "")
            mapping = migrate_loaded(ctx, session, loaded, target, actor, retry=False)
        return _row(reference, mapping, [], "moved")
    except CaseworksError as err:
        return _row(reference, {}, [err.message], "")


def _row(reference: str, mapping: dict[str, str], problems: list[str], ok: str) -> dict[str, Any]:
    if problems:
        return {"reference": reference, "result": "cannot_move", "steps": mapping, "reasons": problems}
    return {"reference": reference, "result": ok, "steps": mapping}
