"""loan.bpmn as a modeler and a front-office agent need it: a complete, tidy diagram, the conventions kept,
and no problem reported by ``caseworks processes validate``.

bpmn.io draws only what has diagram interchange: every flow node, lane and the pool need a shape, every
sequence flow an edge that starts on its source and ends on its target.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree

from engine.bpmn.runner import queue_name
from engine.bpmn.validate import validate_paths
from tests.loans.loans import LOAN_DIR

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "userTask", "serviceTask",
              "scriptTask", "businessRuleTask", "receiveTask", "exclusiveGateway", "eventBasedGateway")
Box = tuple[float, float, float, float]
Point = tuple[float, float]


@pytest.fixture(scope="module")
def doc() -> Any:
    return etree.parse(str(LOAN_DIR / "loan.bpmn"))


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


def waypoints(doc: Any) -> dict[str, list[Point]]:
    return {e.get("bpmnElement"): [(float(p.get("x")), float(p.get("y"))) for p in e.findall("di:waypoint", NS)]
            for e in xpath(doc, "//bpmndi:BPMNEdge")}


def on_border(point: Point, box: Box) -> bool:
    (px, py), (x, y, w, h) = point, box
    inside = x - 1 <= px <= x + w + 1 and y - 1 <= py <= y + h + 1
    return inside and min(abs(px - x), abs(px - x - w), abs(py - y), abs(py - y - h)) <= 1


def contains(outer: Box, inner: Box) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def segments(points: list[Point]) -> list[tuple[Point, Point]]:
    return list(zip(points, points[1:]))


def crosses(s: tuple[Point, Point], t: tuple[Point, Point]) -> bool:
    """Whether a horizontal and a vertical segment cross strictly inside both (touching ends do not count)."""
    (h, v) = (s, t) if s[0][1] == s[1][1] else (t, s)
    if h[0][1] != h[1][1] or v[0][0] != v[1][0]:
        return False
    x, y = v[0][0], h[0][1]
    return (min(h[0][0], h[1][0]) < x < max(h[0][0], h[1][0])) and (min(v[0][1], v[1][1]) < y < max(v[0][1], v[1][1]))


def props(node: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in node.xpath(".//spiffworkflow:property", namespaces=NS)}


def test_the_folder_validates_without_problems() -> None:
    assert [str(p) for p in validate_paths([LOAN_DIR])] == []


def test_every_element_has_a_shape_and_every_flow_an_edge(doc: Any) -> None:
    boxes = shapes(doc)
    ids = [n.get("id") for n in flow_nodes(doc)] + [e.get("id") for e in xpath(doc, "//bpmn:lane | //bpmn:participant")]
    assert [i for i in ids if i not in boxes] == []
    edges = waypoints(doc)
    flows = xpath(doc, "//bpmn:sequenceFlow")
    assert sorted(edges) == sorted(f.get("id") for f in flows)
    for flow in flows:
        points = edges[flow.get("id")]
        assert len(points) >= 2
        assert on_border(points[0], boxes[flow.get("sourceRef")]), f"{flow.get('id')} does not leave its source"
        assert on_border(points[-1], boxes[flow.get("targetRef")]), f"{flow.get('id')} does not reach its target"
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(points, points[1:])), f"{flow.get('id')} is slanted"


def test_flows_do_not_cross_each_other_or_run_through_shapes(doc: Any) -> None:
    edges = waypoints(doc)
    names = sorted(edges)
    crossing = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                if any(crosses(s, t) for s in segments(edges[a]) for t in segments(edges[b]))]
    assert crossing == []
    boxes = shapes(doc)
    flows = {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in xpath(doc, "//bpmn:sequenceFlow")}
    lanes = {e.get("id") for e in xpath(doc, "//bpmn:lane | //bpmn:participant")}
    attached = {b.get("id"): b.get("attachedToRef") for b in xpath(doc, "//bpmn:boundaryEvent")}
    for flow, points in edges.items():
        ends = set(flows[flow]) | {attached.get(flows[flow][0])}
        for (ax, ay), (bx, by) in segments(points):
            path = (min(ax, bx), min(ay, by), abs(bx - ax), abs(by - ay))
            hit = [n for n, box in boxes.items() if n not in ends | lanes and _strictly_through(path, box)]
            assert hit == [], f"{flow} runs through {hit}"


def _strictly_through(path: Box, box: Box) -> bool:
    x, y, w, h = path
    return x < box[0] + box[2] - 1 and box[0] + 1 < x + w + (1 if w == 0 else 0) and \
        y < box[1] + box[3] - 1 and box[1] + 1 < y + h + (1 if h == 0 else 0)


def test_the_layout_reads_left_to_right(doc: Any) -> None:
    """Every flow ends right of, or level with, its start, except two deliberate ways back: the documents loop
    (check again after a delivery) and the committee's decline, which joins the one decline letter."""
    boxes = shapes(doc)
    backwards = [f.get("id") for f in xpath(doc, "//bpmn:sequenceFlow")
                 if boxes[f.get("targetRef")][0] < boxes[f.get("sourceRef")][0]]
    assert sorted(backwards) == ["f_committee_decline", "f_recorded"]


def test_nodes_sit_in_their_lanes_inside_the_pool_without_overlapping(doc: Any) -> None:
    boxes = shapes(doc)
    [pool] = xpath(doc, "//bpmn:participant")
    lanes = xpath(doc, "//bpmn:lane")
    for lane in lanes:
        assert contains(boxes[pool.get("id")], boxes[lane.get("id")])
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            assert contains(boxes[lane.get("id")], boxes[ref.text]), f"{ref.text} is outside its lane"
    in_lanes = [ref.text for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)]
    assert sorted(in_lanes) == sorted(n.get("id") for n in flow_nodes(doc))
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
    assert tasks == {"underwrite": "underwriting", "committee_approval": "credit_committee"}
    for task in [*tasks, "start"]:
        form = json.loads((LOAN_DIR / "forms" / f"{task}.schema.json").read_text())
        assert form["title"] and form["description"] and set(form["ui:order"]) == set(form["properties"])
        assert all(field.get("title") for field in form["properties"].values())


def test_every_wait_state_and_end_tells_the_customer_where_the_application_is(doc: Any) -> None:
    waits = xpath(doc, "//bpmn:userTask | //bpmn:receiveTask | //bpmn:endEvent | //bpmn:intermediateCatchEvent")
    assert [w.get("id") for w in waits if not props(w).get("statusText")] == []
    ends = xpath(doc, "//bpmn:endEvent[bpmn:terminateEventDefinition]")
    outcomes = {e.get("id"): props(e).get("outcome") for e in ends}
    assert outcomes == {"end_declined": "declined", "end_disbursed": "disbursed", "end_offer_expired": "expired",
                        "end_documents_expired": "expired"}
    assert props(xpath(doc, "//bpmn:userTask[@id='committee_approval']")[0])["separateFrom"] == "underwrite"


def test_the_waits_and_their_timers(doc: Any) -> None:
    receives = {r.get("id"): r.get("messageRef") for r in xpath(doc, "//bpmn:receiveTask")}
    assert receives == {"wait_documents": "Message_documents_received", "wait_acceptance": "Message_offer_accepted"}
    timers = {b.get("id"): (b.get("attachedToRef"), b.get("cancelActivity") != "false",
                            b.xpath("string(.//bpmn:timeDuration | .//bpmn:timeDate)", namespaces=NS))
              for b in xpath(doc, "//bpmn:boundaryEvent")}
    assert timers == {"reminder_timer": ("wait_documents", False, '"P7D"'),
                      "documents_deadline_timer": ("wait_documents", True, "documents_deadline"),
                      "offer_expiry_timer": ("wait_acceptance", True, '"P10D"')}
