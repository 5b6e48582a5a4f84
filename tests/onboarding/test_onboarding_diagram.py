"""onboarding.bpmn as a modeler and a front-office agent need it: a complete, tidy diagram and the conventions kept.

bpmn.io draws only what has diagram interchange: every flow node, lane and the pool need a shape, every
sequence flow an edge that starts on its source and ends on its target. Tidy here means: flows run left to
right (the one loop back for missing documents excepted), with right angles, and never cross each other.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree

from engine.bpmn.runner import queue_name
from engine.bpmn.validate import validate_paths
from tests.onboarding.desk import ONBOARDING_DIR

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "userTask", "serviceTask",
              "scriptTask", "businessRuleTask", "receiveTask", "exclusiveGateway", "eventBasedGateway")
Box = tuple[float, float, float, float]
Point = tuple[float, float]


@pytest.fixture(scope="module")
def doc() -> Any:
    return etree.parse(str(ONBOARDING_DIR / "onboarding.bpmn"))


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


def crosses(a: tuple[Point, Point], b: tuple[Point, Point]) -> bool:
    """Whether a horizontal and a vertical segment cut through each other (touching ends do not count)."""
    (h1, h2), (v1, v2) = (a, b) if a[0][1] == a[1][1] else (b, a)
    if h1[1] != h2[1] or v1[0] != v2[0]:
        return False  # both horizontal or both vertical: collinear overlaps are checked elsewhere
    return (min(h1[0], h2[0]) < v1[0] < max(h1[0], h2[0])) and (min(v1[1], v2[1]) < h1[1] < max(v1[1], v2[1]))


def runs_along(a: tuple[Point, Point], b: tuple[Point, Point]) -> bool:
    """Whether two segments lie on the same line and share a stretch (two flows drawn on top of each other)."""
    for axis in (0, 1):
        other = 1 - axis
        if a[0][axis] == a[1][axis] == b[0][axis] == b[1][axis]:
            low = max(min(a[0][other], a[1][other]), min(b[0][other], b[1][other]))
            high = min(max(a[0][other], a[1][other]), max(b[0][other], b[1][other]))
            return high > low
    return False


def props(node: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in node.xpath(".//spiffworkflow:property", namespaces=NS)}


def test_the_process_folder_validates_cleanly() -> None:
    assert [str(p) for p in validate_paths([ONBOARDING_DIR])] == []


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


def test_the_crossing_checks_see_a_crossing() -> None:
    assert crosses(((0, 0), (10, 0)), ((5, -5), (5, 5))) and not crosses(((0, 0), (10, 0)), ((10, 0), (10, 5)))
    assert runs_along(((0, 0), (10, 0)), ((5, 0), (20, 0))) and not runs_along(((0, 0), (10, 0)), ((10, 0), (20, 0)))


def test_flows_run_left_to_right_without_crossing(doc: Any) -> None:
    edges = waypoints(doc)
    backwards = [f for f, points in edges.items() if points[-1][0] < points[0][0]]
    assert backwards == ["f_still_missing"]  # asking again for what a partial delivery lacked
    segments = [(flow, seg) for flow, points in edges.items() for seg in zip(points, points[1:])]
    pairs = [(f, s, g, t) for i, (f, s) in enumerate(segments) for g, t in segments[i + 1:] if f != g]
    assert [(f, g) for f, s, g, t in pairs if crosses(s, t)] == []
    assert [(f, g) for f, s, g, t in pairs if runs_along(s, t)] == []


def test_nodes_sit_in_their_lanes_inside_the_pool_without_overlapping(doc: Any) -> None:
    boxes = shapes(doc)
    [pool] = xpath(doc, "//bpmn:participant")
    lanes = xpath(doc, "//bpmn:lane")
    for lane in lanes:
        assert contains(boxes[pool.get("id")], boxes[lane.get("id")])
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            assert contains(boxes[lane.get("id")], boxes[ref.text]), f"{ref.text} is outside its lane"
    in_a_lane = {ref.text for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)}
    assert in_a_lane == {n.get("id") for n in flow_nodes(doc)}
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
    assert tasks == {"review_screening": "compliance", "verify_identity": "operations",
                     "enhanced_due_diligence": "compliance"}
    for task in tasks:
        form = json.loads((ONBOARDING_DIR / "forms" / f"{task}.schema.json").read_text())
        assert form["title"] and form["description"] and set(form["ui:order"]) == set(form["properties"])
        assert all(field.get("title") for field in form["properties"].values())
    start = json.loads((ONBOARDING_DIR / "forms" / "start.schema.json").read_text())
    assert set(start["ui:order"]) == set(start["properties"])


def test_every_wait_state_and_end_tells_the_customer_where_the_application_is(doc: Any) -> None:
    waits = xpath(doc, "//bpmn:userTask | //bpmn:receiveTask | //bpmn:endEvent | //bpmn:intermediateCatchEvent")
    assert [w.get("id") for w in waits if not props(w).get("statusText")] == []
    terminating = xpath(doc, "//bpmn:endEvent[bpmn:terminateEventDefinition]")
    outcomes = {e.get("id"): props(e).get("outcome") for e in terminating}
    assert outcomes == {"end_onboarded": "onboarded", "end_declined": "declined", "end_expired": "expired"}
    edd = xpath(doc, "//bpmn:userTask[@id='enhanced_due_diligence']")[0]
    assert props(edd)["separateFrom"] == "verify_identity,review_screening"


def test_no_status_text_tells_the_customer_about_watch_lists(doc: Any) -> None:
    """Telling an applicant that they matched a sanctions or PEP list would be tipping off."""
    texts = [props(n).get("statusText", "") for n in flow_nodes(doc)]
    texts += [p.get("value") for p in xpath(doc, "//spiffworkflow:parameter[@id='text']")]
    assert not [t for t in texts if any(word in t.lower() for word in ("sanction", "watch", "pep", "screen"))]
