"""Drafts of the browser modeler: a process's files as text, saved, validated, compared with the deployed
version (elements, forms, rules) and deployed, without touching the processes folder.
"""
from __future__ import annotations

import json
from typing import Any

from lxml import etree
from sqlalchemy import select

from engine.bpmn.validate import validate_files
from engine.context import Context
from engine.errors import ValidationFailed
from engine.models import ProcessDraft
from engine.services.deployments import CASE_TYPE, deploy_files

MAX_DRAFT_BYTES = 2 * 1024 * 1024
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def blank_process(case_type: str, name: str) -> dict[str, str]:
    """A new process: a pool with one lane, a start and an end event, drawn (bpmn-js needs the diagram)."""
    bpmn = f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="{SPIFF}" id="Definitions_{case_type}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_{case_type}">
    <bpmn:participant id="Participant_{case_type}" name="{name}" processRef="{case_type}"/>
  </bpmn:collaboration>
  <bpmn:process id="{case_type}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="LaneSet_{case_type}">
      <bpmn:lane id="Lane_team" name="Back office">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Request received"><bpmn:outgoing>Flow_start_end</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end" name="Done"><bpmn:incoming>Flow_start_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_start_end" sourceRef="start" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_{case_type}">
    <bpmndi:BPMNPlane id="Plane_{case_type}" bpmnElement="Collaboration_{case_type}">
      <bpmndi:BPMNShape id="Participant_{case_type}_di" bpmnElement="Participant_{case_type}" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="900" height="250"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_team_di" bpmnElement="Lane_team" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="870" height="250"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="200" y="167" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="900" y="167" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_start_end_di" bpmnElement="Flow_start_end">
        <di:waypoint x="236" y="185"/><di:waypoint x="900" y="185"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
'''
    manifest = {"case_type": case_type, "name": name, "process_id": case_type,
                "reference_prefix": case_type[:3].upper(), "start_schema": "forms/start.schema.json"}
    start = {"type": "object", "title": "New request", "properties": {}}
    return {"process.json": json.dumps(manifest, indent=2) + "\n", f"{case_type}.bpmn": bpmn,
            "forms/start.schema.json": json.dumps(start, indent=2) + "\n"}


def _check_key(case_type: str) -> None:
    if not CASE_TYPE.fullmatch(case_type or ""):
        raise ValidationFailed("a case type is lower-case letters, digits and _ (at most 40)",
                               details={"case_type": "e.g. 'complaint' or 'address_change'"})


def _check_files(files: Any) -> dict[str, str]:
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ValidationFailed("a draft is an object of file name -> text", details={"files": "must be an object"})
    if sum(len(v) for v in files.values()) > MAX_DRAFT_BYTES:
        raise ValidationFailed("the draft is too large", details={"files": f"at most {MAX_DRAFT_BYTES // 1024} KB"})
    bad = [k for k in files if k.startswith(("/", ".")) or ".." in k.split("/") or "\\" in k]
    if bad:
        raise ValidationFailed("file names must stay inside the process folder", details={"files": ", ".join(bad)})
    return files


def load_draft(ctx: Context, case_type: str, name: str | None = None) -> dict[str, Any]:
    """The saved draft, else the current version's files, else a new blank process."""
    _check_key(case_type)
    with ctx.read() as session:
        draft = session.scalar(select(ProcessDraft).where(ProcessDraft.case_type == case_type))
        if draft is not None:
            return {"case_type": case_type, "files": dict(draft.files), "source": "draft",
                    "updated_by": draft.updated_by, "updated_at": draft.updated_at.isoformat()}
        ctx.processes.refresh(session)
    current = {d.key: d for d in ctx.processes.definitions()}.get(case_type)
    if current is not None:
        return {"case_type": case_type, "files": {k: v.decode() for k, v in current.files.items()},
                "source": "deployed"}
    return {"case_type": case_type, "files": blank_process(case_type, name or case_type.replace("_", " ").title()),
            "source": "new"}


def save_draft(ctx: Context, case_type: str, files: Any, actor: str) -> dict[str, Any]:
    _check_key(case_type)
    files = _check_files(files)
    with ctx.write() as session:
        draft = session.scalar(select(ProcessDraft).where(ProcessDraft.case_type == case_type))
        now = ctx.clock.now()
        if draft is None:
            draft = ProcessDraft(case_type=case_type, files=files, updated_by=actor, updated_at=now)
            session.add(draft)
        else:
            draft.files, draft.updated_by, draft.updated_at = files, actor, now
    return {"case_type": case_type, "saved": True, "updated_by": actor, "updated_at": now.isoformat()}


def validate_draft(ctx: Context, case_type: str, files: Any) -> list[str]:
    _check_key(case_type)
    return [str(p) for p in validate_files(_encode(_check_files(files)), ctx.services, where=case_type)]


def deploy_draft(ctx: Context, case_type: str, files: Any, actor: str) -> dict[str, Any]:
    _check_key(case_type)
    version = deploy_files(ctx, _encode(_check_files(files)), actor, folder_name=case_type)
    with ctx.write() as session:
        draft = session.scalar(select(ProcessDraft).where(ProcessDraft.case_type == case_type))
        if draft is not None:
            session.delete(draft)  # deployed: the draft is now the current version
    return version


def _encode(files: dict[str, str]) -> dict[str, bytes]:
    return {name: text.encode() for name, text in files.items()}


def diff_draft(ctx: Context, case_type: str, files: Any) -> dict[str, Any]:
    """What changed against the deployed version: BPMN elements, forms and decision rules, each as
    added / removed / changed lists of names a designer recognises."""
    _check_key(case_type)
    draft = _check_files(files)
    with ctx.read() as session:
        ctx.processes.refresh(session)
    current = {d.key: d for d in ctx.processes.definitions()}.get(case_type)
    deployed = {k: v.decode(errors="replace") for k, v in current.files.items()} if current else {}
    return {"deployed_version": current.version if current else None,
            "elements": _compare(_elements(deployed), _elements(draft)),
            "forms": _compare({k: v for k, v in deployed.items() if k.startswith("forms/")},
                              {k: v for k, v in draft.items() if k.startswith("forms/")}),
            "rules": _compare(_rules(deployed), _rules(draft))}


def _compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k])}


def _trees(files: dict[str, str], suffix: str) -> list[Any]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    trees = []
    for name, text in files.items():
        if name.endswith(suffix):
            try:
                trees.append(etree.fromstring(text.encode(), parser=parser))
            except etree.XMLSyntaxError:
                continue
    return trees


def _elements(files: dict[str, str]) -> dict[str, str]:
    """Flow elements by id: their kind, name and extension settings (what a designer edits), not layout."""
    found = {}
    for tree in _trees(files, ".bpmn"):
        for process in tree.xpath("//*[local-name()='process']"):
            for element in process.iter():
                if not isinstance(element.tag, str) or not element.get("id") or "}" not in element.tag:
                    continue
                kind = etree.QName(element).localname
                settings = sorted(f"{p.get('name')}={p.get('value')}" for p in element.iter(f"{{{SPIFF}}}property"))
                label = f"{element.get('name') or element.get('id')} ({kind})"
                found[label] = json.dumps([element.get("sourceRef"), element.get("targetRef"), settings,
                                           [(c.text or "").strip() for c in element if isinstance(c.tag, str)
                                            and etree.QName(c).localname in ("script", "conditionExpression")]])
    return found


def _rules(files: dict[str, str]) -> dict[str, str]:
    found = {}
    for tree in _trees(files, ".dmn"):
        for rule in tree.xpath("//*[local-name()='rule']"):
            decision = rule.xpath("ancestor::*[local-name()='decision']/@id")
            cells = [(t.text or "").strip() for t in rule.xpath(".//*[local-name()='text']")]
            found[f"{decision[0] if decision else '?'}: {rule.get('id')}"] = json.dumps(cells)
    return found
