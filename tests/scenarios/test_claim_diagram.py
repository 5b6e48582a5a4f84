"""claim.bpmn as a modeler and a front-office agent need it: a complete, tidy diagram and the conventions kept.

bpmn.io draws only what has diagram interchange: every flow node, lane and the pool need a shape, every
sequence flow an edge that starts on its source and ends on its target.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree

from engine.bpmn.runner import queue_name
from tests.scenarios.claims import CLAIM_DIR

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "userTask", "serviceTask",
              "scriptTask", "businessRuleTask", "receiveTask", "exclusiveGateway", "eventBasedGateway")
Box = tuple[float, float, float, float]


@pytest.fixture(scope="module")
def doc() -> Any:
    return etree.parse(str(CLAIM_DIR / "claim.bpmn"))


def xpath(doc: Any, query: str) -> list[Any]:
    return list(doc.xpath(query, namespaces=NS))


def flow_nodes(doc: Any) -> list[Any]:
    return [n for kind in FLOW_NODES for n in xpath(doc, f"//bpmn:process/bpmn:{kind}")]


def shapes(doc: Any) -> dict[str, Box]:
    boxes = {}
    for shape in xpath(doc, "//bpmndi:BPMNShape"):
        b = shape.find("dc:Bounds", NS)
        assert shape.get("bpmnElement") not in boxes, f"two shapes for {shape.get('bpmnElement')}"
        boxes[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    return boxes


def on_border(point: tuple[float, float], box: Box) -> bool:
    (px, py), (x, y, w, h) = point, box
    inside = x - 1 <= px <= x + w + 1 and y - 1 <= py <= y + h + 1
    return inside and min(abs(px - x), abs(px - x - w), abs(py - y), abs(py - y - h)) <= 1


def contains(outer: Box, inner: Box) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def props(node: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in node.xpath(".//spiffworkflow:property", namespaces=NS)}


def test_every_element_has_a_shape_and_every_flow_an_edge(doc: Any) -> None:
    boxes = shapes(doc)
    ids = [n.get("id") for n in flow_nodes(doc)] + [e.get("id") for e in xpath(doc, "//bpmn:lane | //bpmn:participant")]
    assert [i for i in ids if i not in boxes] == []
    edges = {e.get("bpmnElement"): e for e in xpath(doc, "//bpmndi:BPMNEdge")}
    flows = xpath(doc, "//bpmn:sequenceFlow")
    assert sorted(edges) == sorted(f.get("id") for f in flows)
    for flow in flows:
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow.get("id")].findall("di:waypoint", NS)]
        assert len(points) >= 2
        assert on_border(points[0], boxes[flow.get("sourceRef")]), f"{flow.get('id')} does not leave its source"
        assert on_border(points[-1], boxes[flow.get("targetRef")]), f"{flow.get('id')} does not reach its target"
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(points, points[1:])), f"{flow.get('id')} is slanted"


def test_nodes_sit_in_their_lanes_inside_the_pool_without_overlapping(doc: Any) -> None:
    boxes = shapes(doc)
    [pool] = xpath(doc, "//bpmn:participant")
    lanes = xpath(doc, "//bpmn:lane")
    for lane in lanes:
        assert contains(boxes[pool.get("id")], boxes[lane.get("id")])
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            assert contains(boxes[lane.get("id")], boxes[ref.text]), f"{ref.text} is outside its lane"
    lane_boxes = [boxes[lane.get("id")] for lane in lanes]
    assert not any(overlap(a, b) for i, a in enumerate(lane_boxes) for b in lane_boxes[i + 1:])
    attached = {b.get("id") for b in xpath(doc, "//bpmn:boundaryEvent")}
    nodes = [n.get("id") for n in flow_nodes(doc) if n.get("id") not in attached]
    clashes = [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:] if overlap(boxes[a], boxes[b])]
    assert clashes == []


def test_boundary_events_sit_on_their_activity(doc: Any) -> None:
    boxes = shapes(doc)
    for event in xpath(doc, "//bpmn:boundaryEvent"):
        x, y, w, h = boxes[event.get("id")]
        assert on_border((x + w / 2, y + h / 2), boxes[event.get("attachedToRef")])


def test_user_tasks_have_a_lane_queue_and_a_form(doc: Any) -> None:
    lanes = {ref.text: queue_name(lane.get("name")) for lane in xpath(doc, "//bpmn:lane")
             for ref in lane.findall("bpmn:flowNodeRef", NS)}
    tasks = {t.get("id"): lanes[t.get("id")] for t in xpath(doc, "//bpmn:userTask")}
    assert tasks == {"assess": "claims_triage", "expedite": "team_leads", "review_referral": "claims_managers",
                     "approve_payout": "claims_managers"}
    for task in tasks:
        form = json.loads((CLAIM_DIR / "forms" / f"{task}.schema.json").read_text())
        assert form["title"] and form["description"] and set(form["ui:order"]) == set(form["properties"])


def test_every_wait_state_and_end_tells_the_customer_where_the_claim_is(doc: Any) -> None:
    waits = xpath(doc, "//bpmn:userTask | //bpmn:receiveTask | //bpmn:endEvent | //bpmn:intermediateCatchEvent")
    assert [w.get("id") for w in waits if not props(w).get("statusText")] == []
    outcomes = {e.get("id"): props(e).get("outcome") for e in xpath(doc, "//bpmn:endEvent[bpmn:terminateEventDefinition]")}
    assert outcomes == {"end_paid": "paid", "end_rejected": "rejected", "end_abandoned": "abandoned"}
    assert props(xpath(doc, "//bpmn:userTask[@id='approve_payout']")[0])["separateFrom"] == "assess,review_referral"
