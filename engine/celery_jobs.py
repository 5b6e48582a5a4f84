"""Celery on Redis (or RabbitMQ) as the transport for background jobs: `caseworks worker` scale-out.

The message carries only a job id. The worker takes the job with the same conditional update as the
polling worker, so several workers never run one job twice, and a job whose message was lost or whose
worker died is found again by the sweep (`scheduler.run_due_jobs`) every worker also runs.
"""
from __future__ import annotations

import logging
import os
import socket
from typing import Callable

from celery import Celery

log = logging.getLogger("caseworks.celery")
TASK = "caseworks.run_job"


def make_app(broker_url: str, runner: Callable[[int], bool] | None = None, queue: str = "caseworks") -> Celery:
    """The Celery app; a worker passes ``runner`` (runs one job by id), a web process only sends. ``queue``
    (``CASEWORKS_CELERY_QUEUE``) lets several installations share one broker without taking each other's jobs."""
    app = Celery("caseworks", broker=broker_url)
    app.conf.update(
        task_default_queue=queue,
        task_acks_late=True,  # a worker killed mid-job leaves the message to be delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a long OCR job must not hold other jobs hostage
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_ignore_result=True,
    )
    if runner is not None:
        def run_job(job_id: int) -> bool:
            return runner(int(job_id))

        app.task(name=TASK)(run_job)
    return app


class CeleryDispatcher:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def dispatch(self, job_ids: list[int]) -> None:
        for job_id in job_ids:
            try:
                self.app.send_task(TASK, args=[job_id])
            except Exception as err:  # noqa: BLE001 - the sweep finds the job anyway; never fail the request
                log.warning("could not push job %s to the broker (%s); a worker's sweep will find it", job_id, err)


def worker_main(app: Celery) -> None:
    """Run a Celery worker in this process. One job at a time (solo pool): capture already spreads OCR over
    child processes, and the engine context must not be shared across a fork; scale with more processes."""
    name = f"caseworks-{os.getpid()}@{socket.gethostname()}"
    app.worker_main(argv=["worker", "--loglevel=WARNING", "--pool=solo", "-n", name,
                          "-Q", str(app.conf.task_default_queue),
                          "--without-gossip", "--without-mingle", "--without-heartbeat"])
