"""claim.bpmn as a modeler and a front-office agent need it: a complete, tidy diagram and the conventions kept
(``DiagramConventions``: the checks every process diagram passes)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.processcheck import CLAIM_DIR, DiagramConventions, diagram


@pytest.fixture(scope="module")
def doc() -> Any:
    return diagram(CLAIM_DIR)


class TestClaimDiagram(DiagramConventions):
    folder = CLAIM_DIR
    queues = {"assess": "claims_triage", "expedite": "team_leads", "review_referral": "claims_managers",
              "approve_payout": "claims_managers"}
    outcomes = {"end_paid": "paid", "end_rejected": "rejected", "end_abandoned": "abandoned"}
    separate_from = ("approve_payout", "assess,review_referral")
