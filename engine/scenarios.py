"""Designer scenarios: ``scenarios/*.json`` beside a process, run by ``caseworks processes test`` on the real
runtime (a throw-away embedded database, a manual clock, the same service verbs the API uses).

A scenario file::

    {"name": "a small claim is paid",
     "start": {"data": {...}, "customer": "Ann Example", "channel": "web"},
     "steps": [
       {"complete": "assess", "data": {"decision": "approve"}},
       {"message": "documents_received", "data": {...}, "correlations": {...}},
       {"advance": "P3D"},
       {"expect": {"status": "closed", "outcome": "paid", "status_text": "paid",
                   "open_tasks": ["approve"], "waiting_for": ["..."], "data": {"amount": 800}}}]}

``status_text`` is matched as a case-insensitive substring; ``data`` fields must equal; everything else is
compared as given. A scenario stops at its first failing step and says which one and why.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.bootstrap import build
from engine.handlers import default_services
from engine.bpmn.loader import ProcessDefinition, read_process_dir
from engine.bpmn.templates import parse_duration
from engine.clock import ManualClock
from engine.context import Context
from engine.errors import CaseworksError
from engine.services import auth, cases, scheduler, work
from engine.services.parties import Customer
from engine.settings import Settings

ACTOR = "scenario"


class ScenarioFailed(Exception):
    pass


@dataclass
class ScenarioResult:
    file: str
    name: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.file}: {self.name}"
        return "\n".join([head, *(f"  {f}" for f in self.failures)])


def run_scenario_paths(paths: list[Path]) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    for folder, files in _scenario_files(paths):
        definition = read_process_dir(folder)
        results += [run_scenario(definition, f) for f in files]
    return results


def _scenario_files(paths: list[Path]) -> list[tuple[Path, list[Path]]]:
    found: dict[Path, list[Path]] = {}
    for path in paths:
        if path.is_file() and path.parent.name == "scenarios":
            found.setdefault(path.parent.parent, []).append(path)
            continue
        folders = [path] if (path / "process.json").is_file() else sorted(p.parent for p in path.glob("*/process.json"))
        for folder in folders:
            found.setdefault(folder, []).extend(sorted((folder / "scenarios").glob("*.json")))
    return [(folder, files) for folder, files in found.items() if files]


def run_scenario(definition: ProcessDefinition, path: Path) -> ScenarioResult:
    try:
        scenario = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        return ScenarioResult(str(path), path.stem, [f"cannot read the scenario: {err}"])
    result = ScenarioResult(str(path), str(scenario.get("name", path.stem)))
    with tempfile.TemporaryDirectory(prefix="caseworks-scenario-") as home:
        clock = ManualClock()
        settings = Settings(home=Path(home), processes_dir=Path(home) / "none", worker_enabled=False)
        # Service handlers read their reference data (e.g. the watch list) beside the process under test.
        ctx = build(settings, clock=clock, definitions=[definition],
                    services=default_services(path.parent.parent.parent))
        try:
            _play(ctx, clock, definition.key, scenario, result)
        finally:
            ctx.db.dispose()
    return result


def _play(ctx: Context, clock: ManualClock, case_type: str, scenario: dict[str, Any], result: ScenarioResult) -> None:
    start = scenario.get("start", {})
    worker = auth.ensure_user(ctx, "scenario-worker", ["backoffice"])
    who = auth.principal_for(ctx, worker.username)
    try:
        view, _ = cases.open_case(ctx, cases.OpenCase(case_type, Customer(str(start.get("customer", "Scenario Customer"))),
                                                      str(start.get("channel", "web")), dict(start.get("data", {}))), ACTOR)
    except CaseworksError as err:
        result.failures.append(f"start: {err.message} {err.details or ''}".rstrip())
        return
    reference = view["reference"]
    for number, step in enumerate(scenario.get("steps", []), 1):
        try:
            _step(ctx, clock, reference, step, who)
        except (ScenarioFailed, CaseworksError) as err:
            message = err.message if isinstance(err, CaseworksError) else str(err)
            details = f" {err.details}" if isinstance(err, CaseworksError) and err.details else ""
            result.failures.append(f"step {number} {json.dumps(step)[:120]}: {message}{details}")
            return


def _step(ctx: Context, clock: ManualClock, reference: str, step: dict[str, Any], who: auth.Principal) -> None:
    if "complete" in step:
        case = cases.get_case(ctx, reference)
        items = [t for t in case["open_tasks"] if t["name"] == step["complete"]]
        if not items:
            raise ScenarioFailed(f"no open task '{step['complete']}' (open: {[t['name'] for t in case['open_tasks']]})")
        work.claim(ctx, items[0]["id"], who)
        work.complete(ctx, items[0]["id"], dict(step.get("data", {})), who)
    elif "message" in step:
        cases.send_message(ctx, reference, step["message"], dict(step.get("data", {})), ACTOR,
                           dict(step.get("correlations", {})))
    elif "advance" in step:
        clock.advance(parse_duration(str(step["advance"])))
        while scheduler.fire_due_timers(ctx):
            pass
    elif "expect" in step:
        _expect(cases.get_case(ctx, reference), step["expect"])
    else:
        raise ScenarioFailed("a step is one of: complete, message, advance, expect")


def _expect(case: dict[str, Any], expected: dict[str, Any]) -> None:
    wrong = []
    for key, want in expected.items():
        if key == "status_text":
            ok = str(want).lower() in str(case.get("status_text") or "").lower()
        elif key == "open_tasks":
            got = sorted(t["name"] for t in case["open_tasks"])
            ok, case = got == sorted(want), {**case, "open_tasks": got}
        elif key == "data":
            ok = all(case["data"].get(k) == v for k, v in want.items())
            case = {**case, "data": {k: case["data"].get(k) for k in want}}
        else:
            ok = case.get(key) == want
        if not ok:
            wrong.append(f"{key}: expected {json.dumps(want)}, got {json.dumps(case.get(key), default=str)}")
    if wrong:
        raise ScenarioFailed("; ".join(wrong))
