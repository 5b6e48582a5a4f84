"""Service handlers of loan applications: sending the offer and disbursing the loan.

Both only *record* an instruction on the case timeline (an event in the same transaction as the step);
the channel adapter and the core-banking integration act on those events, so a real integration replaces
these functions by registering others under the same operator names.
"""
from __future__ import annotations

import math
from typing import Any

from engine.bpmn.scripting import ServiceCall, ServiceRegistry
from engine.handlers.claims import instruction_id


def _positive(call: ServiceCall, name: str) -> float:
    value: Any = call.params.get(name)  # whatever the process passed: checked below
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"'{name}' must be a positive number, got {value!r}")
    return number


def _months(call: ServiceCall) -> int:
    value: Any = call.params.get("term_months")
    try:
        months = float(value)
    except (TypeError, ValueError):
        months = 0.0
    if months <= 0 or not months.is_integer():
        raise ValueError(f"'term_months' must be a positive whole number, got {value!r}")
    return int(months)


def send_offer(call: ServiceCall) -> dict[str, Any]:
    """Record the offer letter sent to the customer (``offer_sent`` on the timeline) and return it.

    Fails (an incident, retried) on an offer without a positive amount, rate, instalment or term, so a
    broken upstream step never reaches the customer as a nonsensical letter."""
    amount, rate, instalment = _positive(call, "amount"), _positive(call, "annual_rate"), _positive(call, "instalment")
    months = _months(call)
    valid_until = str(call.params.get("valid_until") or "")
    offer = {
        "offer_id": instruction_id("OFR", call), "amount": amount, "annual_rate": rate, "term_months": months,
        "instalment": instalment, "total_repayable": round(instalment * months, 2), "valid_until": valid_until,
        "channel": call.params.get("channel", "email"), "sent_at": call.now.isoformat(),
        "text": (f"We can offer you a loan of {amount:,.2f} at {rate:g}% a year: {months} monthly payments of "
                 f"{instalment:,.2f}. The offer is valid until {valid_until}; accept it to receive the money."),
    }
    call.emit("offer_sent", offer)
    return offer


def disburse(call: ServiceCall) -> dict[str, Any]:
    """Record the disbursement instruction for core banking (``loan_disbursed`` on the timeline); return it
    with its ``disbursement_id``. Pays to the account given on acceptance, else to the account on file."""
    amount = _positive(call, "amount")
    instruction = {
        "disbursement_id": instruction_id("DIS", call), "amount": amount,
        "currency": call.params.get("currency") or "EUR",
        "account": call.params.get("account") or "account on file",
        "term_months": _months(call), "annual_rate": call.params.get("annual_rate"),
        "instalment": call.params.get("instalment"), "instructed_at": call.now.isoformat(),
    }
    call.emit("loan_disbursed", instruction)
    return instruction


def register(registry: ServiceRegistry) -> None:
    registry.register("loans.send_offer", send_offer)
    registry.register("loans.disburse", disburse)
