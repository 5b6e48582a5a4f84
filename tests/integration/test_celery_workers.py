"""Scale-out: several `caseworks worker` processes on Celery with the real Redis take pushed capture jobs;
every document is indexed exactly once, and a job whose message never arrived is swept up anyway."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import redis
from sqlalchemy import func, select

from engine.bootstrap import build
from engine.bpmn.loader import read_process_dir
from engine.models import Document, Event, Job
from engine.services import documents
from engine.settings import Settings
from tests.capture.documents import DOCUMENTS, text_pdf
from tests.conftest import IN_CI, TEST_PROCESSES

CASEWORKS = str(Path(sys.executable).parent / "caseworks")


@pytest.fixture
def broker() -> Iterator[dict[str, str]]:
    """The shared Redis with a queue of this test's own (parallel test workers and other checkouts use the same
    server): nothing is flushed, only this queue's key is removed afterwards."""
    url, queue = "redis://127.0.0.1:6379/0", f"caseworks-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 and CI=true")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    yield {"CASEWORKS_CELERY_BROKER": url, "CASEWORKS_CELERY_QUEUE": queue}
    client.delete(queue)
    client.close()


def _all_indexed(ctx, ids: list[int]) -> bool:  # type: ignore[no-untyped-def]
    with ctx.read() as session:
        return all(session.get_one(Document, i).status == "indexed" for i in ids)


@pytest.mark.slow
def test_several_celery_workers_index_every_document_once(tmp_path, broker):
    env = {**os.environ, "CASEWORKS_HOME": str(tmp_path / "home"), "CASEWORKS_PROCESSES": str(TEST_PROCESSES / "basic"),
           **broker}
    ctx = build(Settings.from_env(env), definitions=[read_process_dir(TEST_PROCESSES / "basic")])
    # The workers' own sweep runs once at start and then only every 5 minutes: what gets indexed within the
    # deadline below was pushed through Celery.
    workers = [subprocess.Popen([CASEWORKS, "worker", "--interval", "300"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    time.sleep(4)  # both have started and swept an empty table
    try:
        kinds = list(DOCUMENTS)
        ids = [documents.upload(ctx, documents.Upload(f"{kind}.pdf", text_pdf([DOCUMENTS[kind][0] + [f"copy {n}"]])),
                                "test")[0]["id"] for n, kind in enumerate(kinds)]
        deadline = time.time() + 60
        while time.time() < deadline and not _all_indexed(ctx, ids):
            time.sleep(0.3)
        assert _all_indexed(ctx, ids)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    with ctx.read() as session:
        indexed = session.scalars(select(Event.payload).where(Event.kind == "document_indexed")).all()
        assert sorted(p["document_id"] for p in indexed) == sorted(ids)  # exactly once each
        assert session.scalar(select(func.count()).select_from(Job).where(Job.status != "done")) == 0
        assert {d.doc_type for d in session.scalars(select(Document))} == set(kinds)
        holders = set(session.scalars(select(Job.locked_by)))  # cleared when done; attempts tell the rest
        assert holders == {None}
        assert session.scalar(select(func.max(Job.attempts))) == 1
    ctx.db.dispose()
