"""Service tasks: handler results and emitted events; failures become retryable incidents; retry by wake."""
from __future__ import annotations

from typing import Any

import pytest

from engine.bpmn.scripting import ServiceCall


class Bank:
    """A payments handler that can be made to fail, counting its calls."""

    def __init__(self) -> None:
        self.down = False
        self.calls: list[ServiceCall] = []

    def __call__(self, call: ServiceCall) -> dict[str, Any]:
        self.calls.append(call)
        if self.down:
            raise ConnectionError("bank unreachable")
        call.emit("payment_scheduled", {"amount": call.params["amount"], "payee": call.params["payee"]})
        return {"instruction_id": f"PAY-{len(self.calls)}", "amount": call.params["amount"]}


def notify(call: ServiceCall) -> dict[str, Any]:
    call.emit("customer_notified", {"text": call.params["text"]})
    return {"sent": True}


@pytest.fixture
def bank(services) -> Bank:
    bank = Bank()
    services.register("payments.schedule", bank)
    return bank


def test_handler_result_lands_in_the_result_variable_and_events_are_emitted(new_case, services, bank, clock):
    services.register("customer.notify", notify)
    snap = new_case("services", {"reference": "SVC-7"}).start(amount=120, payee="NL01BANK")

    assert snap.incident is None and snap.completed and snap.outcome == "paid"
    assert snap.data["payment"] == {"instruction_id": "PAY-1", "amount": 120}
    assert snap.data["notification"] == {"sent": True}
    assert snap.emitted == [("payment_scheduled", {"amount": 120, "payee": "NL01BANK"}),
                            ("customer_notified", {"text": "Payment PAY-1 scheduled"})]
    assert snap.status_text == "Your payment of 120 EUR is on its way."
    call = bank.calls[0]
    assert call.operation == "payments.schedule" and call.params == {"amount": 120, "payee": "NL01BANK"}
    assert call.case["reference"] == "SVC-7" and call.now == clock.now()
    assert call.data == {"amount": 120, "payee": "NL01BANK"}


def test_a_failing_handler_is_a_retryable_incident_and_wake_retries_it(new_case, services, bank):
    services.register("customer.notify", notify)
    bank.down = True
    case = new_case("services")
    snap = case.start(amount=50, payee="NL02BANK")
    assert snap.incident is not None and snap.incident_retryable
    assert "Schedule payment" in snap.incident and "payments.schedule" in snap.incident
    assert "bank unreachable" in snap.incident
    assert not snap.completed and snap.emitted == [] and "payment" not in snap.data

    assert "failed earlier" in case.inspect().incident  # the state loads; inspecting runs nothing, the step stays failed
    snap = case.wake()  # still down: the same incident again
    assert snap.incident_retryable and "bank unreachable" in snap.incident and len(bank.calls) == 2

    bank.down = False
    snap = case.wake()
    assert snap.incident is None and snap.completed and snap.outcome == "paid"
    assert snap.data["payment"] == {"instruction_id": "PAY-3", "amount": 50}
    assert [kind for kind, _ in snap.emitted] == ["payment_scheduled", "customer_notified"]


def test_a_retry_does_not_repeat_the_steps_that_succeeded(new_case, services, bank):
    broken = {"on": True}

    def flaky_notify(call: ServiceCall) -> dict[str, Any]:
        if broken["on"]:
            raise TimeoutError("mail gateway timed out")
        return notify(call)

    services.register("customer.notify", flaky_notify)
    case = new_case("services")
    snap = case.start(amount=75, payee="NL03BANK")
    assert "Notify customer" in snap.incident and "customer.notify" in snap.incident
    assert snap.emitted == [("payment_scheduled", {"amount": 75, "payee": "NL03BANK"})]
    assert snap.data["payment"]["instruction_id"] == "PAY-1"

    broken["on"] = False
    snap = case.wake()
    assert snap.completed and len(bank.calls) == 1  # the payment was not scheduled twice
    assert snap.emitted == [("customer_notified", {"text": "Payment PAY-1 scheduled"})]


def test_an_unregistered_operator_is_an_incident_until_it_is_registered(new_case, services, bank):
    case = new_case("services")
    snap = case.start(amount=10, payee="NL04BANK")
    assert snap.incident_retryable
    assert "no service handler is registered for 'customer.notify'" in snap.incident

    services.register("customer.notify", notify)
    assert case.wake().completed
