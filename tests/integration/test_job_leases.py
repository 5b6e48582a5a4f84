"""Job leases and heartbeats: a live worker keeps its job however long it runs; a job whose worker died runs
again one lease later; a job that keeps killing its worker is stopped and its document failed with a reason."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from engine.bootstrap import build
from engine.models import Document, Job
from engine.services import documents, scheduler
from tests.capture.documents import image_pdf, scan


class WorkerKilled(BaseException):
    """Stands in for SIGKILL inside one process: nothing after the handler runs (no finish, no bookkeeping).
    The real kill -9 is in test_worker_kill.py; here the clock is manual so the lease can run out at once."""


def _job(ctx: Any, job_id: int) -> Job:
    with ctx.read() as session:
        return session.get_one(Job, job_id)


def _upload(ctx: Any) -> tuple[int, int]:
    view, _ = documents.upload(ctx, documents.Upload("letter.pdf", image_pdf([scan(["Dear customer"])])), "test")
    with ctx.read() as session:
        job = session.query(Job).filter(Job.kind == documents.CAPTURE_JOB).one()
        return int(view["id"]), job.id


def test_a_job_that_keeps_killing_its_worker_is_stopped_and_its_document_failed(ctx: Any, clock: Any) -> None:
    doc_id, job_id = _upload(ctx)
    runs: list[int] = []

    def deadly(_ctx: Any, payload: dict[str, Any]) -> None:
        runs.append(payload["document_id"])
        raise WorkerKilled()

    handlers = {documents.CAPTURE_JOB: deadly}
    for _crash in range(ctx.settings.job_max_crashes):
        with pytest.raises(WorkerKilled):
            scheduler.run_due_jobs(ctx, handlers=handlers)
        assert _job(ctx, job_id).status == "running"
        assert scheduler.run_due_jobs(ctx, handlers=handlers) == 0  # the lease still runs: nobody else takes it
        clock.advance(seconds=ctx.settings.job_lock_seconds + 1)  # the dead worker's lease runs out
    assert scheduler.run_due_jobs(ctx, handlers=handlers) == 1  # taken, but stopped instead of run a 4th time
    assert len(runs) == ctx.settings.job_max_crashes
    job = _job(ctx, job_id)
    assert job.status == "failed" and job.crashes == ctx.settings.job_max_crashes
    assert "worker died 3 times" in (job.last_error or "")
    with ctx.read() as session:
        doc = session.get_one(Document, doc_id)
        assert doc.status == "failed" and "needs a person" in (doc.error or "")
    assert documents.get_document(ctx, doc_id)["status"] == "failed"


def test_a_job_whose_worker_died_once_runs_again_and_finishes(ctx: Any, clock: Any) -> None:
    _doc_id, job_id = _upload(ctx)
    calls: list[str] = []

    def once_deadly(_ctx: Any, _payload: dict[str, Any]) -> None:
        calls.append("run")
        if len(calls) == 1:
            raise WorkerKilled()

    handlers = {documents.CAPTURE_JOB: once_deadly}
    with pytest.raises(WorkerKilled):
        scheduler.run_due_jobs(ctx, handlers=handlers)
    clock.advance(seconds=ctx.settings.job_lock_seconds + 1)
    assert scheduler.run_due_jobs(ctx, handlers=handlers) == 1
    job = _job(ctx, job_id)
    assert (job.status, job.crashes, job.attempts, job.lease) == ("done", 1, 2, None)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_live_worker_keeps_a_job_longer_than_its_lease(settings: Any, definitions: list) -> None:
    """Real clock: a 0.6 s lease, a 2.5 s job, another worker sweeping all along: the heartbeat keeps the job."""
    ctx = build(settings.with_(job_lock_seconds=0.6), definitions=definitions)
    try:
        _doc_id, job_id = _upload(ctx)
        started, runs = threading.Event(), []

        def slow(_ctx: Any, _payload: dict[str, Any]) -> None:
            runs.append(time.monotonic())
            started.set()
            time.sleep(2.5)

        handlers = {documents.CAPTURE_JOB: slow}
        first = threading.Thread(target=scheduler.run_due_jobs, args=(ctx,), kwargs={"handlers": handlers})
        first.start()
        assert started.wait(10)
        taken_by_other = 0
        while first.is_alive():
            taken_by_other += scheduler.run_due_jobs(ctx, handlers=handlers)
            time.sleep(0.1)
        first.join()
        assert taken_by_other == 0 and len(runs) == 1
        job = _job(ctx, job_id)
        assert (job.status, job.crashes, job.attempts) == ("done", 0, 1)
    finally:
        ctx.db.dispose()


def test_a_lease_that_ran_out_is_not_renewed_by_its_old_holder(ctx: Any, clock: Any) -> None:
    """The slow worker that lost its job (its lease ran out and another took it) finishes without overwriting
    the new holder's bookkeeping."""
    _doc_id, job_id = _upload(ctx)
    order: list[str] = []

    def second_worker_takes_over(_ctx: Any, _payload: dict[str, Any]) -> None:
        if not order:
            order.append("first starts")
            clock.advance(timedelta(seconds=ctx.settings.job_lock_seconds + 1))
            assert scheduler.run_due_jobs(ctx, handlers=handlers) == 1  # the second worker, meanwhile
            order.append("first ends")
        else:
            order.append("second runs")
            raise RuntimeError("second attempt failed")

    handlers = {documents.CAPTURE_JOB: second_worker_takes_over}
    scheduler.run_due_jobs(ctx, handlers=handlers)
    assert order == ["first starts", "second runs", "first ends"]
    job = _job(ctx, job_id)
    assert job.status == "pending" and "second attempt failed" in (job.last_error or "")  # the 2nd's outcome
