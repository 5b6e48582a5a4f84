"""UI benchmark: render time of the worklist and the case page over HTTP with many cases on SQLite.

Seeds a fresh SQLite home through the engine's service layer (``cases.open_case``, ``work.claim``: the same
verbs the API and the UI call), then starts ``caseworks serve`` on it in a subprocess (worker off), signs in
as a back-office agent with a browser session (cookie + CSRF token, as a person would) and times sequential
GETs of the worklist tabs, the case page and the desk search. Prints p50 / p95 / max per page in ms.

Usage: .venv/bin/python bench/web.py [--cases 10000] [--requests 200]
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.bootstrap import build  # noqa: E402
from engine.services import auth, cases, work  # noqa: E402
from engine.services.parties import Customer  # noqa: E402
from engine.settings import Settings  # noqa: E402

PASSWORD = "bench-password-1"
TYPES = ("motor", "property", "travel", "health")
REQUIRED = {"motor": "repair_estimate", "property": "invoice", "travel": "receipt", "health": "medical_invoice"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed(home: Path, processes: Path, count: int) -> list[str]:
    """``count`` claims (a third of them waiting for documents) for count/3 customers; 40 claimed by the agent."""
    ctx = build(Settings(home=home, processes_dir=processes, worker_enabled=False))
    try:
        auth.set_team_queues(ctx, "Claims triage", ["claims_triage"])
        auth.ensure_user(ctx, "agent", ["backoffice"], password=PASSWORD, team="Claims triage")
        agent = auth.principal_for(ctx, "agent")
        rng = random.Random(7)
        references = []
        t0 = time.perf_counter()
        for i in range(count):
            kind = TYPES[i % 4]
            person = i % max(1, count // 3)
            docs = [] if i % 3 == 0 else ["claim_form", REQUIRED[kind]]
            data = {"policy_number": f"POL-{4700000 + person}", "incident_date": "2026-10-30", "incident_type": kind,
                    "description": "Bench claim: damage reported by phone.", "claimed_amount": rng.choice(
                        (300, 900, 2400, 6000, 12500, 30000)), "currency": "EUR", "documents_provided": docs}
            customer = Customer(name=f"Customer {person:05d}", email=f"c{person}@example.com",
                                phone=f"+31 6 {person:08d}")
            view, _ = cases.open_case(ctx, cases.OpenCase("claim", customer, "web", data), "bench")
            references.append(view["reference"])
            if view["open_tasks"] and len(references) % 250 == 0:
                work.claim(ctx, view["open_tasks"][0]["id"], agent)
        rate = count / (time.perf_counter() - t0)
        print(f"seeded {count} claims through the service layer at {rate:,.0f} cases/s", flush=True)
        return references
    finally:
        ctx.db.dispose()


class Browser:
    """One person's keep-alive connection with their session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        payload = None
        if body is not None:
            payload = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def sign_in(self, username: str) -> None:
        _status, page = self.request("GET", "/login")
        token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        status, _ = self.request("POST", "/login", {"username": username, "password": PASSWORD, "csrf_token": token})
        if status != 303:
            raise RuntimeError(f"sign-in failed with HTTP {status}")


def serve(home: Path, processes: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CASEWORKS_HOME": str(home), "CASEWORKS_PROCESSES": str(processes), "CASEWORKS_WORKER": "off"}
    caseworks = str(Path(sys.executable).parent / "caseworks")
    proc = subprocess.Popen([caseworks, "serve", "--port", str(port), "--threads", "4"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("caseworks serve did not start")


def timed(browser: Browser, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        t0 = time.perf_counter()
        status, _ = browser.request("GET", path)
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} answered HTTP {status}")
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    print(f"{name:<34} n={len(times):<4} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
          f"max {ordered[-1]:7.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-web-"))
    processes = tmp / "processes"
    shutil.copytree(ROOT / "processes" / "claim", processes / "claim")
    try:
        references = seed(tmp / "home", processes, args.cases)
        port = _free_port()
        proc = serve(tmp / "home", processes, port)
        try:
            person = Browser(port)
            person.sign_in("agent")
            rng = random.Random(11)
            timed(person, ["/work", f"/cases/{references[0]}"] * 5)  # warm-up: templates, spec cache, pools
            n = args.requests
            report("worklist /work (100 rows)", timed(person, ["/work"] * n))
            report("worklist /work?view=mine", timed(person, ["/work?view=mine"] * n))
            report("worklist /work?sort=priority", timed(person, ["/work?sort=priority&view=unassigned"] * n))
            report("case page /cases/<ref>", timed(person, [f"/cases/{rng.choice(references)}" for _ in range(n)]))
            report("desk search by phone", timed(person, [f"/desk?list=1&q=%2B316{rng.randrange(args.cases // 3):08d}"
                                                          for _ in range(n)]))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
