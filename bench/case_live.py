"""What an open case page costs while nothing happens: its change-marker check (GET /cases/<ref>/version, every
3 s) beside the baseline of fetching the whole case page again (what a page that polled itself would cost), in
the same run, on a fresh SQLite home with the claim process, through the Flask app (no network).

Usage: .venv/bin/python bench/case_live.py [--requests 300]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.bootstrap import build  # noqa: E402
from engine.bpmn.loader import read_process_dir  # noqa: E402
from engine.services import auth, cases  # noqa: E402
from engine.services.parties import Customer  # noqa: E402
from engine.settings import Settings  # noqa: E402
from webapp import create_app  # noqa: E402

PASSWORD = "bench password 1"
CLAIM = {"policy_number": "POL-4711037", "incident_date": "2026-10-30", "incident_type": "motor",
         "description": "Rear-ended at a traffic light.", "claimed_amount": 1200, "currency": "EUR",
         "documents_provided": ["claim_form", "repair_estimate"]}


def timed(label: str, n: int, call: Callable[[], Any]) -> float:
    call()  # warm caches (templates, parsed specs)
    start = time.perf_counter()
    for _ in range(n):
        response = call()
        assert response.status_code == 200, response.status_code
    per = (time.perf_counter() - start) / n * 1000
    print(f"{label:<44} {per:8.2f} ms/request  ({n} requests, {len(response.data):>6} bytes each)")
    return per


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="caseworks-bench-live-") as home:
        ctx = build(Settings(home=Path(home)), definitions=[read_process_dir(ROOT / "processes" / "claim")])
        try:
            auth.set_team_queues(ctx, "Claims triage", ["claims_triage"])
            auth.ensure_user(ctx, "agent", ["backoffice"], password=PASSWORD, team="Claims triage")
            view, _ = cases.open_case(ctx, cases.OpenCase("claim", Customer(name="Jonas Keller",
                                                                            email="jonas@example.com"),
                                                          "phone", CLAIM), "upstream")
            client = create_app(context=ctx).test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            client.post("/login", data={"username": "agent", "password": PASSWORD, "csrf_token": token})
            ref = view["reference"]
            baseline = timed("baseline: the whole case page again", max(1, args.requests // 5),
                             lambda: client.get(f"/cases/{ref}"))
            marker = timed("change marker (what an idle page asks)", args.requests,
                           lambda: client.get(f"/cases/{ref}/version"))
            print(f"an idle open case page costs {marker / baseline:.1%} of re-fetching the page "
                  f"({baseline / marker:.0f}x less) every 3 s")
        finally:
            ctx.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
