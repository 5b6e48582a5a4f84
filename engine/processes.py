"""Process registry: current definitions from ``processes/``, every stored version, parsed-spec cache.

At start-up each process folder is read and its version (content hash) recorded in ``process_versions``
with its files, so an instance can always be resumed on the exact version it started with, even after
the folder changed or the process was removed.
"""
from __future__ import annotations

import base64
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.loader import ParsedProcess, ProcessDefinition, SpecCache, discover
from engine.errors import NotFound, ValidationFailed
from engine.models import ProcessVersion


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
        self._lock = threading.Lock()

    def load(self, session: Session, now: datetime, definitions: list[ProcessDefinition] | None = None) -> None:
        """Read the process folders, parse each (fail fast on a broken file), record new versions."""
        found = discover(self.processes_dir) if definitions is None else definitions
        for definition in found:
            self.cache.get(definition)
            self._current[definition.key] = definition
            self._record(session, definition, now)

    def _record(self, session: Session, definition: ProcessDefinition, now: datetime) -> None:
        row = session.scalar(select(ProcessVersion).where(ProcessVersion.version == definition.version))
        if row is None:
            row = ProcessVersion(process_key=definition.key, version=definition.version, name=definition.name,
                                 files=_encode_files(dict(definition.files)), created_at=now)
            session.add(row)
            session.flush()
        with self._lock:
            self._version_ids[definition.version] = row.id
            self._by_id[row.id] = definition

    def current(self, case_type: str) -> ProcessDefinition:
        definition = self._current.get(case_type)
        if definition is None:
            raise ValidationFailed(f"unknown case_type '{case_type}'",
                                   details={"case_type": f"must be one of: {', '.join(sorted(self._current))}"})
        return definition

    def case_types(self) -> list[str]:
        return sorted(self._current)

    def definitions(self) -> list[ProcessDefinition]:
        return [self._current[k] for k in sorted(self._current)]

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


def _manifest(files: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(files["process.json"])
