"""The loan service handlers on their own: what they record, what they refuse, and that a retry repeats ids."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from engine.bpmn.scripting import ServiceCall, ServiceRegistry
from engine.handlers import default_services, loans

NOW = datetime(2026, 11, 5, 10, 30, tzinfo=timezone.utc)


def call(operation: str, reference: str = "LOA-2026-000001", **params: Any) -> ServiceCall:
    return ServiceCall(operation, params, {}, {"reference": reference}, NOW)


OFFER = {"amount": 12000, "annual_rate": 6.9, "term_months": 48, "instalment": 286.8, "valid_until": "2026-11-15",
         "channel": "email"}
PAYOUT = {"amount": 12000, "currency": "EUR", "account": "NL91ABNA0417164300", "term_months": 48,
          "annual_rate": 6.9, "instalment": 286.8}


def test_both_operators_are_registered() -> None:
    registry = ServiceRegistry()
    loans.register(registry)
    assert registry.names() == ["loans.disburse", "loans.send_offer"]
    assert {"loans.disburse", "loans.send_offer", "customer.notify"} <= set(default_services().names())


def test_send_offer_puts_the_offer_on_the_timeline() -> None:
    c = call("loans.send_offer", **OFFER)
    offer = loans.send_offer(c)
    assert c.emitted == [("offer_sent", offer)]
    assert offer["offer_id"].startswith("OFR-") and offer["total_repayable"] == 13766.4
    assert (offer["amount"], offer["annual_rate"], offer["term_months"]) == (12000, 6.9, 48)
    assert offer["sent_at"] == NOW.isoformat()
    assert offer["text"] == ("We can offer you a loan of 12,000.00 at 6.9% a year: 48 monthly payments of 286.80. "
                             "The offer is valid until 2026-11-15; accept it to receive the money.")


def test_disburse_records_an_instruction_and_returns_its_id() -> None:
    c = call("loans.disburse", **PAYOUT)
    payout = loans.disburse(c)
    assert c.emitted == [("loan_disbursed", payout)]
    assert payout["disbursement_id"].startswith("DIS-") and len(payout["disbursement_id"]) == 14
    assert (payout["amount"], payout["currency"], payout["account"]) == (12000, "EUR", "NL91ABNA0417164300")
    assert payout["instructed_at"] == NOW.isoformat()


def test_without_an_account_the_loan_goes_to_the_account_on_file() -> None:
    assert loans.disburse(call("loans.disburse", **{**PAYOUT, "account": None}))["account"] == "account on file"


def test_a_retry_repeats_the_id_and_another_case_gets_another() -> None:
    """Why it matters: core banking drops a repeated instruction id, so a retried step pays out once."""
    first = loans.disburse(call("loans.disburse", **PAYOUT))["disbursement_id"]
    again = loans.disburse(call("loans.disburse", **PAYOUT))["disbursement_id"]
    other = loans.disburse(call("loans.disburse", "LOA-2026-000002", **PAYOUT))["disbursement_id"]
    assert first == again != other


@pytest.mark.parametrize(("handler", "params", "field"), [
    (loans.disburse, {**PAYOUT, "amount": 0}, "amount"),
    (loans.disburse, {**PAYOUT, "amount": None}, "amount"),
    (loans.disburse, {**PAYOUT, "term_months": 4.5}, "term_months"),
    (loans.send_offer, {**OFFER, "annual_rate": -1}, "annual_rate"),
    (loans.send_offer, {**OFFER, "instalment": "abc"}, "instalment"),
    (loans.send_offer, {**OFFER, "amount": float("nan")}, "amount"),
    (loans.send_offer, {**OFFER, "term_months": 0}, "term_months"),
])
def test_nonsense_is_refused_before_it_reaches_the_customer_or_the_bank(handler: Any, params: dict[str, Any],
                                                                        field: str) -> None:
    c = call("loans.x", **params)
    with pytest.raises(ValueError, match=field):
        handler(c)
    assert c.emitted == []
