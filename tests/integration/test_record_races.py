"""One record under concurrency, as clients meet it: many threads against a real HTTP server on PostgreSQL.

The server is werkzeug's threaded server on a loopback port (tests/live.py), so each request runs on its
own connection and its own database session, as under gunicorn. The races are PostgreSQL's: SQLite
serialises writers, so only PostgreSQL can show a check-then-insert letting two writers through.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from engine.bpmn.loader import read_process_dir
from engine.models import Document, Job, Party, PartyIdentifier, WorkItem
from engine.services import auth
from engine.services.documents import CAPTURE_JOB
from tests.conftest import ROOT
from tests.integration.test_documents import claim_form_pdf
from tests.live import LiveServer, call
from webapp import create_app

THREADS = 12


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(ROOT / "processes" / name) for name in ("claim", "loan")]


@pytest.fixture
def live(ctx):  # type: ignore[no-untyped-def]
    with LiveServer(create_app(context=ctx), threads=THREADS) as server:
        yield server


@pytest.fixture
def clients(ctx) -> list[str]:  # type: ignore[no-untyped-def]
    return [auth.create_token(ctx, f"portal{i}", "integration") for i in range(THREADS)]


def _at_once(fn: Any, n: int) -> list[Any]:
    """Run fn(i) on n threads released together by a barrier, so the requests really overlap."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _claim(customer: dict[str, str]) -> dict[str, Any]:
    return {"case_type": "claim", "channel": "web", "customer": customer,
            "data": {"policy_number": "POL-44712298", "incident_date": "2026-11-01", "incident_type": "motor",
                     "description": "Rear-ended at a junction", "claimed_amount": 2450, "currency": "EUR",
                     "documents_provided": []}}


def test_the_same_file_sent_by_many_clients_at_once_is_one_document_and_one_capture(live, clients, ctx):
    status, case = call("POST", f"{live.url}/api/v1/cases", clients[0],
                        _claim({"name": "Jane Doe", "email": "jane.doe@example.com"}))
    assert status == 201, case
    ref, pdf = case["reference"], claim_form_pdf(case["reference"])

    def send(i: int) -> tuple[int, dict[str, Any]]:
        response = requests.post(f"{live.url}/api/v1/cases/{ref}/documents", timeout=60,
                                 headers={"Authorization": f"Bearer {clients[i]}"},
                                 files={"file": (f"claim-form-{i}.pdf", pdf, "application/pdf")})
        return response.status_code, response.json()

    results = _at_once(send, THREADS)
    statuses = sorted(s for s, _ in results)
    assert statuses == [200] * (THREADS - 1) + [202], [body for s, body in results if s not in (200, 202)]
    assert [body["duplicate"] for s, body in results if s == 200] == [True] * (THREADS - 1)
    assert next(body["duplicate"] for s, body in results if s == 202) is False
    assert len({body["id"] for _, body in results}) == 1  # every client is told the one document's id
    status, view = call("GET", f"{live.url}/api/v1/cases/{ref}", clients[0])
    assert [d["id"] for d in view["documents"]] == [results[0][1]["id"]]
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == CAPTURE_JOB)) == 1


def test_one_new_customer_opening_cases_from_many_clients_at_once_is_one_customer(live, clients, ctx):
    customer = {"name": "Søren Østergård", "email": "soren@example.dk", "phone": "+45 20 12 34 56"}

    def open_case(i: int) -> tuple[int, dict[str, Any]]:
        return call("POST", f"{live.url}/api/v1/cases", clients[i], _claim(customer))

    results = _at_once(open_case, THREADS)
    assert [s for s, _ in results] == [201] * THREADS, [body for s, body in results if s != 201]
    assert len({body["reference"] for _, body in results}) == THREADS  # no idempotency key: twelve cases
    assert len({body["customer"]["id"] for _, body in results}) == 1
    status, found = call("GET", f"{live.url}/api/v1/customers?q=soren@example.dk", clients[0])
    assert status == 200 and len(found["items"]) == 1
    assert len(found["items"][0]["cases"]) == THREADS
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Party)) == 1
        assert {"email", "phone"} <= set(s.scalars(select(PartyIdentifier.kind)))
        # nobody is asked to decide about a duplicate that the race itself would have made
        assert s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.title.ilike("%duplicate%"))) == 0
