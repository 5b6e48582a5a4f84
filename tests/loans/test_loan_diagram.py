"""loan.bpmn as a modeler and a front-office agent need it: a complete, tidy diagram, the conventions kept,
and no problem reported by ``caseworks processes validate`` (``DiagramConventions``: the checks every process
diagram passes); here besides, flows that neither cross nor run through shapes, and the waits' timers.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.processcheck import LOAN_DIR, NS, Box, DiagramConventions, crosses, diagram, segments, shapes, waypoints
from tests.processcheck import xpath


@pytest.fixture(scope="module")
def doc() -> Any:
    return diagram(LOAN_DIR)


class TestLoanDiagram(DiagramConventions):
    folder = LOAN_DIR
    queues = {"underwrite": "underwriting", "committee_approval": "credit_committee"}
    outcomes = {"end_declined": "declined", "end_disbursed": "disbursed", "end_offer_expired": "expired",
                "end_documents_expired": "expired"}
    separate_from = ("committee_approval", "underwrite")


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


def test_the_waits_and_their_timers(doc: Any) -> None:
    receives = {r.get("id"): r.get("messageRef") for r in xpath(doc, "//bpmn:receiveTask")}
    assert receives == {"wait_documents": "Message_documents_received", "wait_acceptance": "Message_offer_accepted"}
    timers = {b.get("id"): (b.get("attachedToRef"), b.get("cancelActivity") != "false",
                            b.xpath("string(.//bpmn:timeDuration | .//bpmn:timeDate)", namespaces=NS))
              for b in xpath(doc, "//bpmn:boundaryEvent")}
    assert timers == {"reminder_timer": ("wait_documents", False, '"P7D"'),
                      "documents_deadline_timer": ("wait_documents", True, "documents_deadline"),
                      "offer_expiry_timer": ("wait_acceptance", True, '"P10D"')}
