"""Service handlers of the claims process and shared ones: payments and customer notifications."""
from __future__ import annotations

import hashlib
from typing import Any

from engine.bpmn.scripting import ServiceCall, ServiceRegistry


def instruction_id(prefix: str, call: ServiceCall) -> str:
    """A stable id per case and parameters: a step retried after an incident must not make a second payout
    downstream; the same id lets the receiving system drop the repeat."""
    seed = f"{call.case.get('reference')}:{call.operation}:{sorted(call.params.items())}"
    return f"{prefix}-{hashlib.sha256(seed.encode()).hexdigest()[:10].upper()}"


def schedule_payment(call: ServiceCall) -> dict[str, Any]:
    """Record a payment instruction (idempotent per case and amount) and put it on the timeline."""
    amount = call.params.get("amount")
    if amount is None or float(amount) <= 0:
        raise ValueError(f"a payment needs a positive amount, got {amount!r}")
    instruction = {"instruction_id": instruction_id("PAY", call), "amount": amount,
                   "currency": call.params.get("currency", "EUR"), "payee": call.params.get("payee"),
                   "scheduled_at": call.now.isoformat()}
    call.emit("payment_scheduled", instruction)
    return instruction


def notify_customer(call: ServiceCall) -> dict[str, Any]:
    """Record an outbound customer notification on the timeline (the channel adapter sends it)."""
    message = {"channel": call.params.get("channel", "email"), "text": call.params.get("text", ""), "step": call.step}
    call.emit("customer_notified", message)
    return message


def register(registry: ServiceRegistry) -> None:
    registry.register("payments.schedule", schedule_payment)
    registry.register("customer.notify", notify_customer)
