"""Process definitions: read a process folder, identify its version by content hash, parse and cache specs.

A process lives in one folder under ``processes/``: a ``process.json`` manifest, one or more ``.bpmn``
files (Spiff dialect), ``.dmn`` decision tables and ``forms/<task id>.schema.json`` JSON-schema forms.
The version is the SHA-256 of every file in the folder, so any edit yields a new version while running
instances stay pinned to the files they started with (kept in the database).
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

from engine.bpmn.timers import install_clocked_timers

SOURCE_SUFFIXES = (".bpmn", ".dmn", ".json")
SCENARIO_DIR = "scenarios/"  # designer tests beside the process: not part of its version


def is_source(relative: str) -> bool:
    """Whether a file (path relative to its process folder) belongs to the process version."""
    return relative.endswith(SOURCE_SUFFIXES) and not relative.startswith(SCENARIO_DIR) \
        and not any(part.startswith(".") for part in relative.split("/"))


class DefinitionError(Exception):
    """A process folder or file is broken; ``problems`` holds ``(file, line, message)`` triples."""

    def __init__(self, problems: list[tuple[str, int, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{f}:{line}: {msg}" for f, line, msg in problems))


@dataclass(frozen=True)
class ProcessDefinition:
    """One version of one process: its source files (relative path -> bytes) and manifest."""

    key: str
    files: Mapping[str, bytes]
    manifest: Mapping[str, Any]
    version: str
    source_dir: str = ""

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", self.key))

    @property
    def process_id(self) -> str:
        return str(self.manifest.get("process_id", self.key))

    @property
    def reference_prefix(self) -> str:
        return str(self.manifest.get("reference_prefix", self.key[:3].upper()))

    def form(self, task_name: str, form_file: str | None = None) -> dict[str, Any] | None:
        """The JSON schema of a user task's form, or None when it has none."""
        for candidate in form_candidates(task_name, form_file):
            raw = self.files.get(candidate)
            if raw is not None:
                schema: dict[str, Any] = json.loads(raw)
                return schema
        return None

    @property
    def start_schema(self) -> dict[str, Any] | None:
        raw = self.files.get(str(self.manifest.get("start_schema", "forms/start.schema.json")))
        return json.loads(raw) if raw is not None else None

    def bpmn_files(self) -> dict[str, bytes]:
        return {k: v for k, v in self.files.items() if k.endswith(".bpmn")}

    def dmn_files(self) -> dict[str, bytes]:
        return {k: v for k, v in self.files.items() if k.endswith(".dmn")}


def form_candidates(task_name: str, form_file: str | None) -> list[str]:
    """Where a user task's form schema may be, in order (the runtime and the validator agree on this)."""
    names = []
    if form_file:
        names += [form_file, f"forms/{form_file}"]
    names += [f"forms/{task_name}.schema.json", f"{task_name}.schema.json"]
    return names


def content_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def read_process_dir(path: Path) -> ProcessDefinition:
    """Read one process folder into a definition (no parsing yet)."""
    files: dict[str, bytes] = {}
    for file in sorted(path.rglob("*")):
        if file.is_file() and is_source(file.relative_to(path).as_posix()):
            files[file.relative_to(path).as_posix()] = file.read_bytes()
    manifest_raw = files.get("process.json")
    if manifest_raw is None:
        raise DefinitionError([(str(path / "process.json"), 0, "missing process manifest process.json")])
    try:
        manifest = json.loads(manifest_raw)
    except json.JSONDecodeError as err:
        raise DefinitionError([(str(path / "process.json"), err.lineno, f"invalid JSON: {err.msg}")]) from err
    key = str(manifest.get("case_type", path.name))
    return ProcessDefinition(key=key, files=files, manifest=manifest, version=content_hash(files), source_dir=str(path))


def discover(processes_dir: Path) -> list[ProcessDefinition]:
    """Every process folder (one holding a process.json) under the processes directory."""
    if not processes_dir.is_dir():
        return []
    return [read_process_dir(p.parent) for p in sorted(processes_dir.glob("*/process.json"))]


@dataclass
class ParsedProcess:
    """The parsed, cached SpiffWorkflow specs of one process version."""

    definition: ProcessDefinition
    spec: Any
    subprocess_specs: dict[str, Any]
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)


def parse_definition(definition: ProcessDefinition, *, validate: bool = True) -> ParsedProcess:
    """Parse all BPMN and DMN files of a definition into specs; raise DefinitionError with file:line."""
    parser = SpiffBpmnParser(validator=VALIDATOR if validate else None)
    where = definition.source_dir or definition.key
    for name, raw in definition.dmn_files().items():
        _add(parser.add_dmn_xml, raw, f"{where}/{name}")
    for name, raw in definition.bpmn_files().items():
        _add(parser.add_bpmn_xml, raw, f"{where}/{name}")
    try:
        spec = parser.get_spec(definition.process_id)
        subprocess_specs = parser.get_subprocess_specs(definition.process_id)
    except ValidationException as err:
        raise DefinitionError([_problem(err, where, definition)]) from err
    install_clocked_timers([spec, *subprocess_specs.values()])
    return ParsedProcess(definition, spec, subprocess_specs)


def _add(add_xml: Any, raw: bytes, filename: str) -> None:
    try:
        xml = etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        raise DefinitionError([(filename, err.lineno or 0, f"not well-formed XML: {err.msg}")]) from err
    try:
        add_xml(xml, filename)
    except ValidationException as err:
        line = err.line_number or _line_of(xml, getattr(err, "id", ""))
        raise DefinitionError([(err.file_name or filename, int(line or 0), str(err).splitlines()[0])]) from err


def _line_of(xml: Any, element_id: str) -> int:
    if not element_id:
        return 0
    found = xml.xpath("//*[@id=$id]", id=element_id)
    return int(found[0].sourceline) if found else 0


def _problem(err: ValidationException, where: str, definition: ProcessDefinition) -> tuple[str, int, str]:
    filename = err.file_name or where
    line = err.line_number
    element_id = str(getattr(err, "id", None) or "")  # set when the library knows which element is wrong
    if not line and element_id:
        for name, raw in definition.bpmn_files().items():
            found = _line_of(etree.fromstring(raw), element_id)
            if found:
                filename, line = f"{where}/{name}", found
                break
    return filename, int(line or 0), str(err).splitlines()[0]


class SpecCache:
    """Parsed specs by process version: parsing is 4-20x the cost of running, so do it once per version."""

    def __init__(self) -> None:
        self._parsed: dict[str, ParsedProcess] = {}
        self._lock = threading.Lock()

    def get(self, definition: ProcessDefinition) -> ParsedProcess:
        parsed = self._parsed.get(definition.version)
        if parsed is None:
            with self._lock:
                parsed = self._parsed.get(definition.version)
                if parsed is None:
                    parsed = parse_definition(definition)
                    self._parsed[definition.version] = parsed
        return parsed
