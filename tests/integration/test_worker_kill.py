"""A worker killed in the middle of OCR loses nothing: the job is taken again and the document is indexed
exactly once. Real `caseworks worker` processes, real SIGKILL, real Tesseract."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.bootstrap import build
from engine.bpmn.loader import read_process_dir
from engine.models import Document, DocumentPage, Event, Job
from engine.services import documents
from engine.settings import Settings
from tests.capture.documents import business_pages, image_pdf, scan
from tests.conftest import TEST_PROCESSES

CASEWORKS = str(Path(sys.executable).parent / "caseworks")


def _status(ctx, doc_id: int) -> str:  # type: ignore[no-untyped-def]
    with ctx.read() as session:
        return session.get_one(Document, doc_id).status


def _wait(predicate, seconds: float):  # type: ignore[no-untyped-def]
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


@pytest.mark.slow
def test_killed_worker_leaves_the_document_to_be_indexed_exactly_once(tmp_path):
    env = {**os.environ, "CASEWORKS_HOME": str(tmp_path / "home"), "CASEWORKS_PROCESSES": str(TEST_PROCESSES / "basic"),
           "CASEWORKS_JOB_LOCK_SECONDS": "3", "CASEWORKS_SCHEDULER_INTERVAL": "0.2"}
    ctx = build(Settings.from_env(env), definitions=[read_process_dir(TEST_PROCESSES / "basic")])
    pages = [scan(lines, font_px=30) for lines in business_pages(6, seed=3)]  # six scanned pages: seconds of OCR
    view, _ = documents.upload(ctx, documents.Upload("bundle.pdf", image_pdf(pages)), "test")
    doc_id = view["id"]

    first = subprocess.Popen([CASEWORKS, "worker", "--interval", "0.2"], env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _status(ctx, doc_id) == "processing", 30)
        time.sleep(1.0)  # in the middle of OCR
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its capture child, no goodbye
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert _status(ctx, doc_id) == "processing"  # nothing pretended to finish

    second = subprocess.Popen([CASEWORKS, "worker", "--interval", "0.2"], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _status(ctx, doc_id) == "indexed", 120)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    with ctx.read() as session:
        assert session.scalar(select(func.count()).select_from(DocumentPage)
                              .where(DocumentPage.document_id == doc_id)) == 6
        assert session.scalar(select(func.count()).select_from(Event)
                              .where(Event.kind == "document_indexed")) == 1
        assert session.get_one(Document, doc_id).ocr_pages == 6
    ctx.db.dispose()


def _job_status(ctx) -> str:  # type: ignore[no-untyped-def]
    with ctx.read() as session:
        return session.scalars(select(Job.status).where(Job.kind == documents.CAPTURE_JOB)).one()


def _job_attempts(ctx, doc_id: int) -> int:  # type: ignore[no-untyped-def]
    with ctx.read() as session:
        return session.scalars(select(Job.attempts).where(Job.kind == documents.CAPTURE_JOB)).one()


@pytest.mark.slow
def test_a_job_whose_worker_was_killed_runs_again_within_a_minute_with_the_default_lease(tmp_path):
    """`kill -9` of the worker process alone (as the OOM killer does): no lease setting shortened, so this is
    the time an operator sees. The job must be taken again within 60 s, not after the old 10-minute lock."""
    env = {**os.environ, "CASEWORKS_HOME": str(tmp_path / "home"), "CASEWORKS_PROCESSES": str(TEST_PROCESSES / "basic"),
           "CASEWORKS_SCHEDULER_INTERVAL": "0.5"}
    env.pop("CASEWORKS_JOB_LOCK_SECONDS", None)
    ctx = build(Settings.from_env(env), definitions=[read_process_dir(TEST_PROCESSES / "basic")])
    pages = [scan(lines, font_px=30) for lines in business_pages(6, seed=5)]
    doc_id = documents.upload(ctx, documents.Upload("bundle.pdf", image_pdf(pages)), "test")[0]["id"]
    first = subprocess.Popen([CASEWORKS, "worker", "--interval", "0.5"], env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = None
    try:
        _wait(lambda: _status(ctx, doc_id) == "processing", 30)
        os.kill(first.pid, signal.SIGKILL)  # the worker only: its capture child must not keep the job
        killed_at = time.monotonic()
        first.wait(timeout=10)
        second = subprocess.Popen([CASEWORKS, "worker", "--interval", "0.5"], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _job_attempts(ctx, doc_id) == 2, 60)
        assert time.monotonic() - killed_at < 60
        _wait(lambda: _job_status(ctx) == "done", 120)  # after the document is indexed, the job is closed
    finally:
        for proc in (first, second):
            if proc is not None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of its group (a capture child)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
    with ctx.read() as session:
        job = session.scalars(select(Job).where(Job.kind == documents.CAPTURE_JOB)).one()
        assert (job.status, job.crashes) == ("done", 1)
        assert session.get_one(Document, doc_id).status == "indexed"
        assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == "document_indexed")) == 1
    ctx.db.dispose()
