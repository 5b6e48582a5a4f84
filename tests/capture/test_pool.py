"""The warm pool of sandboxed capture workers: one worker serves job after job, a worker killed or out of
time costs one failed result and is replaced, and workers (with their tesseract children) die with the
process that started them, ``kill -9`` included. Real processes throughout."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import capture
from capture.pool import WorkerPool
from capture.sandbox import WORKER_COMMAND, _child_env, run_isolated
from tests.capture.documents import DOCUMENTS, encode, scan, text_pdf

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def _group_alive(pgid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                return True
    return False


def _wait_until(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def pool() -> WorkerPool:
    pool = WorkerPool(WORKER_COMMAND, _child_env())
    yield pool
    pool.close()


def _job(limits: capture.Limits, rules: capture.ClassificationRules) -> dict[str, object]:
    return {"limits": limits.to_dict(), "rules": rules.to_dict(), "rules_source": rules.source}


def test_one_warm_worker_serves_document_after_document(limits: capture.Limits,
                                                        rules: capture.ClassificationRules) -> None:
    data = text_pdf([DOCUMENTS["invoice"][0]])
    first = run_isolated(data, limits, rules)
    workers = capture.sandbox.default_pool().pids()["idle"]
    second = run_isolated(data, limits, rules)
    assert first.ok and first == second
    assert capture.sandbox.default_pool().pids()["idle"] == workers  # the same process answered again


def test_a_worker_grown_past_its_memory_budget_retires(limits: capture.Limits,
                                                        rules: capture.ClassificationRules) -> None:
    pool = WorkerPool(WORKER_COMMAND, _child_env(), retire_rss=1)  # every worker is over a 1-byte budget
    try:
        key = (limits.max_memory_bytes, limits.max_cpu_seconds)
        code, out, _ = pool.run(_job(limits, rules), text_pdf([DOCUMENTS["invoice"][0]]), key, 60)
        assert code == 0 and capture.CaptureResult.from_json(out.decode()).ok  # the job itself was answered
        assert pool.pids() == {"idle": [], "busy": []}  # and the worker was not kept
    finally:
        pool.close()


@pytest.mark.ocr
def test_a_worker_killed_mid_job_is_a_failed_result_and_is_replaced(
        pool: WorkerPool, limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    page = encode(scan(DOCUMENTS["bank_statement"][0] * 4, size=(2480, 3508)), "PNG", dpi=(300, 300))
    key = (limits.max_memory_bytes, limits.max_cpu_seconds)
    answers: list[object] = []
    job = threading.Thread(target=lambda: answers.append(pool.run(_job(limits, rules), page, key, 120)))
    job.start()
    assert _wait_until(lambda: bool(pool.pids()["busy"]))
    victim = pool.pids()["busy"][0]
    time.sleep(0.5)
    os.kill(victim, signal.SIGKILL)
    job.join(60)
    [answer] = answers
    assert answer is not None and answer[0] == -signal.SIGKILL  # (status, answer, stderr) of a killed reader
    assert _wait_until(lambda: not _group_alive(victim))  # its tesseract children went with it
    code, out, _ = pool.run(_job(limits, rules), text_pdf([DOCUMENTS["invoice"][0]]), key, 60)
    assert code == 0 and capture.CaptureResult.from_json(out.decode()).ok  # a fresh worker took the next job


@pytest.mark.ocr
def test_a_job_over_its_wall_time_ends_the_worker_and_its_children(rules: capture.ClassificationRules) -> None:
    page = encode(scan(DOCUMENTS["bank_statement"][0] * 5, size=(2480, 3508)), "PNG", dpi=(300, 300))
    limits = capture.Limits(max_wall_seconds=1.0)
    started = time.monotonic()
    result = run_isolated(page, limits, rules)
    assert result.error == "The document could not be read: reading took longer than the 1 s allowed."
    assert time.monotonic() - started < 15


@pytest.mark.ocr
def test_workers_die_with_the_process_that_started_them_even_after_kill_9(tmp_path: Path) -> None:
    """An engine worker killed with -9 while a capture runs leaves no capture worker or tesseract behind."""
    page = tmp_path / "page.png"
    page.write_bytes(encode(scan(DOCUMENTS["bank_statement"][0] * 4, size=(2480, 3508)), "PNG", dpi=(300, 300)))
    script = textwrap.dedent(f"""
        import sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        import capture
        from capture.sandbox import default_pool
        data = open({str(page)!r}, "rb").read()
        threading.Thread(target=capture.run_isolated, args=(data, capture.Limits(), capture.default_rules()),
                         daemon=True).start()
        while not default_pool().pids()["busy"]:
            time.sleep(0.05)
        print(default_pool().pids()["busy"][0], flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())  # type: ignore[union-attr]
        time.sleep(1.0)  # tesseract is running by now
        parent.kill()
        parent.wait()
        assert _wait_until(lambda: not _alive(worker))
        assert _wait_until(lambda: not _group_alive(worker))  # nor any of its tesseract children
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()  # type: ignore[union-attr]
