"""The loan decision tables and calculation scripts, run by SpiffWorkflow's own DMN engine and the engine's
script engine (no database).

Each table case names the rule expected to decide (hit policy FIRST: the first matching row), so every row
is hit at least once and each threshold is tried on both sides. The instalment is checked against published
annuity values and an independent implementation.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.loans.loans import annuity
from tests.processcheck import LOAN_DIR, decide, decision_table, parse_process, rules_of, run_script


@pytest.fixture(scope="module")
def parsed() -> Any:
    return parse_process(LOAN_DIR)


PRICING = [
    # amount, term (months), employment, purpose, rule, annual rate
    (4999.99, 48, "employed", "car", "Rule_small", 9.9),
    (1000, 120, "self_employed", "other", "Rule_small", 9.9),
    (5000, 61, "self_employed", "other", "Rule_self_employed_long", 8.9),
    (250000, 120, "self_employed", "car", "Rule_self_employed_long", 8.9),
    (5000, 60, "self_employed", "car", "Rule_self_employed", 7.9),
    (100000, 12, "self_employed", "home_improvement", "Rule_self_employed", 7.9),
    (5000, 60, "employed", "car", "Rule_car", 5.9),
    (30000, 6, "employed", "car", "Rule_car", 5.9),
    (5000, 61, "employed", "car", "Rule_standard", 6.9),
    (8000, 120, "employed", "home_improvement", "Rule_home_improvement", 6.4),
    (30000, 48, "employed", "home_improvement", "Rule_home_improvement", 6.4),
    (8000, 85, "employed", "education", "Rule_long", 7.5),
    (60000, 85, "employed", "debt_consolidation", "Rule_long", 7.5),
    (8000, 84, "employed", "education", "Rule_standard", 6.9),
    (25000, 84, "employed", "debt_consolidation", "Rule_large", 6.5),
    (80000, 12, "employed", "other", "Rule_large", 6.5),
    (24999.99, 48, "employed", "other", "Rule_standard", 6.9),
    (12000, 48, "employed", "other", "Rule_standard", 6.9),
]


@pytest.mark.parametrize(("amount", "term", "employment", "purpose", "rule", "rate"), PRICING)
def test_pricing(parsed: Any, amount: float, term: int, employment: str, purpose: str, rule: str,
                 rate: float) -> None:
    hit, result = decide(parsed, "price", {"amount": amount, "term_months": term, "employment_type": employment,
                                           "purpose": purpose})
    assert (hit, result) == (rule, {"annual_rate": rate})


def test_pricing_covers_every_rule(parsed: Any) -> None:
    assert rules_of(parsed, "price") == {row[4] for row in PRICING}


DECISIONS = [
    # debt-to-income, amount, employment, rule, automated decision
    (0.5001, 10000, "employed", "Rule_unaffordable", "auto_decline"),
    (0.95, 1000, "self_employed", "Rule_unaffordable", "auto_decline"),
    (0.5, 10000, "employed", "Rule_stretched", "manual_review"),
    (0.4001, 1000, "employed", "Rule_stretched", "manual_review"),
    (0.4, 10000, "self_employed", "Rule_self_employed", "manual_review"),
    (0.05, 1000, "self_employed", "Rule_self_employed", "manual_review"),
    (0.3, 25000.01, "employed", "Rule_large", "manual_review"),
    (0.0, 250000, "employed", "Rule_large", "manual_review"),
    (0.3, 25000, "employed", "Rule_fast", "fast_approve"),
    (0.0, 1000, "employed", "Rule_fast", "fast_approve"),
    (0.3001, 25000, "employed", "Rule_review", "manual_review"),
    (0.4, 5000, "employed", "Rule_review", "manual_review"),
]


@pytest.mark.parametrize(("dti", "amount", "employment", "rule", "decision"), DECISIONS)
def test_automated_decision(parsed: Any, dti: float, amount: float, employment: str, rule: str,
                            decision: str) -> None:
    hit, result = decide(parsed, "decide", {"dti": dti, "amount": amount, "employment_type": employment})
    assert (hit, result["automated_decision"]) == (rule, decision)
    assert len(result["decision_reason"]) > 10


def test_automated_decision_covers_every_rule(parsed: Any) -> None:
    assert rules_of(parsed, "decide") == {row[3] for row in DECISIONS}


@pytest.mark.parametrize("task_id", ["price", "decide"])
def test_tables_use_first_hit_policy_and_end_with_a_catch_all(parsed: Any, task_id: str) -> None:
    table = decision_table(parsed, task_id)
    assert table.hit_policy == "FIRST"
    assert all(entry.lhs in ([], [None]) for entry in table.rules[-1].inputEntries)  # "-" matches anything


KNOWN_INSTALMENTS = [
    # amount, annual rate (%), months, monthly instalment from published amortization tables
    (10000, 6, 36, 304.22),
    (200000, 5, 360, 1073.64),
    (60000, 7.5, 120, 712.21),
    (12000, 6.9, 48, 286.80),
]


@pytest.mark.parametrize(("amount", "rate", "months", "expected"), KNOWN_INSTALMENTS)
def test_instalment_matches_published_annuity_values(parsed: Any, amount: float, rate: float, months: int,
                                                     expected: float) -> None:
    data = run_script(parsed, "calculate_affordability", {"amount": amount, "annual_rate": rate,
                                                          "term_months": months, "monthly_income": 5000,
                                                          "monthly_debts": 250})
    assert data["instalment"] == expected == annuity(amount, rate, months)
    assert data["dti"] == round((250 + expected) / 5000, 4)
    assert (data["offer_amount"], data["offer_rate"], data["offer_instalment"]) == (amount, rate, expected)
    assert not {"monthly_rate", "payment"} & set(data)  # helpers do not leak into the case data


@pytest.mark.parametrize(("amount", "rate", "months"), [(12000, 6.9, 48), (1000, 9.9, 6), (750, 12.5, 7),
                                                          (249999, 3.1, 119)])
def test_the_instalment_repays_the_loan_with_interest(parsed: Any, amount: float, rate: float, months: int) -> None:
    """Amortize with the rounded instalment: the balance ends within the rounding of the payments."""
    instalment = run_script(parsed, "calculate_affordability", {
        "amount": amount, "annual_rate": rate, "term_months": months, "monthly_income": 1, "monthly_debts": 0,
    })["instalment"]
    balance = float(amount)
    for _ in range(months):
        balance = balance * (1 + rate / 1200) - instalment
    assert abs(balance) <= 0.005 * months * (1 + rate / 1200) ** months


def test_zero_rate_instalment_is_the_amount_spread_evenly(parsed: Any) -> None:
    data = run_script(parsed, "calculate_affordability", {"amount": 1000, "annual_rate": 0, "term_months": 3,
                                                          "monthly_income": 1000, "monthly_debts": 0})
    assert (data["instalment"], data["dti"]) == (333.33, 0.3333)


def test_instalment_rounds_half_up_to_cents(parsed: Any) -> None:
    """1,000.10 over 2 months at 0%: 500.05 exactly; 1,000.01 over 2: 500.005 rounds up to 500.01."""
    for amount, expected in ((1000.10, 500.05), (1000.01, 500.01)):
        data = run_script(parsed, "calculate_affordability", {"amount": amount, "annual_rate": 0, "term_months": 2,
                                                              "monthly_income": 1000, "monthly_debts": 0})
        assert data["instalment"] == expected


@pytest.mark.parametrize(("amount", "rate", "months", "expected"), KNOWN_INSTALMENTS)
def test_counter_offer_terms_use_the_same_formula(parsed: Any, amount: float, rate: float, months: int,
                                                  expected: float) -> None:
    before = {"decision": "counter_offer", "counter_amount": amount, "counter_rate": rate, "term_months": months,
              "monthly_income": 4000, "monthly_debts": 100, "offer_amount": 1, "offer_rate": 1,
              "offer_instalment": 1, "offer_dti": 1}
    data = run_script(parsed, "set_offer_terms", before)
    assert (data["offer_amount"], data["offer_rate"], data["offer_instalment"]) == (amount, rate, expected)
    assert data["offer_dti"] == round((100 + expected) / 4000, 4)
    assert not {"monthly_rate", "payment"} & set(data)


def test_an_approval_keeps_the_calculated_terms(parsed: Any) -> None:
    before = {"decision": "approve", "term_months": 48, "offer_amount": 12000, "offer_rate": 6.9,
              "offer_instalment": 286.8, "offer_dti": 0.1289}
    assert run_script(parsed, "set_offer_terms", before) == before


MISSING = [
    # employment, documents provided, missing documents, what the customer reads
    ("employed", [], ["id_document", "payslip", "payslip", "bank_statement"],
     "ID document, 2 payslips and bank statement"),
    ("employed", ["payslip", "id_document"], ["payslip", "bank_statement"], "second payslip and bank statement"),
    ("employed", ["payslip", "payslip", "id_document"], ["bank_statement"], "bank statement"),
    ("employed", ["id_document", "payslip", "payslip", "bank_statement", "payslip"], [], ""),
    ("self_employed", ["payslip", "payslip"], ["id_document", "tax_return", "bank_statement"],
     "ID document, tax return and bank statement"),
    ("self_employed", ["bank_statement", "tax_return", "id_document"], [], ""),
]


@pytest.mark.parametrize(("employment", "provided", "missing", "text"), MISSING)
def test_required_documents(parsed: Any, employment: str, provided: list[str], missing: list[str],
                            text: str) -> None:
    listed = run_script(parsed, "list_required", {"employment_type": employment, "documents_provided": provided})
    checked = run_script(parsed, "check_documents", listed)
    assert (checked["missing_documents"], checked["missing_text"]) == (missing, text)
    assert (checked["requested_on"] is None) == (not missing)
    if missing:
        assert checked["documents_deadline"] == "2026-12-02T09:00:00+00:00"


def test_an_application_without_the_optional_documents_field_needs_them_all(parsed: Any) -> None:
    listed = run_script(parsed, "list_required", {"employment_type": "self_employed"})
    assert listed["documents_provided"] == []
    assert run_script(parsed, "check_documents", listed)["missing_text"] == "ID document, tax return and bank statement"
