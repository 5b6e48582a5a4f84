"""Time passes: wake instances whose timers are due, and run durable jobs (retries) with backoff.

Both run from the in-process worker (embedded) or ``caseworks worker`` processes (scale-out). Several
workers may run at once: a due instance is woken under an optimistic version check (PostgreSQL also skips
rows another worker has locked), and a job is taken by a conditional update, so each runs once. A running
job holds a lease its worker renews (``Heartbeat``); a job whose lease ran out is taken again, and one that
ran out its lease ``job_max_crashes`` times is stopped with a reason.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from typing import Any, Callable

from sqlalchemy import case, select, update

from engine.context import Context
from engine.db import changed_rows
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
# What a stopped job (one that kept killing its worker) means for what it was about, per kind.
JOB_ABANDONED: dict[str, Callable[[Context, dict[str, Any], str], None]] = {
    documents.CAPTURE_JOB: documents.capture_abandoned,
}


def run_due_jobs(ctx: Context, limit: int = 20, handlers: dict[str, Callable[..., None]] | None = None) -> int:
    chosen: dict[str, Callable[..., None]] = handlers or JOB_HANDLERS
    now = ctx.clock.now()
    with ctx.read() as session:
        ids = list(session.scalars(select(Job.id).where(
            ((Job.status == JobStatus.PENDING.value) & (Job.run_at <= now)) |
            ((Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now)))  # its worker died
            .order_by(Job.run_at).limit(limit)))
    return sum(run_job(ctx, job_id, chosen) for job_id in ids)


def run_job(ctx: Context, job_id: int, handlers: dict[str, Callable[..., None]] | None = None) -> bool:
    """Run one job now if nobody else holds it (a pushed message; the sweep may have got there first)."""
    lease = _take(ctx, job_id)
    if lease is None:
        return False
    with ctx.read() as session:
        job = session.get_one(Job, job_id)
        kind, payload, crashes = job.kind, dict(job.payload), job.crashes
    if crashes >= ctx.settings.job_max_crashes:
        _give_up(ctx, job_id, lease, kind, payload, crashes)
    else:
        with Heartbeat(ctx, job_id, lease):
            error = _call(ctx, job_id, kind, payload, handlers or JOB_HANDLERS)
        _finish(ctx, job_id, lease, error)
    return True


def _take(ctx: Context, job_id: int) -> str | None:
    """Take the job with a conditional update (one winner) and a fresh lease; a job taken back from a worker
    whose lease ran out counts one crash."""
    now, lease = ctx.clock.now(), uuid.uuid4().hex
    running = Job.status == JobStatus.RUNNING.value
    with ctx.write() as session:
        result = session.execute(update(Job).where(Job.id == job_id, (
            (Job.status == JobStatus.PENDING.value) | (running & (Job.locked_until < now))))
            .values(status=JobStatus.RUNNING.value, locked_by=WORKER_ID, lease=lease,
                    locked_until=now + timedelta(seconds=ctx.settings.job_lock_seconds),
                    crashes=case((running, Job.crashes + 1), else_=Job.crashes),
                    attempts=Job.attempts + 1).execution_options(synchronize_session=False))
        return lease if changed_rows(result) == 1 else None


class Heartbeat:
    """While a job runs, renew its lease every third of ``job_lock_seconds``: a live worker keeps its job however
    long it takes, and a dead one (``kill -9``, a lost machine) stops renewing, so its job runs again one lease
    later (30 s by default) instead of after a worst-case job duration."""

    def __init__(self, ctx: Context, job_id: int, lease: str) -> None:
        self.ctx, self.job_id, self.lease = ctx, job_id, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"caseworks-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _beat(self) -> None:
        seconds = self.ctx.settings.job_lock_seconds
        while not self._stop.wait(seconds / 3):
            try:
                with self.ctx.write() as session:
                    session.execute(update(Job).where(Job.id == self.job_id, Job.lease == self.lease)
                                    .values(locked_until=self.ctx.clock.now() + timedelta(seconds=seconds))
                                    .execution_options(synchronize_session=False))
            except Exception:  # noqa: BLE001 - a missed beat is retried; the lease covers two more
                log.exception("heartbeat of job %s failed", self.job_id)


def _call(ctx: Context, job_id: int, kind: str, payload: dict[str, Any],
          handlers: dict[str, Callable[..., None]]) -> str | None:
    try:
        handler = handlers.get(kind)
        if handler is None:
            raise RuntimeError(f"no handler for job kind '{kind}'")
        handler(ctx, payload)
    except Exception as err:  # noqa: BLE001 - a failing job is retried with backoff, never lost
        log.warning("job %s (%s) failed: %s", job_id, kind, err)
        return f"{type(err).__name__}: {err}"
    return None


def _finish(ctx: Context, job_id: int, lease: str, error: str | None) -> None:
    now = ctx.clock.now()
    with ctx.write() as session:
        job = session.get_one(Job, job_id)
        if job.lease != lease:
            log.warning("job %s was taken over by %s meanwhile; leaving it to them", job_id, job.locked_by)
            return
        job.locked_by, job.locked_until, job.lease, job.last_error = None, None, None, error
        if error is None:
            job.status = JobStatus.DONE.value
        elif job.attempts >= job.max_attempts:
            job.status = JobStatus.FAILED.value
        else:
            job.status = JobStatus.PENDING.value
            job.run_at = now + RETRY_BACKOFF[min(job.attempts, len(RETRY_BACKOFF) - 1)]


def _give_up(ctx: Context, job_id: int, lease: str, kind: str, payload: dict[str, Any], crashes: int) -> None:
    """A job whose worker died ``crashes`` times while running it is probably what kills them: stop it, and let
    its kind say what that means for what it was about (a document is failed with the reason)."""
    reason = (f"stopped after its worker died {crashes} times while running it; "
              "the input is probably what kills the worker, so it needs a person")
    log.error("job %s (%s) %s", job_id, kind, reason)
    abandoned = JOB_ABANDONED.get(kind)
    if abandoned is not None:
        abandoned(ctx, payload, reason)
    with ctx.write() as session:
        session.execute(update(Job).where(Job.id == job_id, Job.lease == lease).values(
            status=JobStatus.FAILED.value, locked_by=None, locked_until=None, lease=None, last_error=reason)
            .execution_options(synchronize_session=False))


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
