"""Static checks of process folders, reported as ``file:line: message`` (``caseworks processes validate``).

Everything a designer can get wrong in a folder should surface here, with the line to fix, before a case
ever runs into it: broken XML or BPMN, a missing manifest or process, user tasks without a lane (queue) or
form, manual tasks nobody would ever see, unknown service operators, refused scripts and broken templates.
The checks never raise on bad input: every failure becomes a ``Problem``.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.bpmn.loader import (DefinitionError, ProcessDefinition, content_hash,
                                form_candidates, parse_definition)
from engine.bpmn.scripting import OFFERED_NAMES, ServiceRegistry, UnsafeScript, check_script
from engine.bpmn.sources import check_ids, read_sources, referenced_files
from engine.bpmn.checks import (check_dmn_cells, check_element_kinds, check_id_references,
                                       unavailable_calls)
from engine.bpmn.templates import fields, malformed, parse_duration, render
from engine.handlers import default_services
from engine.validation import check_schema

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
BARE_DURATION = re.compile(r"(R\d*/)?P(?=[\dT])(\d+[YMWD])*(T(\d+[HMS])+)?")
SCRIPT_XPATHS = {  # element holding an expression -> how to name it in a message
    "//bpmn:scriptTask/bpmn:script": "script",
    "//bpmn:conditionExpression": "condition",
    "//bpmn:timeDuration | //bpmn:timeDate | //bpmn:timeCycle": "timer",
    "//spiffworkflow:preScript": "preScript",
    "//spiffworkflow:postScript": "postScript",
    "//spiffworkflow:messagePayload": "message payload",
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def validate_paths(paths: Iterable[Path], services: ServiceRegistry | None = None) -> list[Problem]:
    """Check process folders, directories of process folders, or single .bpmn/.dmn files.

    A single file is checked with the files it references (the decisions and processes it calls, its
    forms), never the rest of its folder: a designer asking about one file wants that file's problems."""
    if services is None:
        services = default_services()
    problems: list[Problem] = []
    folders: list[Path] = []
    for path in map(Path, paths):
        if path.is_file() and path.suffix in (".bpmn", ".dmn"):
            problems += check_file(path, services)
            continue
        found, problem = _folders_of(path)
        problems += [problem] if problem else []
        folders += [f for f in found if f not in folders]
    for folder in folders:
        problems += FolderCheck(folder, services).run()
    return problems


def validate_files(files: dict[str, bytes], services: ServiceRegistry, where: str = "") -> list[Problem]:
    """Check a process folder held in memory (an uploaded package); problems name ``where/<file>``."""
    return FolderCheck(Path(where), services, files=files).run()


def check_file(path: Path, services: ServiceRegistry) -> list[Problem]:
    """One .bpmn/.dmn file and what it references, from its folder (the folder's manifest only when it
    names this file's process)."""
    folder = path.parent
    available = read_sources(folder)
    name = path.relative_to(folder).as_posix()
    wanted = referenced_files(name, available)
    subset = {n: available[n] for n in sorted(wanted) if n in available}
    check = FolderCheck(folder, services, files=subset)
    manifest = check.json_of("process.json") if "process.json" in subset else None
    if not isinstance(manifest, dict) or str(manifest.get("process_id", "")) not in check_ids(subset.get(name, b"")):
        subset.pop("process.json", None)
        return FolderCheck(folder, services, files=subset, standalone=True).run()
    start = str(manifest.get("start_schema", "forms/start.schema.json"))
    if start in available:
        check.files[start] = available[start]
    return check.run()


def _folders_of(path: Path) -> tuple[list[Path], Problem | None]:
    if not path.exists():
        return [], Problem(str(path), 0, "no such file or directory")
    if path.is_file():
        return [next((p for p in path.parents if (p / "process.json").is_file()), path.parent)], None
    if (path / "process.json").is_file() or any(path.glob("*.bpmn")):
        return [path], None  # a process folder (one without its manifest gets that reported)
    found = sorted(p.parent for p in path.glob("*/process.json"))
    return found, None if found else Problem(str(path), 0, "no process folder (a folder with process.json) here")


def _line(element: Any) -> int:
    return int(getattr(element, "sourceline", 0) or 0)


def _owner_id(element: Any) -> str:
    """The id of the flow node an expression or property belongs to (skipping event definitions)."""
    while element is not None and (element.get("id") is None
                                   or etree.QName(element).localname.endswith("EventDefinition")):
        element = element.getparent()
    return element.get("id") if element is not None else "?"


class FolderCheck:
    """All checks of one process folder; collects problems instead of stopping at the first."""

    def __init__(self, folder: Path, services: ServiceRegistry, files: dict[str, bytes] | None = None,
                 standalone: bool = False) -> None:
        self.folder = folder
        self.services = services
        self.standalone = standalone  # a lone file: no manifest, every executable process is checked
        self.problems: list[Problem] = []
        self.files = read_sources(folder) if files is None else dict(files)
        self.trees: dict[str, Any] = {}

    def add(self, name: str, line: int, message: str) -> None:
        self.problems.append(Problem(str(self.folder / name), line, message))

    def run(self) -> list[Problem]:
        manifest = None if self.standalone else self.check_manifest()
        self.check_json_files()
        self.parse_xml()
        self.check_with_spiff()
        for name, tree in self.bpmn_trees():
            self.check_elements(name, tree)
            self.check_scripts(name, tree)
            self.check_properties(name, tree)
        for name, tree in self.trees.items():
            if name.endswith(".dmn"):
                check_dmn_cells(self, name, tree)
        if manifest is not None:
            self.check_process_id(manifest)
            if not self.problems:
                self.check_specs(manifest)
        elif self.standalone and not self.problems:
            for process_id in sorted(self.ids_of("//bpmn:process[not(@isExecutable='false')]")):
                self.check_specs({"case_type": process_id, "process_id": process_id})
        return self.problems

    def json_of(self, name: str) -> Any:
        try:
            return json.loads(self.files[name])
        except (KeyError, ValueError):
            return None

    # -- files -----------------------------------------------------------------------------------
    def check_manifest(self) -> dict[str, Any] | None:
        raw = self.files.get("process.json")
        if raw is None:
            self.add("process.json", 0, "missing process manifest process.json")
            return None
        manifest = self.load_json("process.json", raw)
        if manifest is not None and not isinstance(manifest, dict):
            self.add("process.json", 1, "the manifest must be a JSON object")
            return None
        start_schema = (manifest or {}).get("start_schema")
        if start_schema and start_schema not in self.files:
            self.add("process.json", self.json_line("start_schema"), f"start_schema '{start_schema}' does not exist")
        return manifest

    def load_json(self, name: str, raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except json.JSONDecodeError as err:
            self.add(name, err.lineno, f"invalid JSON: {err.msg}")
        except UnicodeDecodeError:
            self.add(name, 0, "not UTF-8 text")
        return None

    def json_line(self, key: str, name: str = "process.json") -> int:
        lines = self.files.get(name, b"").decode(errors="replace").splitlines()
        return next((n for n, text in enumerate(lines, 1) if f'"{key}"' in text), 1)

    def check_json_files(self) -> None:
        """Every form schema (``forms/*.json``) must be a valid JSON schema; other .json files are reference
        data (a watch list, a rate table) and only need to be valid JSON."""
        for name, raw in self.files.items():
            if not name.endswith(".json") or name == "process.json":
                continue
            schema = self.load_json(name, raw)
            if not name.startswith("forms/"):
                continue
            if schema is None:
                continue
            error = check_schema(schema) if isinstance(schema, dict) else "a schema must be a JSON object"
            if error:
                self.add(name, 1, f"not a valid JSON schema: {error}")

    def parse_xml(self) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        for name, raw in self.files.items():
            if name.endswith((".bpmn", ".dmn")):
                try:
                    self.trees[name] = etree.fromstring(raw, parser=parser)
                except etree.XMLSyntaxError as err:
                    self.add(name, err.lineno or 0, f"not well-formed XML: {err.msg}")
        if not any(name.endswith(".bpmn") for name in self.files) and not self.standalone:
            self.add("", 0, "no .bpmn file in the process folder")

    def bpmn_trees(self) -> list[tuple[str, Any]]:
        return [(n, t) for n, t in self.trees.items() if n.endswith(".bpmn")]

    def ids_of(self, xpath: str) -> set[str]:
        """Ids of the matching elements over all .bpmn files of the folder (processes call each other)."""
        return {e.get("id") for _, tree in self.bpmn_trees() for e in tree.xpath(xpath, namespaces=NS)}

    # -- the library's own checks (XSD, parsing) --------------------------------------------------
    def check_with_spiff(self) -> None:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        for name, tree in sorted(self.trees.items(), key=lambda item: not item[0].endswith(".dmn")):
            add = parser.add_dmn_xml if name.endswith(".dmn") else parser.add_bpmn_xml
            try:
                add(tree, str(self.folder / name))
                if name.endswith(".dmn"):
                    parser.dmn_parsers[tree.xpath("//*[local-name()='decision']/@id")[0]].parse()
            except ValidationException as err:
                self.add(name, int(err.line_number or self.line_of_id(tree, err.id)), _first_line(err))
            except Exception as err:  # noqa: BLE001 - the parsers raise anything on odd input; report it
                self.add(name, 0, f"cannot be parsed: {type(err).__name__}: {err}")

    @staticmethod
    def line_of_id(tree: Any, element_id: str) -> int:
        found = tree.xpath("//*[@id=$id]", id=element_id) if element_id else []
        return _line(found[0]) if found else 0

    def check_specs(self, manifest: dict[str, Any]) -> None:
        """Build the runtime specs exactly as the engine will (only once the files are otherwise clean)."""
        key = str(manifest.get("case_type", self.folder.name))
        definition = ProcessDefinition(key, self.files, manifest, content_hash(self.files), str(self.folder))
        try:
            parse_definition(definition)
        except DefinitionError as err:
            self.problems += [Problem(f, line, msg) for f, line, msg in err.problems]
        except Exception as err:  # noqa: BLE001 - see check_with_spiff
            self.add("", 0, f"cannot build the process: {type(err).__name__}: {err}")

    def check_process_id(self, manifest: dict[str, Any]) -> None:
        process_id = str(manifest.get("process_id", manifest.get("case_type", self.folder.name)))
        ids = self.ids_of("//bpmn:process")
        if process_id not in ids and self.bpmn_trees():
            self.add("process.json", self.json_line("process_id"),
                     f"process_id '{process_id}' is not a bpmn:process of this folder "
                     f"(found: {', '.join(sorted(ids)) or 'none'})")

    # -- elements ----------------------------------------------------------------------------------
    def check_elements(self, name: str, tree: Any) -> None:
        in_lanes = {ref.text.strip() for ref in tree.xpath("//bpmn:lane/bpmn:flowNodeRef", namespaces=NS) if ref.text}
        for task in tree.xpath("//bpmn:userTask", namespaces=NS):
            self.check_user_task(name, task, in_lanes)
        for task in tree.xpath("//bpmn:serviceTask", namespaces=NS):
            self.check_service_task(name, task)
        self.check_references(name, tree)
        check_element_kinds(self, name, tree)
        check_id_references(self, name, tree)
        for misplaced in tree.xpath("//bpmn:message//spiffworkflow:messageVariable | "
                                    "//bpmn:message//spiffworkflow:messagePayload", namespaces=NS):
            self.add(name, _line(misplaced), f"spiffworkflow:{etree.QName(misplaced).localname} belongs in the "
                                             "bpmn:messageEventDefinition, not in the bpmn:message (deprecated)")

    def check_user_task(self, name: str, task: Any, in_lanes: set[str]) -> None:
        task_id = task.get("id")
        if task_id not in in_lanes:
            self.add(name, _line(task), f"user task '{task_id}' is in no lane (its lane name is its work queue)")
        form_file = _property(task, "formJsonSchemaFilename")
        candidates = form_candidates(task_id, form_file)
        wanted = candidates[:2] if form_file else candidates
        if not any(c in self.files for c in wanted):
            expected = wanted[-1] if form_file else wanted[0]
            self.add(name, _line(task), f"user task '{task_id}' has no form schema '{expected}'")

    def check_service_task(self, name: str, task: Any) -> None:
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if operator is None:
            self.add(name, _line(task), f"service task '{task.get('id')}' has no spiffworkflow:serviceTaskOperator")
            return
        if operator.get("id") not in self.services.names():
            self.add(name, _line(operator), f"service task '{task.get('id')}' calls '{operator.get('id')}', which is "
                                            f"not a registered handler (known: {', '.join(self.services.names())})")
        for param in operator.xpath(".//spiffworkflow:parameter[@value]", namespaces=NS):
            self.check_expression(name, param, param.get("value"), f"parameter '{param.get('id')}'")

    def check_references(self, name: str, tree: Any) -> None:
        processes = self.ids_of("//bpmn:process")
        decisions = {d for n, t in self.trees.items() if n.endswith(".dmn")
                     for d in t.xpath("//*[local-name()='decision']/@id")}
        for call in tree.xpath("//bpmn:callActivity", namespaces=NS):
            if call.get("calledElement") not in processes:
                self.add(name, _line(call), f"call activity '{call.get('id')}' calls process "
                                            f"'{call.get('calledElement')}', which no .bpmn file of the folder defines")
        for ref in tree.xpath("//bpmn:businessRuleTask//spiffworkflow:calledDecisionId", namespaces=NS):
            if (ref.text or "").strip() not in decisions:
                self.add(name, _line(ref), f"business rule task '{_owner_id(ref)}' calls decision "
                                           f"'{(ref.text or '').strip()}', which no .dmn file of the folder defines")

    # -- scripts and templates ------------------------------------------------------------------------
    def check_scripts(self, name: str, tree: Any) -> None:
        for xpath, kind in SCRIPT_XPATHS.items():
            for element in tree.xpath(xpath, namespaces=NS):
                what = f"{kind} of '{_owner_id(element)}'"
                if self.check_expression(name, element, element.text or "", what) and kind == "timer":
                    self.check_timer_literal(name, element)

    def check_expression(self, name: str, element: Any, source: str, what: str) -> bool:
        if not source.strip() and etree.QName(element).localname != "script":
            self.add(name, _line(element), f"{what} is empty")
            return False
        try:
            check_script(source.strip())
        except UnsafeScript as err:
            self.add(name, _line(element), f"{what}: {err.message}")
            return False
        missing = unavailable_calls(source.strip())
        if missing:
            self.add(name, _line(element), f"{what} calls {', '.join(repr(m) for m in missing)}, which scripts "
                                           f"cannot use (available: {', '.join(sorted(OFFERED_NAMES))})")
            return False
        return True

    def check_timer_literal(self, name: str, element: Any) -> None:
        """Timer expressions are Python: catch a bare P7D (read as a variable) and unparsable literals."""
        text, kind = (element.text or "").strip(), etree.QName(element).localname
        owner = _owner_id(element)
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            if BARE_DURATION.fullmatch(text):
                self.add(name, _line(element), f"timer of '{owner}': {text} is read as a variable name; "
                                               f"write the duration as a string: \"{text}\"")
            return
        if isinstance(value, str) and not _timer_literal_ok(kind, value):
            self.add(name, _line(element), f"timer of '{owner}': '{value}' is not a valid ISO 8601 {kind}")

    def check_properties(self, name: str, tree: Any) -> None:
        user_tasks = self.ids_of("//bpmn:userTask")
        for prop in tree.xpath("//spiffworkflow:property", namespaces=NS):
            key, value, line = prop.get("name"), prop.get("value") or "", _line(prop)
            owner = _owner_id(prop)
            if key in ("statusText", "dueIn", "priority") and malformed(value):
                self.add(name, line, f"{key} of '{owner}': malformed placeholder in '{value}' "
                                     "(use {field} or {field:%d %B})")
                continue
            sample = render(value, {f: 1 for f in fields(value)})
            if key == "dueIn" and not _is_duration(sample):
                self.add(name, line, f"dueIn of '{owner}': '{value}' is not an ISO 8601 duration such as P2D or PT4H")
            if key == "priority" and not sample.strip().lstrip("-").isdigit():
                self.add(name, line, f"priority of '{owner}': '{value}' is not an integer")
            if key == "separateFrom":
                for other in (v.strip() for v in value.split(",")):
                    if other not in user_tasks:
                        self.add(name, line, f"separateFrom of '{owner}': '{other}' is not a user task of this process")


def _property(element: Any, key: str) -> str | None:
    found = element.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name=$key]",
                          namespaces=NS, key=key)
    return found[0].get("value") if found else None


def _first_line(err: Exception) -> str:
    """The library's message, first line only, with namespace URIs shortened to their usual prefixes."""
    text = (str(err).splitlines() or [type(err).__name__])[0]
    for prefix, uri in NS.items():
        text = text.replace("{%s}" % uri, f"{prefix}:")
    return text.strip().rstrip(".").strip() or type(err).__name__


def _is_duration(text: str) -> bool:
    text = text.strip()
    if text in ("", "P", "PT") or not text.startswith("P"):
        return False
    try:
        parse_duration(text)
    except Exception:  # noqa: BLE001 - the library raises a bare Exception for a bad duration
        return False
    return True


def _timer_literal_ok(kind: str, value: str) -> bool:
    if kind == "timeDuration":
        return _is_duration(value)
    if kind == "timeDate":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return True
    return value.upper().startswith("R")  # timeCycle: R[n]/start/duration or R[n]/duration
