"""The `caseworks` command as an operator runs it: real subprocesses, real server, real clock."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from engine.bootstrap import build
from engine.errors import AuthenticationRequired
from engine.services import auth
from engine.settings import Settings
from tests.conftest import PG_ADMIN_URL, ROOT
from tests.live import call, free_port

CASEWORKS = str(Path(sys.executable).parent / "caseworks")
pytestmark = pytest.mark.slow  # real `caseworks` subprocesses: seconds each
LIVE_PROCESSES = ROOT / "tests" / "processes_live"


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CASEWORKS, *args], env=env, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"caseworks {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CASEWORKS_HOME": str(tmp_path / "home"), "CASEWORKS_PROCESSES": str(LIVE_PROCESSES),
            "CASEWORKS_SCHEDULER_INTERVAL": "0.2"}


class Served:
    def __init__(self, env: dict[str, str], *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(env["CASEWORKS_HOME"] + f"-serve-{self.port}.log")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as out:
            self.proc = subprocess.Popen([CASEWORKS, "serve", "--port", str(self.port), *extra], env=env,
                                         stdout=out, stderr=subprocess.STDOUT)

    def __enter__(self) -> "Served":
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited: {self.log.read_text()}")
            try:
                if call("GET", f"{self.url}/healthz")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("serve did not answer /healthz")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=35)  # gunicorn lets a worker that is still booting finish (graceful_timeout 30 s)


def wait_for(predicate, seconds: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _open_quick_case(url: str, token: str) -> str:
    status, case = call("POST", f"{url}/api/v1/cases", token,
                        {"case_type": "quick", "customer": {"name": "Tim"}, "channel": "phone", "data": {}})
    assert status == 201, case
    assert [t["name"] for t in case["open_tasks"]] == ["answer"]
    return case["reference"]


def _open_task_names(url: str, token: str, ref: str) -> list[str]:
    return [t["name"] for t in call("GET", f"{url}/api/v1/cases/{ref}", token)[1]["open_tasks"]]


def test_token_create_prints_token_last_and_serve_fires_timers_in_process(env):
    created = run(env, "token", "create", "--name", "upstream", "--role", "integration")
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("cw_")
    again = run(env, "token", "create", "--name", "upstream", "--role", "integration").stdout.strip().splitlines()[-1]
    assert again != token  # the user is reused, every call prints a new token
    with Served(env) as server:
        ref = _open_quick_case(server.url, token)
        t0 = time.time()
        wait_for(lambda: _open_task_names(server.url, token, ref) == ["chase"])
        assert time.time() - t0 < 8  # due after 2 s, ticks every 0.2 s
        case = call("GET", f"{server.url}/api/v1/cases/{ref}", again)[1]
        assert case["status_text"] == "The answer is late; we are chasing it."


def test_separate_worker_process_fires_timers_when_serve_has_none(env):
    token = run(env, "token", "create", "--name", "ops", "--role", "admin").stdout.strip().splitlines()[-1]
    with Served({**env, "CASEWORKS_WORKER": "off"}) as server:
        ref = _open_quick_case(server.url, token)
        time.sleep(3)
        assert _open_task_names(server.url, token, ref) == ["answer"]  # nobody ticks: nothing fires
        worker = subprocess.Popen([CASEWORKS, "worker", "--interval", "0.2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: _open_task_names(server.url, token, ref) == ["chase"])
        finally:
            worker.terminate()
            worker.wait(timeout=10)


def test_several_serving_processes_share_the_port_and_one_runs_timers(env):
    token = run(env, "token", "create", "--name", "multi", "--role", "admin").stdout.strip().splitlines()[-1]
    with Served(env, "--workers", "2", "--threads", "2") as server:
        refs = [_open_quick_case(server.url, token) for _ in range(6)]
        assert len(set(refs)) == 6  # one reference sequence across processes
        wait_for(lambda: all(_open_task_names(server.url, token, ref) == ["chase"] for ref in refs))
        timeline = call("GET", f"{server.url}/api/v1/cases/{refs[0]}/timeline", token)[1]["items"]
        assert [e["kind"] for e in timeline].count("case_opened") == 1
    assert server.proc.returncode == 0  # SIGTERM stops the supervisor and its children cleanly


def test_user_add_and_bad_role(env):
    ok = run(env, "user", "add", "maria", "--role", "backoffice", "--password", "s3cret", "--team", "Claims triage")
    assert "maria has roles backoffice" in ok.stdout
    bad = run(env, "token", "create", "--name", "x", "--role", "wizard", check=False)
    assert bad.returncode == 2 and "wizard" in bad.stderr and "admin" in bad.stderr


def test_user_password_and_deactivate_refuse_the_old_credentials(env):
    token = run(env, "token", "create", "--name", "maria", "--role", "backoffice").stdout.strip().splitlines()[-1]
    short = run(env, "user", "password", "maria", "--password", "short", check=False)
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    assert "sessions have ended" in run(env, "user", "password", "maria", "--password", "long enough now").stdout
    run(env, "user", "deactivate", "maria")
    ctx = build(Settings.from_env(env))
    try:
        with pytest.raises(AuthenticationRequired):
            auth.authenticate_token(ctx, token)
        with pytest.raises(AuthenticationRequired):
            auth.authenticate_password(ctx, "maria", "long enough now")
    finally:
        ctx.db.dispose()


def test_processes_validate_reports_file_and_line(env, tmp_path):
    assert run(env, "processes", "validate", str(LIVE_PROCESSES / "quick")).returncode == 0
    broken = tmp_path / "broken"
    shutil.copytree(LIVE_PROCESSES / "quick", broken)
    bpmn = broken / "quick.bpmn"
    lines = bpmn.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if '<bpmn:userTask id="chase"' in line)
    end = next(i for i in range(at, len(lines)) if "</bpmn:userTask>" in lines[i])
    lines[at] = lines[at].replace("<bpmn:userTask", "<bpmn:scriptTask")  # a script the engine cannot run
    lines[end] = lines[end].replace("</bpmn:userTask>", "<bpmn:script>print(locals())</bpmn:script></bpmn:scriptTask>")
    bpmn.write_text("\n".join(lines))
    result = run(env, "processes", "validate", str(broken), check=False)
    assert result.returncode == 1
    assert f"quick.bpmn:{end + 1}: script of 'chase' calls 'print', 'locals'" in result.stdout


@pytest.mark.postgres
def test_postgres_start_refuses_unmigrated_database_until_db_upgrade(env, pg_database):
    name = f"caseworks_cli_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = pg_database.rsplit("/", 1)[0] + f"/{name}"
        pg_env = {**env, "CASEWORKS_DATABASE_URL": url}
        refused = run(pg_env, "serve", "--port", str(free_port()), check=False)
        assert refused.returncode == 2
        assert "caseworks db upgrade" in refused.stderr
        run(pg_env, "db", "upgrade")
        token = run(pg_env, "token", "create", "--name", "pg", "--role", "admin").stdout.strip().splitlines()[-1]
        with Served(pg_env) as server:
            ref = _open_quick_case(server.url, token)
            assert call("GET", f"{server.url}/api/v1/cases/{ref}", token)[0] == 200
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def test_gunicorn_workers_run_the_scheduler_in_exactly_one_and_hand_it_over_when_it_dies(env):
    token = run(env, "token", "create", "--name", "ops", "--role", "admin").stdout.strip().splitlines()[-1]
    seat = Path(env["CASEWORKS_HOME"]) / "scheduler.lock"
    with Served(env, "--workers", "2", "--threads", "2") as server:
        workers = wait_for(lambda: (kids := _children(server.proc.pid)) and len(kids) == 2 and kids)
        holder = wait_for(lambda: seat.exists() and seat.read_text().strip() and int(seat.read_text()))
        assert holder in workers  # a gunicorn worker, not the master
        os.kill(holder, 9)
        successor = wait_for(lambda: seat.read_text().strip() and int(seat.read_text()) != holder
                             and int(seat.read_text()))
        assert successor in _children(server.proc.pid)  # the other worker (or gunicorn's replacement) took over
        ref = _open_quick_case(server.url, token)
        wait_for(lambda: _open_task_names(server.url, token, ref) == ["chase"])  # timers still fire
        assert len(wait_for(lambda: len(_children(server.proc.pid)) == 2 and _children(server.proc.pid))) == 2
