"""More static checks of BPMN and DMN files: what the runtime cannot run, dangling references, script names
the script engine does not offer, and decision-table cells that do not parse.

Each check reports through ``check.add(file, line, message)`` (a ``FolderCheck``), so a designer sees every
problem of a file at once, with the line to fix, before any case runs into it.
"""
from __future__ import annotations

import ast
import builtins
from typing import Any, Protocol

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn.scripting import OFFERED_NAMES

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN}
FLOW_NODE_KINDS = frozenset((
    "task userTask manualTask serviceTask scriptTask sendTask receiveTask businessRuleTask subProcess "
    "adHocSubProcess transaction callActivity startEvent endEvent intermediateCatchEvent intermediateThrowEvent "
    "boundaryEvent exclusiveGateway inclusiveGateway parallelGateway eventBasedGateway complexGateway "
    "callChoreography choreographyTask subChoreography").split())
# What the library parses, less the ad hoc sub-process: it waits for someone to pick its tasks through an API
# Caseworks does not offer, so a case would stop inside it.
RUNNABLE_KINDS = frozenset(etree.QName(tag).localname for tag in
                           {**SpiffBpmnParser.PARSER_CLASSES, **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES}) \
    - {"adHocSubProcess"}
UNRUNNABLE_EVENTS = ("compensateEventDefinition", "linkEventDefinition")
CONTAINERS = "//bpmn:process | //bpmn:subProcess | //bpmn:transaction | //bpmn:adHocSubProcess"
# attribute -> what it must name (None: any element of the file)
ID_REFERENCES = {
    "sourceRef": "a flow element", "targetRef": "a flow element", "attachedToRef": "a task or sub-process",
    "default": "a sequence flow", "messageRef": "a bpmn:message", "signalRef": "a bpmn:signal",
    "errorRef": "a bpmn:error", "escalationRef": "a bpmn:escalation", "processRef": "a bpmn:process",
}


class Reporter(Protocol):
    def add(self, name: str, line: int, message: str) -> None: ...


def _line(element: Any) -> int:
    return int(getattr(element, "sourceline", 0) or 0)


def check_element_kinds(check: Reporter, name: str, tree: Any) -> None:
    """Name every flow element the runtime cannot run. Why: the library's parser skips elements it has
    no class for, so a flow leading into one used to leave the case waiting for ever."""
    for container in tree.xpath(CONTAINERS, namespaces=NS):
        for element in container:
            if not isinstance(element.tag, str) or etree.QName(element).namespace != BPMN:
                continue
            kind = etree.QName(element).localname
            if kind in FLOW_NODE_KINDS and kind not in RUNNABLE_KINDS:
                check.add(name, _line(element), f"'{element.get('id')}' is a bpmn:{kind}, which Caseworks cannot "
                                                "run: model it with the supported elements")
    for kind in UNRUNNABLE_EVENTS:
        for definition in tree.xpath(f"//bpmn:{kind}", namespaces=NS):
            owner = definition.getparent()
            check.add(name, _line(definition), f"'{owner.get('id')}' uses a bpmn:{kind}, which Caseworks cannot run")


def check_id_references(check: Reporter, name: str, tree: Any) -> None:
    """Every ``*Ref``/``default`` attribute and lane ``flowNodeRef`` must name an element of the file.
    Why: a sequence flow whose ``sourceRef`` names nothing passed the library's checks and was dropped."""
    ids = {e.get("id") for e in tree.iter() if isinstance(e.tag, str) and e.get("id")}
    for attribute, what in ID_REFERENCES.items():
        for element in tree.xpath(f"//bpmn:*[@{attribute}]", namespaces=NS):
            value = element.get(attribute)
            if attribute == "processRef" and etree.QName(element).localname == "participant" and not value:
                continue
            if value and value not in ids and ":" not in value:
                kind = etree.QName(element).localname
                check.add(name, _line(element), f"{attribute} of bpmn:{kind} '{element.get('id')}' names "
                                                f"'{value}', which is not {what} of this file")
    for ref in tree.xpath("//bpmn:lane/bpmn:flowNodeRef", namespaces=NS):
        value = (ref.text or "").strip()
        if value and value not in ids:
            check.add(name, _line(ref), f"lane '{ref.getparent().get('id')}' lists '{value}', which is not an "
                                        "element of this file")


def unavailable_calls(source: str) -> list[str]:
    """Python builtins a script calls that the script engine does not offer (``print``, ``locals``, ``open``).

    Only calls count: a bare name may be task data (a form field called ``type`` or ``id``), but calling
    a builtin the engine withholds always fails at run time."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    assigned |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    assigned |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    missing = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called = node.func.id
            if called in BUILTIN_NAMES and called not in OFFERED_NAMES and called not in assigned \
                    and called not in missing:
                missing.append(called)
    return missing


BUILTIN_NAMES = frozenset(dir(builtins))


def check_dmn_cells(check: Reporter, name: str, tree: Any) -> None:
    """Every decision-table cell must parse the way the DMN engine will evaluate it.

    Input entries are tests (``"gold"``, ``> 5``, ``in ["a", "b"]``, ``4 < ? < 6``); input expressions are
    expressions (the library itself checks output entries). Why: an unterminated string in an input cell
    only failed when a case reached the decision."""
    for element in tree.xpath("//*[local-name()='inputEntry']/*[local-name()='text']"):
        text = (element.text or "").strip()
        if text and text != "-" and not _parses_as_test(text):
            check.add(name, _line(element), f"decision table cell '{text}' (rule {_rule_of(element)}) is not a "
                                            "valid test: check quotes and operators")
    for xpath, what in (("//*[local-name()='inputExpression']/*[local-name()='text']", "input expression"),):
        for element in tree.xpath(xpath):
            text = (element.text or "").strip()
            if text and not _parses(text):
                check.add(name, _line(element), f"decision table {what} '{text}' (rule {_rule_of(element)}) "
                                                "is not a valid expression: check quotes and brackets")


def _parses(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _parses_as_test(text: str) -> bool:
    text = text.replace("?", "dmninputexpr")
    return any(_parses(candidate) for candidate in (text, f"v {text}", f"({text})"))


def _rule_of(element: Any) -> str:
    rule = element.getparent().getparent()
    return str(rule.get("id") or "?") if rule is not None else "?"
