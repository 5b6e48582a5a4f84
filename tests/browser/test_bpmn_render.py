"""Every process diagram carries diagram interchange for every element and renders in bpmn-js.

For each ``processes/*/*.bpmn`` (found at collection time) the file is imported into the bpmn-js viewer in headless
Chromium; the import must succeed without warnings, every flow node, sequence flow, lane, participant (and message
flow, artifact and data reference, where a file has them) must be an element of the viewer's element registry, and
the drawing must have a non-empty bounding box. A PNG of each diagram goes to ``test-artifacts/bpmn/``.

The negative tests remove one element's DI from a copy of a diagram and check that the comparison reports exactly
that element as missing, so a diagram whose DI is incomplete cannot pass.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.dom import minidom

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, ViewerPage

pytestmark = pytest.mark.browser

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"

FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask", "receiveTask", "manualTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
}
CONNECTIONS = {"sequenceFlow", "messageFlow", "association", "dataInputAssociation", "dataOutputAssociation"}
CONTAINERS = {"lane", "participant"}
ARTIFACTS_AND_DATA = {"textAnnotation", "group", "dataObjectReference", "dataStoreReference"}
# Every BPMN element that bpmn-js draws as a shape or a connection, so each must have a BPMNShape or BPMNEdge.
DRAWN = FLOW_NODES | CONNECTIONS | CONTAINERS | ARTIFACTS_AND_DATA

BPMN_FILES = sorted(ROOT.glob("processes/*/*.bpmn"))


def _artifact_name(path: Path) -> str:
    process = path.parent.name
    return f"{process}.png" if path.stem == process else f"{process}-{path.stem}.png"


def _local(tag: str) -> tuple[str, str]:
    ns, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return ns, name


@dataclass(frozen=True)
class DiagramModel:
    """What the XML says should be drawn: drawn element id -> its BPMN type, and the ids that have DI."""

    drawn: dict[str, str]
    with_di: frozenset[str]

    @classmethod
    def parse(cls, xml: str) -> DiagramModel:
        root = ET.fromstring(xml)
        drawn: dict[str, str] = {}
        with_di: set[str] = set()
        for el in root.iter():
            ns, name = _local(el.tag)
            if ns == BPMN and name in DRAWN:
                assert el.get("id"), f"<bpmn:{name}> without an id"
                drawn[el.get("id")] = name
            elif ns == BPMNDI and name in ("BPMNShape", "BPMNEdge") and el.get("bpmnElement"):
                with_di.add(el.get("bpmnElement"))
        return cls(drawn, frozenset(with_di))


def missing_from_registry(model: DiagramModel, result: dict[str, Any]) -> dict[str, str]:
    """Drawn elements of the XML that have no element in bpmn-js's registry: id -> 'type (DI present|no DI)'."""
    rendered = {e["businessObjectId"] for e in result["elements"] if not e["isLabel"]}
    return {
        id_: f"{kind} ({'DI present' if id_ in model.with_di else 'no DI'})"
        for id_, kind in sorted(model.drawn.items()) if id_ not in rendered
    }


def render_problems(vp: ViewerPage, model: DiagramModel, result: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if result["error"]:
        problems.append(f"importXML failed: {result['error']}")
    problems += [f"import warning: {w}" for w in result["warnings"]]
    problems += [f"not rendered: {id_} {why}" for id_, why in missing_from_registry(model, result).items()]
    bbox = result["bbox"]
    if not result["error"] and not (bbox and bbox["width"] > 0 and bbox["height"] > 0):
        problems.append(f"empty diagram bounding box: {bbox}")
    return problems + vp.problems()


def without_di(xml: str, element_id: str, di_tag: str) -> str:
    """A copy of ``xml`` with the one BPMNShape/BPMNEdge of ``element_id`` removed (prefixes kept as written)."""
    doc = minidom.parseString(xml.encode("utf-8"))
    hits = [n for n in doc.getElementsByTagNameNS(BPMNDI, di_tag) if n.getAttribute("bpmnElement") == element_id]
    assert len(hits) == 1, f"expected one {di_tag} for {element_id}, found {len(hits)}"
    hits[0].parentNode.removeChild(hits[0])
    mutated = doc.toxml()
    assert element_id not in DiagramModel.parse(mutated).with_di
    return mutated


def test_process_diagrams_are_discovered() -> None:
    assert BPMN_FILES, f"no processes/*/*.bpmn under {ROOT}"


@pytest.mark.parametrize("path", BPMN_FILES, ids=[str(p.relative_to(ROOT / "processes")) for p in BPMN_FILES])
def test_diagram_renders_every_element(viewer_page: ViewerPage, path: Path) -> None:
    xml = path.read_text(encoding="utf-8")
    model = DiagramModel.parse(xml)
    assert model.drawn, f"{path} declares no flow nodes, flows, lanes or participants"

    result = viewer_page.render(xml)
    if result["bbox"] and result["bbox"]["width"] > 0 and result["bbox"]["height"] > 0:
        viewer_page.screenshot(ARTIFACTS / _artifact_name(path), result["bbox"])

    problems = render_problems(viewer_page, model, result)
    assert not problems, f"{path.relative_to(ROOT)} does not render cleanly in bpmn-js:\n  " + "\n  ".join(problems)
    assert (ARTIFACTS / _artifact_name(path)).stat().st_size > 0


def _first(model: DiagramModel, kinds: set[str]) -> str:
    ids = [id_ for id_, kind in model.drawn.items() if kind in kinds and id_ in model.with_di]
    if not ids:
        pytest.skip(f"the sample diagram has no {sorted(kinds)} with DI")
    return ids[0]


NEGATIVE_CASES = {
    # A lane without its shape imports with no warning at all: only the registry comparison can catch it.
    "lane-shape": ("BPMNShape", CONTAINERS - {"participant"}),
    # A task without its shape: its flows cannot be drawn either (bpmn-js warns about those).
    "task-shape": ("BPMNShape", {k for k in FLOW_NODES if k == "task" or k.endswith("Task")}),
    "flow-edge": ("BPMNEdge", {"sequenceFlow"}),
}


def _sample() -> Path:
    if not BPMN_FILES:
        pytest.skip("no process diagrams to copy")
    return next((p for p in BPMN_FILES if p.parent.name == "claim"), BPMN_FILES[0])


@pytest.mark.parametrize("case", list(NEGATIVE_CASES))
def test_missing_di_is_detected(viewer_page: ViewerPage, case: str) -> None:
    """Remove one element's DI from a copy of a diagram: the render check must report that element as missing.

    The unchanged copy (through the same minidom round trip) is rendered first as the control, so this holds
    whatever state the sample diagram itself is in.
    """
    xml = minidom.parseString(_sample().read_bytes()).toxml()
    control_model = DiagramModel.parse(xml)
    control = viewer_page.render(xml)
    assert control["error"] is None, control["error"]
    control_missing = missing_from_registry(control_model, control)
    di_tag, kinds = NEGATIVE_CASES[case]
    victim = _first(control_model, kinds)
    assert victim not in control_missing

    mutated = without_di(xml, victim, di_tag)
    model = DiagramModel.parse(mutated)
    result = viewer_page.render(mutated)

    assert result["error"] is None, result["error"]
    missing = missing_from_registry(model, result)
    new = set(missing) - set(control_missing)
    assert victim in new, f"removing the {di_tag} of {victim} went unnoticed: {missing}"
    assert missing[victim].endswith("(no DI)")
    assert f"not rendered: {victim} {missing[victim]}" in render_problems(viewer_page, model, result)
    if case == "task-shape":
        # Its flows cannot be drawn either, and bpmn-js says why; nothing else is lost.
        flows = {id_ for id_, kind in model.drawn.items() if kind == "sequenceFlow"}
        assert new - {victim} <= flows
        assert len(result["warnings"]) > len(control["warnings"])
    else:
        # bpmn-js stays silent here: only the comparison with the element registry finds the gap.
        assert new == {victim}
        assert result["warnings"] == control["warnings"]
