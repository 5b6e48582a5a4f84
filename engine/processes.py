"""Process registry: which version of each process takes new cases, every stored version, parsed-spec cache.

Versions live in the database (``process_versions``, files included), so an instance always resumes on the
exact version it started with, and a deployment reaches every web and worker process without a restart:
deploying bumps the ``process_deployments`` counter, and each process compares it with the value it last
saw (one primary-key read) before it picks a version for a new case.

At start-up each folder under ``processes/`` is read and recorded as a deployment when its content is new.
A folder that does not parse is *broken*: shown in the designer, its case type refuses new cases with the
problems listed, and every other process serves as usual.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, ContextManager

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.bpmn.loader import DefinitionError, ParsedProcess, ProcessDefinition, SpecCache, read_process_dir
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import Counter, ProcessVersion

DEPLOY_COUNTER = "process_deployments"
FOLDER_ACTOR = "processes folder"


class ProcessUnavailable(Conflict):
    """The case type exists but its current definition is broken: no new cases until a fix is deployed."""

    code = "process_unavailable"


@dataclass(frozen=True)
class Broken:
    key: str
    problems: list[str]
    since: int  # the deployment counter when it broke; a later deployment of the key mends it


def _encode_files(files: dict[str, bytes]) -> dict[str, str]:
    return {name: base64.b64encode(raw).decode() for name, raw in files.items()}


def _decode_files(files: dict[str, str]) -> dict[str, bytes]:
    return {name: base64.b64decode(raw) for name, raw in files.items()}


class ProcessRegistry:
    def __init__(self, processes_dir: Path) -> None:
        self.processes_dir = processes_dir
        self.cache = SpecCache()
        self._current: dict[str, ProcessDefinition] = {}
        self._version_ids: dict[str, int] = {}
        self._by_id: dict[int, ProcessDefinition] = {}
        self._broken: dict[str, Broken] = {}
        self._seen = -1
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def load(self, session: Session, now: datetime, definitions: list[ProcessDefinition] | None = None) -> None:
        """Record the folders' versions (a new one is deployed), mark the ones that do not parse as broken,
        then take the current version of every process from the database."""
        found, broken = _read_folders(self.processes_dir) if definitions is None else (definitions, {})
        for definition in found:
            try:
                self.cache.get(definition)
            except DefinitionError as err:
                broken[definition.key] = [f"{f}:{line}: {msg}" for f, line, msg in err.problems]
                continue
            self.record(session, definition, now, actor=FOLDER_ACTOR, deploy=False)
        counter = _counter(session)
        self._broken = {key: Broken(key, problems, counter) for key, problems in broken.items()}
        self.sync(session)

    def record(self, session: Session, definition: ProcessDefinition, now: datetime, *, actor: str,
               deploy: bool) -> ProcessVersion:
        """Store a version (once per content hash) and make it current when it is new or ``deploy`` is set
        (why not always: restarting with an unchanged folder must not undo a later upload)."""
        query = select(ProcessVersion).where(ProcessVersion.version == definition.version)
        row = session.scalar(query)
        if row is None:
            try:
                with session.begin_nested():  # several processes starting at once record the same new folder
                    row = ProcessVersion(process_key=definition.key, version=definition.version,
                                         name=definition.name, files=_encode_files(dict(definition.files)),
                                         created_at=now)
                    session.add(row)
                deploy = True
            except IntegrityError:
                row = session.scalar(query)  # another process recorded (and deployed) it first
                if row is None:
                    raise
        if deploy or row.deployed_seq is None:
            row.deployed_seq, row.deployed_by = _next_seq(session), actor
        session.flush()
        with self._lock:
            self._version_ids[definition.version] = row.id
            self._by_id[row.id] = definition
        return row

    def refresh(self, session: Session) -> bool:
        """Pick up deployments made by other processes (one primary-key read when nothing changed);
        True when something changed."""
        if _counter(session) != self._seen:
            self.sync(session)
            return True
        return False

    def refresh_every(self, seconds: float, read: Callable[[], ContextManager[Session]]) -> None:
        """``refresh`` at most every ``seconds`` (pages that list case types: the desk's new-case form).

        Opening a case always checks (inside its own transaction); this keeps lists fresh in every web process
        without a read per request."""
        now = time.monotonic()
        if now - self._checked_at < seconds:
            return
        self._checked_at = now
        with read() as session:
            self.refresh(session)

    def sync(self, session: Session) -> None:
        """The current version of each process: the one deployed last."""
        seen = _counter(session)
        rows = session.execute(select(ProcessVersion.id, ProcessVersion.process_key, ProcessVersion.deployed_seq)
                               .where(ProcessVersion.deployed_seq.is_not(None))).all()
        latest: dict[str, tuple[int, int]] = {}
        for version_id, key, seq in rows:
            if seq is not None and (key not in latest or seq > latest[key][1]):  # (the query leaves out None)
                latest[key] = (version_id, seq)
        current: dict[str, ProcessDefinition] = {}
        broken = {k: b for k, b in self._broken.items() if k not in latest or latest[k][1] <= b.since}
        for key, (version_id, seq) in sorted(latest.items()):
            definition = self.by_version_id(session, version_id)
            try:
                self.cache.get(definition)
            except DefinitionError as err:  # stored by an older release that checked less
                broken[key] = Broken(key, [f"{f}:{line}: {msg}" for f, line, msg in err.problems], seq)
                continue
            current[key] = definition
            with self._lock:
                self._version_ids[definition.version] = version_id
        with self._lock:
            self._current, self._broken, self._seen = current, broken, seen

    def current(self, case_type: str) -> ProcessDefinition:
        broken = self._broken.get(case_type)
        if broken is not None:
            raise ProcessUnavailable(
                f"'{case_type}' cannot take new cases: its process definition is broken. A designer must fix "
                "it and deploy it again (see /designer)", details={"case_type": case_type,
                                                                  "problems": broken.problems})
        definition = self._current.get(case_type)
        if definition is None:
            raise ValidationFailed(f"unknown case_type '{case_type}'",
                                   details={"case_type": f"must be one of: {', '.join(sorted(self._current))}"})
        return definition

    def case_types(self) -> list[str]:
        return sorted(k for k in self._current if k not in self._broken)

    def broken(self) -> list[Broken]:
        return [self._broken[k] for k in sorted(self._broken)]

    def definitions(self) -> list[ProcessDefinition]:
        return [self._current[k] for k in self.case_types()]

    def version_id(self, definition: ProcessDefinition) -> int:
        return self._version_ids[definition.version]

    def by_version_id(self, session: Session, version_id: int) -> ProcessDefinition:
        definition = self._by_id.get(version_id)
        if definition is None:
            row = session.get(ProcessVersion, version_id)
            if row is None:
                raise NotFound(f"process version {version_id} does not exist")
            files = _decode_files(row.files)
            definition = ProcessDefinition(key=row.process_key, files=files, manifest=_manifest(files),
                                           version=row.version)  # the hash the row was stored under
            with self._lock:
                self._by_id[version_id] = definition
        return definition

    def parsed(self, definition: ProcessDefinition) -> ParsedProcess:
        return self.cache.get(definition)


def _read_folders(processes_dir: Path) -> tuple[list[ProcessDefinition], dict[str, list[str]]]:
    """Every process folder; one whose manifest is unreadable is broken under its folder's name."""
    found: list[ProcessDefinition] = []
    broken: dict[str, list[str]] = {}
    if not processes_dir.is_dir():
        return found, broken
    for manifest in sorted(processes_dir.glob("*/process.json")):
        try:
            found.append(read_process_dir(manifest.parent))
        except DefinitionError as err:
            broken[manifest.parent.name] = [f"{f}:{line}: {msg}" for f, line, msg in err.problems]
    return found, broken


_READ_COUNTER = select(Counter.__table__.c.value).where(Counter.__table__.c.key == DEPLOY_COUNTER)


def _counter(session: Session) -> int:
    """The deployment counter (a prebuilt Core statement: this runs on every case opening)."""
    return int(session.connection().execute(_READ_COUNTER).scalar() or 0)


def _upsert(insert: Any) -> Any:
    table = Counter.__table__
    stmt = insert(table).values(key=bindparam("key"), value=1)
    return stmt.on_conflict_do_update(index_elements=["key"], set_={"value": table.c.value + 1}).returning(table.c.value)


_NEXT_SEQ = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}


def _next_seq(session: Session) -> int:
    conn = session.connection()
    return int(conn.execute(_NEXT_SEQ[conn.dialect.name], {"key": DEPLOY_COUNTER}).scalar_one())


def _manifest(files: dict[str, bytes]) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(files["process.json"])
    return manifest
