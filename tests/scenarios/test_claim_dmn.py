"""The claim decision tables, evaluated by SpiffWorkflow's own DMN engine with the engine's script engine.

Each case names the rule expected to decide (hit policy FIRST: the first matching row), so every row is
hit at least once, and each threshold is tried on both sides.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.processcheck import CLAIM_DIR, decide, decision_table, parse_process, rules_of


@pytest.fixture(scope="module")
def parsed() -> Any:
    return parse_process(CLAIM_DIR)


TRIAGE = [
    # incident type, claimed amount, rule, complexity, sla days
    ("motor", 25000, "Rule_large", "complex", 15),
    ("travel", 1_000_000.5, "Rule_large", "complex", 15),
    ("motor", 24999.99, "Rule_standard", "standard", 5),
    ("health", 25000, "Rule_large", "complex", 15),
    ("health", 24999.99, "Rule_health_high", "complex", 10),
    ("health", 5000, "Rule_health_high", "complex", 10),
    ("health", 4999.99, "Rule_standard", "standard", 5),
    ("property", 10000, "Rule_property_high", "complex", 10),
    ("property", 24999, "Rule_property_high", "complex", 10),
    ("property", 9999.99, "Rule_standard", "standard", 5),
    ("travel", 1499.99, "Rule_travel_small", "fast_track", 2),
    ("travel", 0.01, "Rule_travel_small", "fast_track", 2),
    ("travel", 1500, "Rule_standard", "standard", 5),
    ("motor", 999.99, "Rule_small", "fast_track", 3),
    ("property", 999, "Rule_small", "fast_track", 3),
    ("health", 999.99, "Rule_small", "fast_track", 3),
    ("motor", 1000, "Rule_standard", "standard", 5),
    ("motor", 9000, "Rule_standard", "standard", 5),
]


@pytest.mark.parametrize(("incident_type", "amount", "rule", "complexity", "sla_days"), TRIAGE)
def test_triage(parsed: Any, incident_type: str, amount: float, rule: str, complexity: str, sla_days: int) -> None:
    hit, result = decide(parsed, "triage", {"incident_type": incident_type, "claimed_amount": amount})
    assert (hit, result) == (rule, {"complexity": complexity, "sla_days": sla_days})
    assert isinstance(result["sla_days"], int)


def test_triage_covers_every_rule(parsed: Any) -> None:
    assert rules_of(parsed, "triage") == {row[2] for row in TRIAGE}


def test_triage_answers_an_unknown_incident_type_as_standard(parsed: Any) -> None:
    assert decide(parsed, "triage", {"incident_type": "pet", "claimed_amount": 2000})[1]["complexity"] == "standard"


AUTHORITY = [
    # approved amount, complexity, rule, needs second approval
    (25000, "fast_track", "Rule_above_limit", True),
    (25000, "standard", "Rule_above_limit", True),
    (80000, "complex", "Rule_above_limit", True),
    (24999.99, "fast_track", "Rule_within_authority", False),
    (5000, "complex", "Rule_complex", True),
    (24999.99, "complex", "Rule_complex", True),
    (4999.99, "complex", "Rule_within_authority", False),
    (10000, "standard", "Rule_standard", True),
    (9999.99, "standard", "Rule_within_authority", False),
    (5000, "standard", "Rule_within_authority", False),
    (9999.99, "fast_track", "Rule_within_authority", False),
    (1, "fast_track", "Rule_within_authority", False),
]


@pytest.mark.parametrize(("amount", "complexity", "rule", "needed"), AUTHORITY)
def test_approval_authority(parsed: Any, amount: float, complexity: str, rule: str, needed: bool) -> None:
    hit, result = decide(parsed, "approval_authority", {"approved_amount": amount, "complexity": complexity})
    assert hit == rule
    assert result == {"needs_second_approval": needed}
    assert result["needs_second_approval"] is needed


def test_approval_authority_covers_every_rule(parsed: Any) -> None:
    assert rules_of(parsed, "approval_authority") == {row[2] for row in AUTHORITY}


@pytest.mark.parametrize("task_id", ["triage", "approval_authority"])
def test_tables_use_first_hit_policy(parsed: Any, task_id: str) -> None:
    """Several rows overlap (the catch-all matches everything): their order is the policy."""
    assert decision_table(parsed, task_id).hit_policy == "FIRST"
