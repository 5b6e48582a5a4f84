"""Load test: N concurrent clients for T minutes against `caseworks serve --workers W` on one PostgreSQL database.

Each client is a back-office person of a team (or the upstream system) with an API token and one keep-alive
connection, doing what people do, in this mix: read a worklist (their queue, their own items), open a case
(the case and its timeline), search, claim an unassigned item of their queue and complete it with a valid form
(values drawn from the task's own JSON schema), open a new claim, upload a document to a case. The server is
started through the CLI as it is on this branch (`caseworks serve --host --port --workers --threads`), with its
in-process worker, on a database filled by bench/scale.py (`--url` of one kept with `--keep`, or `--cases N`
to fill a new one and drop it afterwards).

Reports requests/s and p50 / p95 / p99 per kind, and errors: any 5xx, lost connection or unexpected answer.
A claim lost to a colleague (409) or refused by the four-eyes rule (403) is the product working, counted apart.

Usage: .venv/bin/python bench/load.py --url postgresql+psycopg://... [--clients 50] [--minutes 5] [--workers 2]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench import scale  # noqa: E402
from bench.loadforms import fill, pdf_with_text  # noqa: E402
from engine.bootstrap import build  # noqa: E402
from engine.services import auth  # noqa: E402
from engine.settings import Settings  # noqa: E402

MIX = (("worklist", 30), ("my items", 8), ("case page", 22), ("search", 10), ("claim+complete", 18),
       ("create", 8), ("upload", 4))
CLAIM = {"policy_number": "POL-4711037", "incident_date": "2026-10-30", "incident_type": "motor",
         "description": "Rear-ended at a traffic light; bumper damaged.", "claimed_amount": 900, "currency": "EUR",
         "documents_provided": ["claim_form", "repair_estimate"]}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.refused: dict[str, int] = defaultdict(int)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.times[kind].append(ms)

    def error(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors[kind].append(what)


class Client:
    """One person: a token, a keep-alive connection, their queue, and cases to look at."""

    def __init__(self, port: int, token: str, queue: str, refs: list[str], words: list[str], stats: Stats) -> None:
        self.port, self.token, self.queue, self.refs, self.words, self.stats = port, token, queue, refs, words, stats
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.rng = random.Random()

    def request(self, kind: str, method: str, url: str, body: bytes | None = None,
                content_type: str = "application/json", ok: tuple[int, ...] = (200,)) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        try:
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as err:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.stats.error(kind, f"{method} {url}: {err!r}")
            return 0, None
        self.stats.add(kind, (time.perf_counter() - started) * 1000)
        payload = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") \
            else None
        if response.status not in ok:
            self.stats.error(kind, f"{method} {url}: {response.status} {raw[:200]!r}")
        return response.status, payload

    def worklist(self) -> None:
        self.request("worklist", "GET", f"/api/v1/work-items?queue={self.queue}")

    def my_items(self) -> None:
        self.request("my items", "GET", "/api/v1/work-items?assignee=me")

    def case_page(self) -> None:
        ref = self.rng.choice(self.refs)
        self.request("case page", "GET", f"/api/v1/cases/{ref}")
        self.request("case page", "GET", f"/api/v1/cases/{ref}/timeline")

    def search(self) -> None:
        self.request("search", "GET", f"/api/v1/search?q={self.rng.choice(self.words)}")

    def claim_complete(self) -> None:
        _status, page = self.request("claim+complete", "GET", f"/api/v1/work-items?queue={self.queue}&assignee=none")
        items = (page or {}).get("items") or []
        if not items:
            return
        item = self.rng.choice(items[:50])
        status, _ = self.request("claim+complete", "POST", f"/api/v1/work-items/{item['id']}/claim", b"{}",
                                 ok=(200, 403, 409))
        if status in (403, 409):
            self.stats.refused["claim lost or four eyes"] += 1
            return
        _status, detail = self.request("claim+complete", "GET", f"/api/v1/work-items/{item['id']}")
        data = fill((detail or {}).get("form") or {}, known=[i["case_reference"] for i in items if i.get("case_reference")]
                    + self.refs[:20])
        status, answer = self.request("claim+complete", "POST", f"/api/v1/work-items/{item['id']}/complete",
                                      json.dumps({"data": data}).encode(), ok=(200, 403, 409))
        if status in (403, 409):
            self.stats.refused[f"complete refused ({(answer or {}).get('error', {}).get('code')})"] += 1

    def create(self) -> None:
        body = {"case_type": "claim", "channel": "api", "data": CLAIM,
                "customer": {"name": f"Load Client {uuid.uuid4().hex[:8]}", "email": f"{uuid.uuid4().hex[:12]}@ex.com"}}
        status, view = self.request("create", "POST", "/api/v1/cases", json.dumps(body).encode(), ok=(201,))
        if status == 201 and view:
            self.refs.append(view["reference"])

    def upload(self) -> None:
        ref = self.rng.choice(self.refs)
        boundary = uuid.uuid4().hex
        pdf = pdf_with_text(f"Repair estimate {uuid.uuid4().hex} for {ref}: total 900.00 EUR")
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"estimate.pdf\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
        self.request("upload", "POST", f"/api/v1/cases/{ref}/documents", body,
                     f"multipart/form-data; boundary={boundary}", ok=(202, 200))

    def run(self, until: float) -> None:
        actions = {"worklist": self.worklist, "my items": self.my_items, "case page": self.case_page,
                   "search": self.search, "claim+complete": self.claim_complete, "create": self.create,
                   "upload": self.upload}
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < until:
            actions[self.rng.choices(kinds, weights)[0]]()
        self.conn.close()


def _people(url: str, clients: int) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(token, queue) per client from the teams' members, open case references, and surnames to search."""
    ctx = build(Settings(database_url=url, home=Path(tempfile.mkdtemp(prefix="caseworks-load-")),
                         worker_enabled=False))
    try:
        with ctx.db.read_engine.connect() as conn:
            members = conn.execute(text("""
                SELECT u.username, q.queue FROM users u JOIN teams t ON t.id = u.team_id
                CROSS JOIN LATERAL jsonb_array_elements_text(t.queues) q(queue)
                WHERE u.username LIKE '%-%' AND q.queue <> 'team_leads' ORDER BY u.id""")).all()
            refs = [r[0] for r in conn.execute(text(
                "SELECT reference FROM cases WHERE status <> 'closed' ORDER BY id DESC LIMIT 2000"))]
            words = [r[0] for r in conn.execute(text(
                "SELECT DISTINCT split_part(name, ' ', 2) FROM parties WHERE id % 97 = 0 LIMIT 40"))]
        chosen = [members[i * len(members) // clients] for i in range(clients)]
        tokens = [(auth.create_token(ctx, name, "backoffice", name="load"), queue) for name, queue in chosen]
        return tokens, refs, words
    finally:
        ctx.db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(url: str, workers: int, threads: int) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = _free_port()
    home = Path(tempfile.mkdtemp(prefix="caseworks-load-home-"))
    env = {**os.environ, "CASEWORKS_DATABASE_URL": url, "CASEWORKS_HOME": str(home),
           "CASEWORKS_SECRET_KEY": uuid.uuid4().hex}
    log = open(home / "server.log", "wb")
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "caseworks"), "serve", "--host", "127.0.0.1", "--port",
                                str(port), "--workers", str(workers), "--threads", str(threads)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process, port, home
        except OSError:
            time.sleep(0.3)
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"the server did not start; see {home / 'server.log'}")


def _report(stats: Stats, seconds: float, clients: int, workers: int) -> int:
    total = sum(len(v) for v in stats.times.values())
    errors = sum(len(v) for v in stats.errors.values())
    print(f"\n{clients} clients, {seconds / 60:.1f} min, serve --workers {workers}: {total:,} requests, "
          f"{total / seconds:,.1f} requests/s, {errors} errors")
    print(f"{'kind':<16} {'requests':>9} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, _weight in MIX:
        samples = sorted(stats.times.get(kind, []))
        if not samples:
            continue
        q = statistics.quantiles(samples, n=100) if len(samples) > 1 else samples * 99
        print(f"{kind:<16} {len(samples):>9,} {len(samples) / seconds:>7.1f} {statistics.median(samples):>8.1f} "
              f"{q[94]:>8.1f} {q[98]:>8.1f} {len(stats.errors.get(kind, [])):>7}")
    for what, count in sorted(stats.refused.items()):
        print(f"  (not errors) {what}: {count}")
    for kind, found in stats.errors.items():
        for line in found[:3]:
            print(f"  error {kind}: {line}")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a PostgreSQL database filled by bench/scale.py --keep")
    parser.add_argument("--cases", type=int, default=20_000, help="without --url: fill a new database this size")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    name = None
    url = args.url
    if not url:
        name, url = scale._create_pg()
        scale.fill(Settings(database_url=url, home=Path(tempfile.mkdtemp(prefix="caseworks-load-"))), args.cases)
    server = None
    try:
        tokens, refs, words = _people(url, args.clients)
        server, port, home = _start_server(url, args.workers, args.threads)
        stats = Stats()
        until = time.monotonic() + args.minutes * 60
        started = time.monotonic()
        threads = [threading.Thread(target=Client(port, token, queue, list(refs), words, stats).run, args=(until,))
                   for token, queue in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return _report(stats, time.monotonic() - started, args.clients, args.workers)
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if name:
            scale._drop_pg(name)


if __name__ == "__main__":
    sys.exit(main())
