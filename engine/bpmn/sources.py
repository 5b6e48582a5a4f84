"""Which files a check covers: a process folder's sources, and for one file the files it references.

Why: ``caseworks processes validate some/file.bpmn`` used to check the whole folder around the file and
reported other files' problems; now a file is checked with what it calls (processes, decisions, forms).
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from engine.bpmn.loader import form_candidates, is_source

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def _property(element, key: str) -> str | None:  # type: ignore[no-untyped-def]
    found = element.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name=$key]",
                          namespaces=NS, key=key)
    return found[0].get("value") if found else None


def read_sources(folder: Path) -> dict[str, bytes]:
    return {f.relative_to(folder).as_posix(): f.read_bytes() for f in sorted(folder.rglob("*"))
            if f.is_file() and is_source(f.relative_to(folder).as_posix())}


def check_ids(raw: bytes) -> set[str]:
    """The bpmn:process ids a file defines (empty when it does not parse)."""
    try:
        tree = etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return set()
    return {p.get("id") for p in tree.xpath("//bpmn:process", namespaces=NS)}


def referenced_files(name: str, files: dict[str, bytes]) -> set[str]:
    """``name`` plus, transitively, the .bpmn files defining processes it calls, the .dmn files defining
    decisions it calls, the form schemas of its user tasks and the folder manifest."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    trees = {}
    for other, raw in files.items():
        if other.endswith((".bpmn", ".dmn")):
            try:
                trees[other] = etree.fromstring(raw, parser=parser)
            except etree.XMLSyntaxError:
                continue
    processes = {p.get("id"): n for n, t in trees.items() for p in t.xpath("//bpmn:process", namespaces=NS)}
    decisions = {d: n for n, t in trees.items() for d in t.xpath("//*[local-name()='decision']/@id")}
    wanted, todo = {name, "process.json"}, [name]
    while todo:
        tree = trees.get(todo.pop())
        if tree is None:
            continue
        refs = [processes.get(c) for c in tree.xpath("//bpmn:callActivity/@calledElement", namespaces=NS)]
        refs += [decisions.get((r.text or "").strip()) for r in
                 tree.xpath("//spiffworkflow:calledDecisionId", namespaces=NS)]
        for task in tree.xpath("//bpmn:userTask", namespaces=NS):
            wanted |= {c for c in form_candidates(task.get("id"), _property(task, "formJsonSchemaFilename"))
                       if c in files}
        for ref in refs:
            if ref and ref not in wanted:
                wanted.add(ref)
                todo.append(ref)
    return wanted
