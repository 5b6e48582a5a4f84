"""Serving: waitress with N threads, optionally in several pre-forked processes sharing one socket.

One Python process runs one core at a time (the GIL); `--workers N` forks N processes that accept on the
same listening socket, each with its own engine context (database pools are never shared across a fork).
Exactly one of them runs the in-process scheduler, so the embedded default stays one command.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import time
from typing import Any

import waitress

from engine.bootstrap import build
from engine.demo_credentials import first_steps
from engine.services.scheduler import BackgroundWorker
from engine.settings import Settings
from webapp import create_app

log = logging.getLogger("caseworks.server")


def listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def serve_process(settings: Settings, sock: socket.socket, threads: int, run_worker: bool) -> None:
    """One serving process: engine context, Flask app, optional scheduler thread, waitress on the socket."""
    ctx = build(settings)
    worker = BackgroundWorker(ctx, settings.scheduler_interval) if run_worker else None
    if worker is not None:
        worker.start()
    try:
        waitress.serve(create_app(context=ctx), sockets=[sock], threads=threads, ident="caseworks")
    finally:
        if worker is not None:
            worker.stop()
        ctx.db.dispose()


def serve(settings: Settings, host: str, port: int, threads: int, workers: int, run_worker: bool) -> int:
    sock = listen(host, port)
    # Check or apply migrations and record process versions once, before any fork (no racing migrations).
    ctx = build(settings)
    try:
        next_step = first_steps(ctx, f"http://{host}:{port}")
    finally:
        ctx.db.dispose()
    where = settings.effective_database_url.split("@")[-1]
    print(f"Caseworks on http://{host}:{port} ({workers} process(es) x {threads} threads; database {where}; "
          f"worker {'in-process' if run_worker else 'off'})", flush=True)
    print(next_step, flush=True)
    if workers <= 1:
        serve_process(settings, sock, threads, run_worker)
        return 0
    return _supervise(settings, sock, threads, workers, run_worker)


def _supervise(settings: Settings, sock: socket.socket, threads: int, workers: int, run_worker: bool) -> int:
    children: dict[int, int] = {}  # pid -> slot; slot 0 runs the scheduler

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                serve_process(settings, sock, threads, run_worker and slot == 0)
            finally:
                os._exit(0)
        children[pid] = slot

    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _kill(pid)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(workers):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        slot = children.pop(pid, None)
        if slot is not None and not stopping:
            log.warning("serving process %s exited (status %s); starting another", pid, status)
            time.sleep(0.5)
            spawn(slot)
    return 0


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


__all__ = ["serve"]
