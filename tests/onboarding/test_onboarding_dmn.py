"""The onboarding decision tables, evaluated by SpiffWorkflow's own DMN engine with the engine's script engine.

Each case names the rule expected to decide (hit policy FIRST: the first matching row), so every row is
hit at least once, and each threshold or list edge is tried on both sides.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.processcheck import ONBOARDING_DIR, decide, decision_table, parse_process, rules_of


@pytest.fixture(scope="module")
def parsed() -> Any:
    return parse_process(ONBOARDING_DIR)


COUNTRIES = [
    # country, rule, country risk
    ("KP", "Rule_call_for_action", "high"),
    ("IR", "Rule_call_for_action", "high"),
    ("MM", "Rule_call_for_action", "high"),
    ("NL", "Rule_eea", "low"),
    ("AT", "Rule_eea", "low"),  # first of the list
    ("SK", "Rule_eea", "low"),  # last of the list
    ("GB", "Rule_eea", "low"),
    ("CH", "Rule_eea", "low"),
    ("NO", "Rule_eea", "low"),
    ("US", "Rule_other_country", "medium"),
    ("TR", "Rule_other_country", "medium"),
    ("AE", "Rule_other_country", "medium"),
    ("nl", "Rule_other_country", "medium"),  # codes are upper case (the start form refuses lower case)
    ("K", "Rule_other_country", "medium"),  # no prefix matching: "K" is not "KP"
    ("", "Rule_other_country", "medium"),
]


@pytest.mark.parametrize(("country", "rule", "risk"), COUNTRIES)
def test_country_risk(parsed: Any, country: str, rule: str, risk: str) -> None:
    assert decide(parsed, "rate_country", {"country": country}) == (rule, {"country_risk": risk})


def test_country_risk_covers_every_rule(parsed: Any) -> None:
    assert rules_of(parsed, "rate_country") == {row[1] for row in COUNTRIES}


def applicant(country_risk: str = "low", customer_type: str = "individual", product: str = "current_account",
              screening_status: str = "no_match", screening_score: float = 0.4) -> dict[str, Any]:
    return {"country_risk": country_risk, "customer_type": customer_type, "product": product,
            "screening_status": screening_status, "screening_score": screening_score}


RISK = [
    # applicant, rule, risk
    (applicant("high"), "Rule_high_risk_country", "high"),
    (applicant("high", "business", "business_account", "cleared", 1.0), "Rule_high_risk_country", "high"),
    (applicant("medium", "business", "business_account"), "Rule_business_medium_country", "high"),
    (applicant("medium", "business", "credit_card", "cleared", 0.9), "Rule_business_medium_country", "high"),
    (applicant("low", "business", "business_account"), "Rule_business", "medium"),
    (applicant(screening_status="cleared", screening_score=0.91), "Rule_cleared_match", "medium"),
    (applicant("medium", screening_status="cleared", screening_score=0.86), "Rule_cleared_match", "medium"),
    (applicant(screening_score=0.75), "Rule_near_match", "medium"),
    (applicant(screening_score=0.849), "Rule_near_match", "medium"),
    (applicant(screening_score=0.7499), "Rule_low", "low"),
    (applicant(screening_score=0.0), "Rule_low", "low"),
    (applicant(product="savings", screening_score=0.74), "Rule_low", "low"),
    (applicant("medium"), "Rule_medium_country", "medium"),
    (applicant("medium", product="savings", screening_score=0.75), "Rule_near_match", "medium"),
    (applicant("low", "business", "credit_card"), "Rule_business", "medium"),
    (applicant(product="credit_card"), "Rule_credit", "medium"),
    (applicant(product="credit_card", screening_score=0.1), "Rule_credit", "medium"),
    (applicant(product="business_account"), "Rule_default", "medium"),  # an individual asking for a business account
    (applicant(screening_status="possible_match", screening_score=0.7), "Rule_default", "medium"),
    (applicant(customer_type="trust"), "Rule_default", "medium"),
]


@pytest.mark.parametrize(("data", "rule", "risk"), RISK)
def test_onboarding_risk(parsed: Any, data: dict[str, Any], rule: str, risk: str) -> None:
    hit, result = decide(parsed, "rate_risk", data)
    assert (hit, result["risk"]) == (rule, risk)
    assert set(result) == {"risk", "risk_reason"} and result["risk_reason"]


def test_onboarding_risk_covers_every_rule(parsed: Any) -> None:
    assert rules_of(parsed, "rate_risk") == {row[1] for row in RISK}


def test_only_one_rule_approves_automatically(parsed: Any) -> None:
    """Low risk means no person looks at the application: keep that to one narrow, explicit row."""
    table = decision_table(parsed, "rate_risk")
    low = [r.id for r in table.rules if r.outputEntries[0].text.strip() == '"low"']
    assert low == ["Rule_low"]
    assert table.rules[-1].id == "Rule_default" and table.rules[-1].outputEntries[0].text.strip() == '"medium"'


@pytest.mark.parametrize("task_id", ["rate_country", "rate_risk"])
def test_tables_use_first_hit_policy(parsed: Any, task_id: str) -> None:
    """Several rows overlap (the catch-all matches everything): their order is the policy."""
    assert decision_table(parsed, task_id).hit_policy == "FIRST"
