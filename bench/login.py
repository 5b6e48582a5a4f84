"""Sign-in under attack: API latency for everyone else while 16 clients hammer the sign-in form, and the time
of a wrong password for a known against an unknown user name. Real `caseworks serve` (gunicorn) subprocesses.

Prints, from the same run:
- baseline: p50/p95 of `GET /api/v1/cases` on a quiet server;
- the same while 16 clients (4 processes x 4 threads) send wrong passwords, with the defaults (throttled: refused attempts cost no hash);
- the same with the throttle lifted (every attempt hashes; only the bound on concurrent hashing protects);
- median sign-in time for a known and an unknown user name (throttle lifted), and their ratio.

Usage: .venv/bin/python bench/login.py [--requests 60]
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.bootstrap import build  # noqa: E402
from engine.services import auth  # noqa: E402
from engine.settings import Settings  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CASEWORKS = str(Path(sys.executable).parent / "caseworks")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    @classmethod
    def at(cls, port: int) -> "Server":
        server = cls.__new__(cls)
        server.port = port
        return server

    def __init__(self, home: Path, **env: str) -> None:
        self.port = free_port()
        full = {**os.environ, "CASEWORKS_HOME": str(home), "CASEWORKS_WORKER": "off", **env}
        self.proc = subprocess.Popen([CASEWORKS, "serve", "--port", str(self.port), "--threads", "8"], env=full,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("serve did not start")

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        c = self.conn()
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()

    def sign_in(self, username: str, password: str) -> int:
        """One person at the login page: GET it (cookie + CSRF token), POST the form; returns the status."""
        c = self.conn()
        c.request("GET", "/login")
        page = c.getresponse()
        cookie = (page.getheader("Set-Cookie") or "").split(";", 1)[0]
        token = CSRF.search(page.read().decode()).group(1)  # type: ignore[union-attr]
        c.request("POST", "/login", body=urlencode({"username": username, "password": password, "csrf_token": token}),
                  headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = c.getresponse()
        response.read()
        return response.status

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def api_latency(server: Server, token: str, requests: int) -> tuple[float, float]:
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        status, _ = server.get("/api/v1/cases", {"Authorization": f"Bearer {token}"})
        times.append(time.perf_counter() - t0)
        assert status == 200, status
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def _attack(port: int, n: int, stop: Any, out: "multiprocessing.Queue[dict[int, int]]") -> None:
    """One attacking process (4 threads): its own interpreter, so the attack does not share the measuring
    client's GIL and the figures show the server, not the benchmark."""
    server, statuses, lock = Server.at(port), {}, threading.Lock()

    def attacker(k: int) -> None:
        while not stop.is_set():
            status = server.sign_in(f"agent{(n * 4 + k) % 4}", "wrong guess")
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=attacker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(statuses)


def under_flood(server: Server, token: str, requests: int) -> tuple[tuple[float, float], dict[int, int]]:
    """16 concurrent wrong sign-ins (4 processes x 4 threads) while one client times the API."""
    out: "multiprocessing.Queue[dict[int, int]]" = multiprocessing.Queue()
    stop = multiprocessing.Event()
    procs = [multiprocessing.Process(target=_attack, args=(server.port, n, stop, out)) for n in range(4)]
    for p in procs:
        p.start()
    time.sleep(1.0)
    latency = api_latency(server, token, requests)
    stop.set()
    statuses: dict[int, int] = {}
    for _ in procs:
        for status, count in out.get(timeout=120).items():
            statuses[status] = statuses.get(status, 0) + count
    for p in procs:
        p.join()
    return latency, statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="caseworks-bench-login-"))
    try:
        ctx = build(Settings(home=home))
        for n in range(4):
            auth.ensure_user(ctx, f"agent{n}", ["backoffice"], password="the right password")
        token = auth.create_token(ctx, "upstream", "integration")
        ctx.db.dispose()
        lifted = {"CASEWORKS_LOGIN_LIMIT_USER": "100000/minute", "CASEWORKS_LOGIN_LIMIT_ADDRESS": "100000/minute"}

        server = Server(home)
        quiet = api_latency(server, token, args.requests)
        throttled, throttled_statuses = under_flood(server, token, args.requests)
        server.stop()
        server = Server(home, **lifted)
        unthrottled, unthrottled_statuses = under_flood(server, token, args.requests)
        known, unknown = [], []
        for n in range(15):
            for name, into in (("agent1", known), (f"ghost{n}", unknown)):
                t0 = time.perf_counter()
                assert server.sign_in(name, "wrong guess") == 401
                into.append(time.perf_counter() - t0)
        server.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"GET /api/v1/cases, quiet (baseline):           p50 {quiet[0]:7.1f} ms  p95 {quiet[1]:7.1f} ms")
    print(f"  during 16 wrong sign-ins at once, defaults:   p50 {throttled[0]:7.1f} ms  p95 {throttled[1]:7.1f} ms"
          f"  (sign-in answers {dict(sorted(throttled_statuses.items()))})")
    print(f"  same, throttle lifted (hashing bound only):   p50 {unthrottled[0]:7.1f} ms  p95 {unthrottled[1]:7.1f} ms"
          f"  (sign-in answers {dict(sorted(unthrottled_statuses.items()))})")
    k, u = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    print(f"wrong password, known user {k:.1f} ms, unknown user {u:.1f} ms: ratio {u / k:.2f}")


if __name__ == "__main__":
    main()
