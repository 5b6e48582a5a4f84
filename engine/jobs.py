"""How background jobs reach a worker: the jobs table is the truth, a dispatcher only rings the bell.

A job row is committed with what it is about (an outbox), so a lost message loses nothing: every worker
also sweeps the table for due jobs. With Celery (``CASEWORKS_CELERY_BROKER``), a new job is pushed to the
broker after its commit so an idle worker starts at once; without it, workers find jobs by polling.
"""
from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    def dispatch(self, job_ids: list[int]) -> None:
        """Tell workers that these committed jobs are ready."""


class PollingDispatcher:
    """The embedded default: the in-process worker (or `caseworks worker`) polls the jobs table."""

    def dispatch(self, job_ids: list[int]) -> None:
        return None
