"""Engine benchmark: cases/s and completions/s over HTTP vs raw in-memory SpiffWorkflow, same BPMN, same run.

Raw baseline: the parsed spec is cached, each case is a new BpmnWorkflow run to its first user task, and each
completion runs that task and the engine to the next wait state, all in memory (the library's ceiling).
Caseworks: `caseworks serve` in a subprocess on a fresh SQLite home (or CASEWORKS_DATABASE_URL), driven by
keep-alive HTTP clients in threads; a case counts when POST /api/v1/cases answered 201 with its first work item.

Usage: .venv/bin/python bench/engine.py [--cases 2000] [--clients 4] [--process tests/processes/basic]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment  # noqa: E402

from engine.bpmn.loader import read_process_dir  # noqa: E402
from engine.bpmn.scripting import script_globals  # noqa: E402
from engine.clock import SystemClock  # noqa: E402


def raw_rates(process_dir: Path, count: int, start_data: dict[str, Any], form: dict[str, Any]) -> tuple[float, float]:
    definition = read_process_dir(process_dir)
    parser = SpiffBpmnParser()
    for name, raw in definition.dmn_files().items():
        parser.add_dmn_str(raw, name)
    for name, raw in definition.bpmn_files().items():
        parser.add_bpmn_str(raw, name)
    spec = parser.get_spec(definition.process_id)
    subs = parser.get_subprocess_specs(definition.process_id)
    # The plain library script engine, given the same helper functions the BPMN's scripts call.
    script_engine = PythonScriptEngine(environment=TaskDataEnvironment(script_globals(SystemClock())))
    workflows = []
    t0 = time.perf_counter()
    for _ in range(count):
        wf = BpmnWorkflow(spec, subs, script_engine=script_engine)
        wf.task_tree.data = dict(start_data)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data = dict(start_data)
        wf.do_engine_steps()
        workflows.append(wf)
    create = count / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for wf in workflows:
        task = next(t for t in wf.get_tasks(state=TaskState.READY) if isinstance(t.task_spec, UserTask))
        task.data = {**task.data, **form}
        task.run()
        wf.do_engine_steps()
    complete = count / (time.perf_counter() - t0)
    return create, complete


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, process_dir: Path, workers: int = 1, threads: int = 8) -> None:
        self.workers = workers
        self.threads = threads
        self.tmp = Path(tempfile.mkdtemp(prefix="cw-bench-"))
        shutil.copytree(process_dir, self.tmp / "processes" / process_dir.name)
        self.port = free_port()
        self.env = {**os.environ, "CASEWORKS_HOME": str(self.tmp / "home"),
                    "CASEWORKS_PROCESSES": str(self.tmp / "processes"), "CASEWORKS_WORKER": "off"}
        self.caseworks = str(Path(sys.executable).parent / "caseworks")

    def __enter__(self) -> "Server":
        out = subprocess.run([self.caseworks, "token", "create", "--name", "bench", "--role", "integration"],
                             env=self.env, check=True, capture_output=True, text=True)
        self.token = out.stdout.strip().splitlines()[-1]
        self.proc = subprocess.Popen([self.caseworks, "serve", "--port", str(self.port), "--threads", str(self.threads),
                                      "--workers", str(self.workers)],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("caseworks serve did not start")

    def __exit__(self, *exc: Any) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def http_phase(server: Server, jobs: list[Any], clients: int, send: Any) -> tuple[float, list[Any]]:
    """Run jobs over `clients` keep-alive connections; returns (jobs per second, results)."""
    results: list[Any] = [None] * len(jobs)
    cursor = iter(range(len(jobs)))
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            results[i] = send(conn, jobs[i])

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(jobs) / (time.perf_counter() - t0), results


def post(conn: http.client.HTTPConnection, token: str, path: str, body: Any) -> tuple[int, Any]:
    conn.request("POST", path, body=json.dumps(body),
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def http_rates(process_dir: Path, workers: int, count: int, clients: int, start: dict[str, Any],
               form: dict[str, Any], threads: int = 8) -> tuple[float, float]:
    """Cases/s and completions/s through `caseworks serve --workers N --threads T` on a fresh home."""
    with Server(process_dir, workers, threads) as server:
        body = {"case_type": read_process_dir(process_dir).key, "channel": "api",
                "customer": {"name": "Bench Customer", "email": "bench@example.com"}, "data": start}
        warm = http.client.HTTPConnection("127.0.0.1", server.port)
        for _ in range(20):
            post(warm, server.token, "/api/v1/cases", body)
        create_rate, created = http_phase(server, list(range(count)), clients,
                                          lambda c, _: post(c, server.token, "/api/v1/cases", body))
        assert all(s == 201 and r["open_tasks"] for s, r in created), "a case did not reach its first work item"
        items = [r["open_tasks"][0]["id"] for _, r in created]
        complete_rate, completed = http_phase(
            server, items, clients,
            lambda c, i: post(c, server.token, f"/api/v1/work-items/{i}/complete", {"data": form}))
        assert all(s == 200 for s, _ in completed), "a completion failed"
    return create_rate, complete_rate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="serving processes to measure")
    ap.add_argument("--threads", type=int, default=8, help="threads per serving process")
    ap.add_argument("--process", default=str(ROOT / "tests" / "processes" / "basic"))
    args = ap.parse_args()
    process_dir = Path(args.process)
    start = {"amount": 100}
    form = {"decision": "reject"}
    raw_create, raw_complete = raw_rates(process_dir, args.cases, start, form)
    rows = [(w, *http_rates(process_dir, w, args.cases, args.clients, start, form, args.threads)) for w in args.workers]
    print(f"process {process_dir.name}, {args.cases} cases, {args.clients} keep-alive HTTP clients, "
          f"database {os.environ.get('CASEWORKS_DATABASE_URL', 'SQLite (embedded default)')}, {os.cpu_count()} cores")
    print(f"{'':34}{'cases/s':>10}{'ratio':>8}{'completions/s':>16}{'ratio':>8}")
    print(f"{'raw SpiffWorkflow (in memory)':34}{raw_create:10.0f}{'':>8}{raw_complete:16.0f}")
    for workers, create_rate, complete_rate in rows:
        label = f"Caseworks HTTP, {workers} process(es)"
        print(f"{label:34}{create_rate:10.0f}{create_rate / raw_create:8.1%}"
              f"{complete_rate:16.0f}{complete_rate / raw_complete:8.1%}")


if __name__ == "__main__":
    main()
