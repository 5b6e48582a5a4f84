"""Composition root: build the engine's collaborators from settings (tests pass overrides, not patches)."""
from __future__ import annotations

from capture import Limits, default_rules, load_rules
from engine.blobs import open_store
from engine.bpmn.loader import ProcessDefinition
from engine.celery_jobs import CeleryDispatcher, make_app
from engine.jobs import Dispatcher, PollingDispatcher
from engine.bpmn.runner import ProcessRuntime
from engine.bpmn.scripting import ServiceRegistry
from engine.clock import Clock, SystemClock
from engine.context import Context
from engine.db import connect, ensure_schema
from engine.handlers import default_services
from engine.processes import ProcessRegistry
from engine.settings import Settings


def _dispatcher(settings: Settings) -> Dispatcher:
    if settings.celery_broker:
        return CeleryDispatcher(make_app(settings.celery_broker, queue=settings.celery_queue))
    return PollingDispatcher()


def build(settings: Settings | None = None, *, clock: Clock | None = None, services: ServiceRegistry | None = None,
          auto_migrate: bool | None = None, definitions: list[ProcessDefinition] | None = None) -> Context:
    """Connect, check (or, on embedded SQLite, apply) migrations, load and record the processes."""
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    services = services or default_services(settings.processes_dir)
    db = connect(settings)
    try:
        ensure_schema(db, auto_migrate=settings.is_sqlite if auto_migrate is None else auto_migrate)
    except BaseException:
        db.dispose()
        raise
    processes = ProcessRegistry(settings.processes_dir)
    rules = load_rules(settings.classification_rules) if settings.classification_rules else default_rules()
    limits = Limits(max_bytes=settings.max_upload_bytes, max_pages=settings.max_pages)
    ctx = Context(settings=settings, db=db, clock=clock, processes=processes, services=services,
                  runtime=ProcessRuntime(clock, services), blobs=open_store(settings),
                  capture_limits=limits, capture_rules=rules, jobs=_dispatcher(settings))
    with ctx.write() as session:
        processes.load(session, clock.now(), definitions)
    return ctx
