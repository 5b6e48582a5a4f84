"""Channels benchmark: does a webhook receiver that is down (or slow) slow the engine? Same run, same machine.

Three rounds, each on a fresh SQLite home with the real claim process and the real background worker running
(timers, jobs and the channels thread that relays events and delivers webhooks):
  baseline  no webhook subscribed
  healthy   a webhook to a receiver on 127.0.0.1 that answers 204 at once
  down      a webhook to a port where nothing listens (connection refused)
  slow      a webhook to a receiver that accepts and never answers (each try waits for the read timeout)
Each round opens N claims and completes each claim's first task through the service layer (as the API does),
and prints claims/s beside the baseline, then how many deliveries were made or are waiting.

Usage: .venv/bin/python bench/channels.py [--claims 300]
"""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from engine.bootstrap import build  # noqa: E402
from engine.bpmn.loader import read_process_dir  # noqa: E402
from engine.models import WebhookDelivery  # noqa: E402
from engine.services import auth, cases, webhooks, work  # noqa: E402
from engine.services.parties import Customer  # noqa: E402
from engine.services.scheduler import BackgroundWorker  # noqa: E402
from engine.settings import Settings  # noqa: E402

DATA = {"policy_number": "POL-1234567", "incident_date": "2026-10-28", "incident_type": "motor",
        "description": "bench", "claimed_amount": 800, "currency": "EUR",
        "documents_provided": ["claim_form", "repair_estimate"]}


class Quick(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def serve(handler: type) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def silent_listener() -> socket.socket:
    """Accepts connections (the kernel does) and never answers: the slowest possible receiver."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    return sock


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def round_(name: str, url: str | None, claims: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory(prefix=f"cw-bench-{name}-") as home:
        ctx = build(Settings(home=Path(home)), definitions=[read_process_dir(ROOT / "processes" / "claim")])
        auth.ensure_user(ctx, "alice", ["backoffice"])
        alice = auth.principal_for(ctx, "alice")
        if url:
            webhooks.subscribe(ctx, url, list(webhooks.PUBLIC_TYPES), "bench")
        worker = BackgroundWorker(ctx, interval=0.2)
        worker.start()
        try:
            started = time.perf_counter()
            for n in range(claims):
                view, _ = cases.open_case(ctx, cases.OpenCase("claim", Customer(f"Customer {n}", email=f"c{n}@x.example"),
                                                              "web", DATA), "bench")
                work.claim(ctx, view["open_tasks"][0]["id"], alice)
                work.complete(ctx, view["open_tasks"][0]["id"], {"decision": "approve", "approved_amount": 500}, alice)
            elapsed = time.perf_counter() - started
        finally:
            worker.stop()
        with ctx.read() as session:
            done = session.scalar(select(func.count()).select_from(WebhookDelivery)
                                  .where(WebhookDelivery.status == "delivered")) or 0
            waiting = session.scalar(select(func.count()).select_from(WebhookDelivery)
                                     .where(WebhookDelivery.status == "pending")) or 0
        ctx.db.dispose()
    return claims / elapsed, done, waiting


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=300)
    args = ap.parse_args()
    healthy = serve(Quick)
    silent = silent_listener()
    rounds = [("baseline", None), ("healthy", f"http://127.0.0.1:{healthy.server_address[1]}/"),
              ("down", f"http://127.0.0.1:{free_port()}/"), ("slow", f"http://127.0.0.1:{silent.getsockname()[1]}/")]
    round_("warm-up", None, max(20, args.claims // 5))  # imports, parsed specs, first connections: not measured
    results = {}
    for name, url in rounds:
        results[name] = round_(name, url, args.claims)
    again = round_("baseline", None, args.claims)[0]  # the machine is shared: the baseline before and after
    results["baseline"] = ((results["baseline"][0] + again) / 2, 0, 0)
    base = results["baseline"][0]
    print(f"{args.claims} claims opened and decided per round (service layer, SQLite, worker running; "
          f"baseline = mean of a round before and after)")
    for name, (rate, done, waiting) in results.items():
        print(f"  {name:8s} {rate:7.1f} claims/s  ratio to baseline {rate / base:5.2f}  "
              f"webhook deliveries: {done} delivered, {waiting} waiting")
    healthy.shutdown()
    silent.close()


if __name__ == "__main__":
    main()
