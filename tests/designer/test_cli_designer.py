"""`caseworks processes deploy` into a running server (no restart) and `caseworks processes test`."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_cli import Served, env, run  # noqa: F401 - env is a fixture
from tests.conftest import ROOT
from tests.designer.models import two_step_files
from tests.live import call


def write(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_a_process_deployed_from_the_command_line_serves_at_once_in_a_running_server(env, tmp_path):  # noqa: F811
    token = run(env, "token", "create", "--name", "ops", "--role", "admin").stdout.strip().splitlines()[-1]
    folder = write(tmp_path / "twostep", two_step_files())
    with Served(env, "--workers", "2") as server:
        body = {"case_type": "twostep", "customer": {"name": "Ann"}, "channel": "api", "data": {}}
        assert call("POST", f"{server.url}/api/v1/cases", token, body)[0] == 422

        broken = write(tmp_path / "broken" / "twostep", {**two_step_files(script="print(locals())")})
        refused = run(env, "processes", "deploy", str(broken), check=False)
        assert refused.returncode == 1 and "nothing was deployed" in refused.stderr
        assert f"{broken}/twostep.bpmn:" in refused.stdout and "calls 'print', 'locals'" in refused.stdout

        deployed = run(env, "processes", "deploy", str(folder))
        assert "deployed twostep version" in deployed.stdout
        for _ in range(4):  # whichever of the two serving processes answers, it serves the new process
            status, case = call("POST", f"{server.url}/api/v1/cases", token, body)
            assert status == 201, case
            assert case["open_tasks"][0]["name"] == "review"
        status, versions = call("GET", f"{server.url}/api/v1/process-versions", token)
        twostep = [v for v in versions["items"] if v["case_type"] == "twostep"]
        assert status == 200 and twostep[0]["current"] and twostep[0]["deployed_by"] == "cli"
        assert twostep[0]["total_cases"] == 4


def test_processes_test_runs_the_scenarios_beside_each_process(env, tmp_path):  # noqa: F811
    shipped = run(env, "processes", "test", str(ROOT / "processes"))
    assert shipped.stdout.count("PASS ") >= 6 and "FAIL" not in shipped.stdout
    assert {"claim/scenarios", "loan/scenarios", "onboarding/scenarios"} <= {
        "/".join(Path(line.split()[1].rstrip(":")).parts[-3:-1]) for line in shipped.stdout.splitlines()}

    folder = write(tmp_path / "twostep", two_step_files())
    scenario = {"name": "declined requests say so", "start": {"data": {}}, "steps": [
        {"complete": "review", "data": {"approved": False}},
        {"expect": {"open_tasks": ["confirm"]}},
        {"complete": "confirm", "data": {"approved": False}},
        {"expect": {"status": "closed", "outcome": "decided", "status_text": "Decided: approved"}}]}
    write(folder, {"scenarios/declined.json": json.dumps(scenario).encode()})
    failed = run(env, "processes", "test", str(folder), check=False)
    assert failed.returncode == 1 and "FAIL" in failed.stdout
    assert 'step 4' in failed.stdout and 'status_text: expected "Decided: approved", got "Decided: declined"' \
        in failed.stdout
    assert "0 passed, 1 failed" in failed.stderr
    shutil.rmtree(folder / "scenarios")
    assert run(env, "processes", "test", str(folder), check=False).returncode == 1  # nothing to run is not a pass
