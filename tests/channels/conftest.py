"""Fixtures for the channels: the real claim and loan processes, and a webhook receiver on loopback."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select

from engine.bpmn.loader import read_process_dir
from engine.context import Context
from engine.models import Event, RelayCursor
from engine.services import channels
from tests.conftest import ROOT


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(ROOT / "processes" / name) for name in ("claim", "loan")]


def tick(ctx: Context, patience: float = 10.0) -> None:
    """One pass of the worker's channel step, repeated until the relay has read every committed event.

    Why repeat: on PostgreSQL the relay waits for every transaction older than an event's to end (so none is
    skipped), and the server is shared with other sessions whose transactions may briefly hold it back."""
    deadline = time.monotonic() + patience
    while True:
        channels.tick(ctx)
        with ctx.read() as session:
            last = session.scalar(select(func.max(Event.id))) or 0
            read = session.scalar(select(RelayCursor.position).where(RelayCursor.name == "channels")) or 0
        if read >= last or time.monotonic() > deadline:
            return
        time.sleep(0.05)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST; ``stop()`` takes it down, ``start()`` brings it back
    on the same port (a receiver that went away and came back)."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    status: int = 204
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/caseworks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the base class's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()
