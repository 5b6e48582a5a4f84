"""onboarding.bpmn as a modeler and a front-office agent need it: a complete, tidy diagram and the conventions kept
(``DiagramConventions``: the checks every process diagram passes).

Tidy here means, besides: flows run left to right (the one loop back for missing documents excepted), with
right angles, and never cross each other.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.processcheck import ONBOARDING_DIR, DiagramConventions, crosses, diagram, flow_nodes, props, runs_along
from tests.processcheck import segments, waypoints, xpath


@pytest.fixture(scope="module")
def doc() -> Any:
    return diagram(ONBOARDING_DIR)


class TestOnboardingDiagram(DiagramConventions):
    folder = ONBOARDING_DIR
    queues = {"review_screening": "compliance", "verify_identity": "operations",
              "enhanced_due_diligence": "compliance"}
    outcomes = {"end_onboarded": "onboarded", "end_declined": "declined", "end_expired": "expired"}
    separate_from = ("enhanced_due_diligence", "verify_identity,review_screening")


def test_the_crossing_checks_see_a_crossing() -> None:
    assert crosses(((0, 0), (10, 0)), ((5, -5), (5, 5))) and not crosses(((0, 0), (10, 0)), ((10, 0), (10, 5)))
    assert runs_along(((0, 0), (10, 0)), ((5, 0), (20, 0))) and not runs_along(((0, 0), (10, 0)), ((10, 0), (20, 0)))


def test_flows_run_left_to_right_without_crossing(doc: Any) -> None:
    edges = waypoints(doc)
    backwards = [f for f, points in edges.items() if points[-1][0] < points[0][0]]
    assert backwards == ["f_still_missing"]  # asking again for what a partial delivery lacked
    pieces = [(flow, seg) for flow, points in edges.items() for seg in segments(points)]
    pairs = [(f, s, g, t) for i, (f, s) in enumerate(pieces) for g, t in pieces[i + 1:] if f != g]
    assert [(f, g) for f, s, g, t in pairs if crosses(s, t)] == []
    assert [(f, g) for f, s, g, t in pairs if runs_along(s, t)] == []


def test_no_status_text_tells_the_customer_about_watch_lists(doc: Any) -> None:
    """Telling an applicant that they matched a sanctions or PEP list would be tipping off."""
    texts = [props(n).get("statusText", "") for n in flow_nodes(doc)]
    texts += [p.get("value") for p in xpath(doc, "//spiffworkflow:parameter[@id='text']")]
    assert not [t for t in texts if any(word in t.lower() for word in ("sanction", "watch", "pep", "screen"))]
