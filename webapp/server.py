"""Serving: gunicorn (pre-forked worker processes, each with a pool of threads: the ``gthread`` worker), and the
in-process scheduler in exactly one of those processes.

gunicorn does what a hand-written supervisor did badly: it restarts a worker that dies, stops gracefully on
SIGTERM, and reloads on SIGHUP. Each worker builds its own engine context after the fork (database pools are
never shared across a fork); migrations are checked once in the master before any worker starts.

The scheduler (timers and jobs) must run once per installation, not once per worker: every worker competes
for an ``flock`` on ``<home>/scheduler.lock`` and the one holding it runs the scheduler. The kernel releases
the lock when its holder dies, so another worker takes over within ``TAKEOVER_SECONDS`` (and gunicorn starts
a replacement worker). The same lock keeps a second ``serve`` on the same home from running a second one.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from engine.bootstrap import build
from engine.context import Context
from webapp.demo.credentials import first_steps
from engine.services.scheduler import BackgroundWorker
from engine.settings import Settings
from webapp import create_app

log = logging.getLogger("caseworks.server")
TAKEOVER_SECONDS = 2.0
LOCK_FILE = "scheduler.lock"


class SchedulerSeat:
    """Runs the scheduler in this process while it holds the installation's scheduler lock; waits for it
    otherwise. The lock file holds the pid of the process that runs the scheduler (for operators and tests)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.path = Path(ctx.settings.home) / LOCK_FILE
        self._stop = threading.Event()
        self._worker: BackgroundWorker | None = None
        self._thread = threading.Thread(target=self._wait_for_seat, name="caseworks-scheduler-seat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _wait_for_seat(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # kept open for the life of the process
        while not self._stop.is_set():
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._stop.wait(TAKEOVER_SECONDS)
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            log.info("the scheduler runs in process %s", os.getpid())
            self._worker = BackgroundWorker(self.ctx, self.ctx.settings.scheduler_interval)
            self._worker.start()
            return

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.stop()


class Application(BaseApplication):  # type: ignore[misc]
    """``caseworks serve`` as a gunicorn application: the options come from the command line, not a file."""

    def __init__(self, settings: Settings, host: str, port: int, threads: int, workers: int,
                 run_worker: bool) -> None:
        self.settings, self.run_worker = settings, run_worker
        self.options = {"bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}", "workers": workers,
                        "threads": threads, "worker_class": "gthread", "proc_name": "caseworks",
                        "timeout": 120, "graceful_timeout": 30, "worker_exit": _worker_exit,
                        # gunicorn's control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl): two
                        # installations on one machine would fight over it, and nothing here uses it
                        "control_socket_disable": True}
        self.ctx: Context | None = None
        self.seat: SchedulerSeat | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """In each worker, after the fork: its own engine context and app; a seat in the scheduler election."""
        self.ctx = build(self.settings)
        if self.run_worker:
            self.seat = SchedulerSeat(self.ctx)
            self.seat.start()
        return create_app(context=self.ctx)

    def close(self) -> None:
        if self.seat is not None:
            self.seat.stop()
        if self.ctx is not None:
            self.ctx.db.dispose()


def _worker_exit(_server: Any, worker: Any) -> None:
    worker.app.close()


def serve(settings: Settings, host: str, port: int, threads: int, workers: int, run_worker: bool) -> int:
    # Check or apply migrations and record process versions once, before any fork (no racing migrations).
    ctx = build(settings)
    try:
        next_step = first_steps(ctx, f"http://{host}:{port}")
    finally:
        ctx.db.dispose()
    where = settings.effective_database_url.split("@")[-1]
    print(f"Caseworks on http://{host}:{port} ({workers} process(es) x {threads} threads, gunicorn; "
          f"database {where}; scheduler {'in one of them' if run_worker else 'off'})", flush=True)
    print(next_step, flush=True)
    Application(settings, host, port, threads, workers, run_worker).run()
    return 0


__all__ = ["serve", "Application", "SchedulerSeat"]
