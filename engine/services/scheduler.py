"""Time passes: wake instances whose timers are due, and run durable jobs (retries) with backoff.

Both run from the in-process worker (embedded) or ``caseworks worker`` processes (scale-out). Several
workers may run at once: a due instance is woken under an optimistic version check (PostgreSQL also skips
rows another worker has locked), and a job is taken by a conditional update, so each runs once.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any, Callable

from sqlalchemy import select, update

from engine.context import Context
from engine.errors import CaseworksError, ConcurrentUpdate
from engine.models import Case, Job, JobStatus, ProcessInstance
from engine.services import channels, documents, mail_in
from engine.services.instances import RETRY_BACKOFF, load_instance, run_and_apply

log = logging.getLogger("caseworks.scheduler")
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def due_instances(ctx: Context, limit: int = 100) -> list[int]:
    now = ctx.clock.now()
    with ctx.read() as session:
        return list(session.scalars(
            select(ProcessInstance.case_id).where(ProcessInstance.next_timer_at <= now,
                                                  ProcessInstance.completed.is_(False))
            .order_by(ProcessInstance.next_timer_at).limit(limit)))


def wake_case(ctx: Context, case_id: int, *, schedule_retries: bool = True) -> Any:
    """Fire due timers (and retry READY engine steps) of one case; None if another worker got there."""
    with ctx.write() as session:
        query = select(Case).where(Case.id == case_id)
        if not ctx.db.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=Case)
        case = session.scalar(query)
        if case is None:
            return None
        loaded = load_instance(ctx, session, case)
        return run_and_apply(ctx, session, loaded, "timer",
                             ctx.runtime.wake,
                             schedule_retries=schedule_retries)


def fire_due_timers(ctx: Context, limit: int = 100) -> int:
    fired = 0
    for case_id in due_instances(ctx, limit):
        try:
            if wake_case(ctx, case_id) is not None:
                fired += 1
        except ConcurrentUpdate:
            continue  # someone completed or woke it meanwhile; the next tick sees the new state
        except CaseworksError as err:
            log.warning("waking case %s failed: %s", case_id, err)
    return fired


def _retry_instance(ctx: Context, payload: dict[str, Any]) -> None:
    snapshot = wake_case(ctx, int(payload["case_id"]), schedule_retries=False)
    if snapshot is not None and snapshot.incident:
        raise RuntimeError(snapshot.incident)


JOB_HANDLERS: dict[str, Callable[[Context, dict[str, Any]], None]] = {
    "retry_instance": _retry_instance,
    documents.CAPTURE_JOB: documents.capture_job,
    mail_in.ATTACHMENTS_JOB: mail_in.capture_attachments,
}


def run_due_jobs(ctx: Context, limit: int = 20, handlers: dict[str, Callable[..., None]] | None = None) -> int:
    handlers = handlers or JOB_HANDLERS
    now = ctx.clock.now()
    with ctx.read() as session:
        ids = list(session.scalars(select(Job.id).where(
            ((Job.status == JobStatus.PENDING.value) & (Job.run_at <= now)) |
            ((Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now)))  # a killed worker's job
            .order_by(Job.run_at).limit(limit)))
    return sum(run_job(ctx, job_id, handlers) for job_id in ids)


def run_job(ctx: Context, job_id: int, handlers: dict[str, Callable[..., None]] | None = None) -> bool:
    """Run one job now if nobody else holds it (a pushed message; the sweep may have got there first)."""
    if not _take(ctx, job_id):
        return False
    _run(ctx, job_id, handlers or JOB_HANDLERS)
    return True


def _take(ctx: Context, job_id: int) -> bool:
    now = ctx.clock.now()
    with ctx.write() as session:
        result = session.execute(update(Job).where(Job.id == job_id, (
            (Job.status == JobStatus.PENDING.value) |
            ((Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now))))
            .values(status=JobStatus.RUNNING.value, locked_by=WORKER_ID,
                    # longer than capture's wall-time limit: a job still held is still being worked on
                    locked_until=now + timedelta(seconds=ctx.settings.job_lock_seconds),
                    attempts=Job.attempts + 1).execution_options(synchronize_session=False))
        return result.rowcount == 1  # type: ignore[attr-defined]


def _run(ctx: Context, job_id: int, handlers: dict[str, Callable[..., None]]) -> None:
    with ctx.read() as session:
        job = session.get(Job, job_id)
        assert job is not None
        kind, payload, attempts, max_attempts = job.kind, dict(job.payload), job.attempts, job.max_attempts
    error: str | None = None
    try:
        handler = handlers.get(kind)
        if handler is None:
            raise RuntimeError(f"no handler for job kind '{kind}'")
        handler(ctx, payload)
    except Exception as err:  # noqa: BLE001 - a failing job is retried with backoff, never lost
        error = f"{type(err).__name__}: {err}"
        log.warning("job %s (%s) attempt %s failed: %s", job_id, kind, attempts, error)
    now = ctx.clock.now()
    with ctx.write() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.locked_by, job.locked_until, job.last_error = None, None, error
        if error is None:
            job.status = JobStatus.DONE.value
        elif attempts >= max_attempts:
            job.status = JobStatus.FAILED.value
        else:
            job.status = JobStatus.PENDING.value
            job.run_at = now + RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF) - 1)]


def tick(ctx: Context) -> tuple[int, int]:
    """One scheduler pass: due timers, then due jobs."""
    return fire_due_timers(ctx), run_due_jobs(ctx)


class BackgroundWorker:
    """The worker: one thread fires due timers, another runs jobs, each every ``interval`` seconds.

    Two threads, so a long capture (OCR of a thick scan) never delays a reminder or an SLA escalation; a third
    relays events to the channels (webhooks, e-mail), so a slow receiver or mail server delays neither.
    ``run_forever`` runs both until ``stop`` (the ``caseworks worker`` command); ``start`` runs them in the
    background (the in-process worker of ``caseworks serve``)."""

    def __init__(self, ctx: Context, interval: float = 1.0) -> None:
        self.ctx = ctx
        self.interval = interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for name, step in (("timers", fire_due_timers), ("jobs", run_due_jobs), ("channels", channels.tick)):
            thread = threading.Thread(target=self._loop, args=(step,), name=f"caseworks-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def run_forever(self) -> None:
        self.start()
        while not self._stop.is_set():
            self._stop.wait(0.5)
        self.stop()

    def _loop(self, step: Callable[[Context], int]) -> None:
        while not self._stop.is_set():
            try:
                step(self.ctx)
            except Exception:  # noqa: BLE001 - keep going; the failure is logged
                log.exception("background step %s failed", step.__name__)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=30)
