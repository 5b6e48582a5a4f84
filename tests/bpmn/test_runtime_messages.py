"""Message catch events: delivery with and without a message variable, refusal of unexpected messages."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import NoSuchMessage

DOCUMENTS = {"files": ["claim-form.pdf", "invoice.pdf"], "sender": "ann@example.org"}


def test_case_waits_for_either_message_or_its_deadline(new_case, clock):
    snap = new_case("messages").start(claim="C-1")
    assert snap.waiting_messages == ["documents_received", "request_withdrawn"]
    assert snap.next_timer_at == clock.now() + timedelta(days=10)
    assert snap.status_text == "We are waiting for your documents."
    assert snap.stage == "waiting" and not snap.completed and snap.open_tasks == []


def test_message_payload_lands_in_the_message_variable(new_case):
    case = new_case("messages")
    case.start(claim="C-1")
    snap = case.message("documents_received", DOCUMENTS)
    assert snap.data["documents"] == DOCUMENTS
    assert snap.data["document_count"] == 2
    assert "files" not in snap.data  # not spread over the case data
    assert snap.completed and snap.outcome == "documents_complete"
    assert snap.status_text == "We received 2 documents."
    assert snap.waiting_messages == [] and snap.next_timer_at is None


def test_a_message_without_a_variable_moves_on_without_storing_its_payload(new_case):
    case = new_case("messages")
    case.start(claim="C-1")
    snap = case.message("request_withdrawn", {"reason": "found a cheaper offer"})
    assert snap.completed and snap.outcome == "withdrawn"
    assert "reason" not in snap.data and snap.data["claim"] == "C-1"


def test_code_in_a_payload_is_stored_as_text(new_case):
    case = new_case("messages")
    case.start(claim="C-1")
    payload = {"files": ["__import__('os').system('rm -rf /')", "{claim}"], "sender": "().__class__"}
    snap = case.message("documents_received", payload)
    assert snap.data["documents"] == payload and snap.data["document_count"] == 2


def test_a_message_nobody_waits_for_is_refused_and_changes_nothing(new_case):
    case = new_case("messages")
    case.start(claim="C-1")
    before = case.state
    with pytest.raises(NoSuchMessage) as refused:
        case.message("payment_received", {"amount": 1})
    assert refused.value.details == {"waiting_for": ["documents_received", "request_withdrawn"]}
    assert case.state == before
    assert case.message("documents_received", DOCUMENTS).completed


def test_the_deadline_wins_when_no_message_comes(new_case, clock):
    case = new_case("messages")
    case.start(claim="C-1")
    clock.advance(days=10, seconds=-1)
    assert case.wake().waiting_messages == ["documents_received", "request_withdrawn"]

    clock.advance(seconds=1)
    snap = case.wake()
    assert snap.completed and snap.outcome == "lapsed" and snap.waiting_messages == []
    assert snap.status_text == "Your request lapsed: we did not receive your documents."
    with pytest.raises(NoSuchMessage):
        case.message("documents_received", DOCUMENTS)


def test_a_message_is_refused_until_the_case_reaches_its_catch_event(new_case, services):
    services.register("payments.schedule", lambda call: {"instruction_id": "PAY-1", "amount": call.params["amount"]})
    case = new_case("basic")
    case.start(amount=80)
    with pytest.raises(NoSuchMessage):
        case.message("documents_received", {})

    snap = case.complete("review", decision="approve")
    assert snap.waiting_messages == ["documents_received"]
    assert snap.status_text == "We are waiting for your documents."
    snap = case.message("documents_received", {"pages": 3})
    assert snap.completed and snap.outcome == "paid"
    assert snap.data["payment"] == {"instruction_id": "PAY-1", "amount": 80}
    assert "pages" not in snap.data  # basic.bpmn names no messageVariable
