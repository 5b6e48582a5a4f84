"""The engine's collaborators, wired once by ``engine.bootstrap.build`` and passed to every service verb."""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from capture import ClassificationRules, Limits
from engine.blobs import BlobStore
from engine.bpmn.runner import ProcessRuntime
from engine.bpmn.scripting import ServiceRegistry
from engine.clock import Clock
from engine.db import Database
from engine.errors import ConcurrentUpdate
from engine.jobs import Dispatcher
from engine.processes import ProcessRegistry
from engine.settings import Settings


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock
    processes: ProcessRegistry
    services: ServiceRegistry
    runtime: ProcessRuntime
    blobs: BlobStore
    capture_limits: Limits
    capture_rules: ClassificationRules
    jobs: Dispatcher

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any error; stale rows become a 409."""
        with self.db.write_lock or nullcontext():
            session = self.db.write_sessions()
            try:
                yield session
                session.commit()
            except StaleDataError as err:
                session.rollback()
                raise ConcurrentUpdate("someone else changed this case at the same time; reload and retry") from err
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self.db.read_sessions()
        try:
            yield session
        finally:
            session.close()  # ends the transaction without expiring what was read

